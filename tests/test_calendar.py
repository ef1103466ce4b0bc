import datetime as dt

import chinese_calendar
import pytest

from eligibility import CalendarError
from eligibility.workdays import add_working_days, age_on, is_working_day


def test_agrees_with_chinesecalendar_on_every_day_it_covers():
    day, last = dt.date(2004, 1, 1), dt.date(2026, 12, 31)
    while day <= last:
        assert chinese_calendar.is_workday(day) == is_working_day(day), day
        day += dt.timedelta(days=1)


def test_make_up_saturday_counts_as_a_working_day():
    # 2021-09-18 (Saturday) was worked in exchange for the Mid-Autumn holiday
    assert is_working_day(dt.date(2021, 9, 18))


def test_ten_working_days_skip_the_national_day_week():
    # from 30 Sep 2021: Oct 8, Oct 9 (make-up Saturday), 11-15, 18-20 -> 20 October
    assert dt.date(2021, 10, 20) == add_working_days(dt.date(2021, 9, 30), 10)


def test_a_year_outside_the_official_calendar_is_an_error_not_a_guess():
    with pytest.raises(CalendarError, match="2004-2026"):
        add_working_days(dt.date(2026, 12, 28), 10)


def test_age_counts_completed_years():
    assert (59, 60) == (age_on(dt.date(1961, 9, 21), dt.date(2021, 9, 20)), age_on(dt.date(1961, 9, 20), dt.date(2021, 9, 20)))


def test_a_leap_day_birthday_is_reached_on_1_march():
    assert (17, 18) == (age_on(dt.date(2004, 2, 29), dt.date(2022, 2, 28)), age_on(dt.date(2004, 2, 29), dt.date(2022, 3, 1)))

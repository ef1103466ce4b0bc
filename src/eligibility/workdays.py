"""Official working days (chinesecalendar) and age arithmetic (dateutil)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
from dateutil.relativedelta import relativedelta

from .errors import CalendarError


# chinesecalendar's own is_workday() recomputes its supported range (min/max over every
# holiday) on each call, ~30 µs; deadlines count dozens of days per evaluation. Its data
# (the official holiday and make-up working-day tables) is read once here instead, with
# the same rule: a make-up day works, a holiday rests, otherwise Monday to Friday work.
_HOLIDAYS = frozenset(chinese_calendar.holidays)
_MAKE_UP_DAYS = frozenset(chinese_calendar.workdays)
FIRST_YEAR = min(_HOLIDAYS).year
LAST_YEAR = max(_HOLIDAYS).year


def is_working_day(day: dt.date) -> bool:
    """True on an official working day, make-up working days included."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise CalendarError(
            f"the official calendar covers {FIRST_YEAR}-{LAST_YEAR} only; {day.isoformat()} is outside it, "
            "so a working-day deadline cannot be computed (upgrade chinesecalendar when the State "
            "Council publishes the year's holidays)")
    if day in _MAKE_UP_DAYS:
        return True
    return day.weekday() < 5 and day not in _HOLIDAYS


@lru_cache(maxsize=4096)
def add_working_days(start: dt.date, count: int) -> dt.date:
    """The ``count``-th official working day after ``start`` (``start`` itself not counted)."""
    day, remaining = start, count
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years of age on ``day``: a year is complete on the birthday, and a person
    born on 29 February completes it on 1 March in a common year."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def add_months(day: dt.date, months: int) -> dt.date:
    return day + relativedelta(months=months)


def first_of_next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + 1, 1, 1) if day.month == 12 else dt.date(day.year, day.month + 1, 1)

"""Official working days (chinesecalendar) and age arithmetic (dateutil)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
from dateutil.relativedelta import relativedelta

from ._errors import CalendarError


def is_working_day(day: dt.date) -> bool:
    """True on an official working day, make-up working days included."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        raise CalendarError(
            f"the official calendar covers {_covered_years()} only; {day.isoformat()} is outside it, "
            "so a working-day deadline cannot be computed (upgrade chinesecalendar when the State "
            "Council publishes the year's holidays)") from None


def add_working_days(start: dt.date, count: int) -> dt.date:
    """The ``count``-th official working day after ``start`` (``start`` itself not counted)."""
    day, remaining = start, count
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def _covered_years() -> str:
    years = sorted({day.year for day in chinese_calendar.holidays})
    return f"{years[0]}-{years[-1]}" if years else "no years"


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years of age on ``day`` (a person born on 29 February ages on 1 March)."""
    return relativedelta(day, birth_date).years


def add_months(day: dt.date, months: int) -> dt.date:
    return day + relativedelta(months=months)


def first_of_next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + relativedelta(months=1))

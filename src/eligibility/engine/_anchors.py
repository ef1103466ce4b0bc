"""The days an evaluation anchors on: the status date (the day statuses are judged on) and the
day the primary category began to hold (``status_since``)."""

from __future__ import annotations

import datetime as dt
from typing import Callable

from ..contract import Request
from ..language import Program
from ..language.kinds import Facts, Result


def qualified_on_function(holds: Callable[[Facts], Result]) -> Callable[[Facts, dt.date], dt.date]:
    """The first day from ``since`` to the status date on which ``holds`` (the primary
    category) is true, found by halving: categories gain a condition at most once in the
    interval (a status granted, an age reached), so the first such day is where it began."""
    def qualified_on(facts: Facts, since: dt.date) -> dt.date:
        end = facts.status_date

        def held(day: dt.date) -> bool:
            return holds(facts.next_phase(status_date=day, qualified_on=None))[0] is True
        if since >= end or held(since):
            return since
        low, high = since, end  # not held on low; held on high (the category decided there)
        while (high - low).days > 1:
            middle = low + (high - low) // 2
            if held(middle):
                high = middle
            else:
                low = middle
        return high
    return qualified_on


def status_date(program: Program, request: Request, coverage_year: int) -> dt.date:
    if program.status_date == "registration":
        for record in request.person.enrollments:
            if (record.scheme == "resident_medical" and record.year == coverage_year
                    and record.paid_on is not None and record.paid_on <= request.as_of):
                return record.paid_on
    return request.as_of


__all__ = ["qualified_on_function", "status_date"]

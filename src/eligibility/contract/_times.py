"""Times of day in a request: every one in China Standard Time (UTC+8), without an offset.

``as_of`` may carry a time (``2018-02-22T16:30``) and ``as_of_time`` may carry an offset
(``16:00+08:00``). An offset is converted: ``2018-02-22T16:00-08:00`` is 08:00 on 23
February in Beijing, and the application's day is that day. Comparing a naive closing
hour with an aware time would otherwise fail, and dropping the offset would misread it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic_core import PydanticCustomError

CHINA_STANDARD_TIME = dt.timezone(dt.timedelta(hours=8), "CST")


def _parsed(value: Any, parse: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse(value.strip().replace("z", "Z"))
        except ValueError:
            return value  # pydantic reports it by its path
    return value


def _in_china(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(CHINA_STANDARD_TIME).replace(tzinfo=None) if moment.tzinfo is not None else moment


def china_time(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with ``as_of`` a date and ``as_of_time`` a naive time in UTC+8 where they were
    given with a time or an offset; values that do not parse are left for pydantic."""
    as_of, at = data.get("as_of"), data.get("as_of_time")
    if isinstance(as_of, str) and ("T" in as_of or "t" in as_of or " " in as_of.strip()):
        as_of = _parsed(as_of, dt.datetime.fromisoformat)
    at = _parsed(at, dt.time.fromisoformat)
    if isinstance(as_of, dt.datetime):
        if at is not None:
            raise PydanticCustomError(
                "as_of_time_conflict", "as_of_time: as_of already gives the time ({time}); give it once",
                {"time": as_of.time().isoformat("minutes")})
        moment = _in_china(as_of)
        return {**data, "as_of": moment.date(), "as_of_time": moment.time()}
    if isinstance(at, dt.time) and at.tzinfo is not None:
        day = as_of if isinstance(as_of, dt.date) else _parsed(as_of, dt.date.fromisoformat)
        if not isinstance(day, dt.date):
            return {**data, "as_of_time": at.replace(tzinfo=None)}  # as_of itself is reported bad
        moment = _in_china(dt.datetime.combine(day, at))
        return {**data, "as_of": moment.date(), "as_of_time": moment.time()}
    return data if at is data.get("as_of_time") else {**data, "as_of_time": at}

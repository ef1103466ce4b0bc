"""Date expressions: their spec in a policy, compiled to ``DateExpr`` data, and resolved
against one evaluation's facts.

Forms (docs/authoring.md): a date, an anchor (``as_of``, ``status_date``,
``coverage_year_start``, ``coverage_year_end``, ``status_since``), or a mapping with
``month_day`` (+ ``year``, ``years_later``) or ``from``, then offsets.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Callable, Literal

from pydantic import Field

from ..workdays import add_months, add_working_days, first_of_next_month
from ._ir import ANCHORS, DateExpr, MonthDay, Offset
from .issues import did_you_mean

from ._spec import Spec

if TYPE_CHECKING:
    from .kinds._base import CompileContext, Facts


class DateSpec(Spec):
    """A date expression written as a mapping."""

    from_: Any = Field(None, alias="from")
    month_day: str | None = Field(None, pattern=r"^[0-9]{2}-[0-9]{2}$")
    year: Literal["as_of_year", "coverage_year"] | None = None
    years_later: int | None = Field(None, ge=-100, le=100)
    add_days: int | None = Field(None, ge=-36600, le=36600)
    add_working_days: int | None = Field(None, ge=0, le=366)
    add_months: int | None = Field(None, ge=-1200, le=1200)
    next_month_start: bool = False
    month_end: bool = False


def compile_date(raw: Any, path: tuple, cx: "CompileContext") -> DateExpr | None:
    """``raw`` (a date, an anchor or a mapping) as a ``DateExpr``; None after reporting why not."""
    at = cx.position(path)
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return DateExpr(raw, at=at)
    if isinstance(raw, str):
        if raw not in ANCHORS:
            cx.error(path, "unknown_anchor", f"unknown date {raw!r}",
                     f"{did_you_mean(raw, ANCHORS)}use a date (YYYY-MM-DD) or one of: {', '.join(ANCHORS)}")
            return None
        return DateExpr(raw, at=at)  # type: ignore[arg-type]
    spec = cx.validate(DateSpec, raw, path)
    if spec is None:
        return None
    start: Any
    if spec.month_day is not None:
        if spec.from_ is not None:
            cx.error(path, "bad_condition", "a date takes `month_day` or `from`, not both",
                     "month_day: a day in a year; from: a date to add offsets to")
            return None
        month, day = (int(x) for x in spec.month_day.split("-"))
        try:
            dt.date(2001, month, day)  # a common year: 02-29 does not exist every year
        except ValueError:
            cx.error(path + ("month_day",), "bad_value", f"month_day {spec.month_day!r} is not a day of every year",
                     "write MM-DD of a day every year has (29 February is not one)")
            return None
        start = MonthDay(month, day, spec.year or "as_of_year", spec.years_later or 0)
    else:
        if spec.year is not None or spec.years_later is not None:
            cx.error(path, "bad_condition", "`year` and `years_later` go with `month_day`",
                     "add `month_day: \"MM-DD\"` or remove them")
            return None
        anchor = compile_date(spec.from_ if spec.from_ is not None else "as_of", path + ("from",), cx)
        if anchor is None:
            return None
        start = anchor.start if not anchor.offsets else anchor
    offsets = []
    for unit, count in (("days", spec.add_days), ("working_days", spec.add_working_days),
                        ("months", spec.add_months)):
        if count is not None:
            offsets.append(Offset(unit, count))  # type: ignore[arg-type]
    if spec.next_month_start:
        offsets.append(Offset("next_month_start"))
    if spec.month_end:
        offsets.append(Offset("month_end"))
    return DateExpr(start, tuple(offsets), at=at)


# --- resolving -----------------------------------------------------------------------------

def _status_since(facts: "Facts") -> dt.date | None:
    """The day the person qualified in the primary category: the primary status's ``since``,
    or the later day the category began to hold (a low-income person turning 60 qualifies on
    the birthday, not when the status was granted years before)."""
    witness = facts.primary_witness
    if witness is None:
        return None
    since = facts.person.statuses[witness].since
    qualified_on = facts.qualified_on
    if qualified_on is None:
        return since
    key = ("qualified_on", since)
    day = facts.memo.get(key)
    if day is None:
        day = facts.memo[key] = qualified_on(facts, since)
    return day


_ANCHOR_OF: dict[str, Callable[["Facts"], dt.date | None]] = {
    "as_of": lambda f: f.as_of,
    "status_date": lambda f: f.status_date,
    "coverage_year_start": lambda f: f.coverage_year_start,
    "coverage_year_end": lambda f: f.coverage_year_end,
    "status_since": _status_since,
}


def _month_end(day: dt.date) -> dt.date:
    return first_of_next_month(day) - dt.timedelta(days=1)


def _step(offset: Offset) -> Callable[[dt.date], dt.date]:
    count = offset.count
    if offset.unit == "days":
        delta = dt.timedelta(days=count)
        return lambda day: day + delta
    if offset.unit == "working_days":
        return lambda day: add_working_days(day, count)
    if offset.unit == "months":
        return lambda day: add_months(day, count)
    if offset.unit == "next_month_start":
        return first_of_next_month
    return _month_end


def date_function(expr: DateExpr) -> Callable[["Facts"], dt.date | None]:
    """``expr`` as a function of the facts (built once per expression, called per request)."""
    start = expr.start
    if isinstance(start, dt.date):
        base: Callable[[Facts], dt.date | None] = lambda facts: start
    elif isinstance(start, str):
        base = _ANCHOR_OF[start]
    elif isinstance(start, MonthDay):
        month, day, later = start.month, start.day, start.years_later
        if start.year == "coverage_year":
            base = lambda facts: dt.date(facts.coverage_year + later, month, day)
        else:
            base = lambda facts: dt.date(facts.as_of.year + later, month, day)
    else:
        base = date_function(start)
    steps = tuple(_step(offset) for offset in expr.offsets)
    if not steps:
        return base

    def resolve(facts: "Facts") -> dt.date | None:
        day = base(facts)
        if day is None:
            return None
        for step in steps:
            day = step(day)
        return day
    return resolve


# --- in words ------------------------------------------------------------------------------

_ANCHOR_WORDS = {
    "as_of": ("申请日", "the application date"),
    "status_date": ("身份认定日", "the status date"),
    "coverage_year_start": ("参保年度开始", "the start of the coverage year"),
    "coverage_year_end": ("参保年度最后一日", "the last day of the coverage year"),
    "status_since": ("取得该身份之日", "the day the person qualified"),
}
_YEAR_WORDS = {"as_of_year": ("申请当年", "the application year"), "coverage_year": ("参保年度", "the coverage year")}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def day_words(day: dt.date, lang: str) -> str:
    """A calendar date in words: 2019年12月31日 / 31 December 2019."""
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def date_sentence(expr: DateExpr, lang: str) -> str:
    """A date expression in words, in ``lang`` (``zh`` or ``en``):
    ``coverage_year_start + -1 days`` → 参保年度开始前一日 / the day before the start of the coverage year."""
    zh = lang == "zh"
    start = expr.start
    if isinstance(start, dt.date):
        text = day_words(start, lang)
    elif isinstance(start, str):
        text = _ANCHOR_WORDS[start][0 if zh else 1]
    elif isinstance(start, MonthDay):
        year = _YEAR_WORDS[start.year][0 if zh else 1]
        if zh:
            later = f"后第{start.years_later}年" if start.years_later else ""
            text = f"{year}{later}{start.month}月{start.day}日"
        else:
            later = f", {start.years_later} year(s) after {year}" if start.years_later else f" of {year}"
            text = f"{start.day} {_MONTHS[start.month - 1]}{later}"
    else:
        text = date_sentence(start, lang)
    for offset in expr.offsets:
        text = _offset_words(text, offset, zh)
    return text


def _offset_words(text: str, offset: Offset, zh: bool) -> str:
    n, unit = offset.count, offset.unit
    if unit == "next_month_start":
        return f"{text}的次月1日" if zh else f"the first day of the month after {text}"
    if unit == "month_end":
        return f"{text}当月最后一日" if zh else f"the last day of the month of {text}"
    if unit == "days" and abs(n) == 1:
        return f"{text}{'前' if n < 0 else '后'}一日" if zh else f"the day {'before' if n < 0 else 'after'} {text}"
    if zh:
        amount = {"days": f"{abs(n)}日", "working_days": f"{abs(n)}个工作日", "months": f"{abs(n)}个月"}[unit]
        return f"{text}{'前' if n < 0 else '后'}{amount}"
    amount = {"days": f"{abs(n)} days", "working_days": f"{abs(n)} working days", "months": f"{abs(n)} months"}[unit]
    return f"{amount} {'before' if n < 0 else 'after'} {text}"

"""``date``: compares the application date (and time), or the status date, with a bound."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from .._ir import NOWHERE, DateExpr, Node, Position
from ._base import COMPARE, FALSE, date_of, TRUE, Builder, CompileContext, ConditionKind, Facts, Result, Spec
from ...contract import COMPARE_WORDS

_INCLUSIVE = {"before": "on_or_before", "after": "on_or_after", "on_or_before": "on_or_before",
              "on_or_after": "on_or_after"}


@dataclass(frozen=True, slots=True)
class DateTest(Node):
    op: str
    bound: DateExpr
    bound_time: dt.time | None = None
    of: str = "as_of"
    at: Position = field(default=NOWHERE, compare=False, repr=False)


class DateTestSpec(Spec):
    """``date: {on_or_before: 2018-02-22T17:00}``, ``date: {of: status_date, before: …}``:
    exactly one comparison."""

    of: Literal["as_of", "status_date"] = "as_of"
    before: Any = None
    on_or_before: Any = None
    after: Any = None
    on_or_after: Any = None


def _compile(key: str, raw: Any, path: tuple, cx: CompileContext) -> Node | None:
    spec = cx.validate(DateTestSpec, raw, path)
    if spec is None:
        return None
    given = [op for op in ("before", "on_or_before", "after", "on_or_after") if getattr(spec, op) is not None]
    if len(given) != 1:
        cx.error(path, "bad_condition", "date takes exactly one comparison",
                 "one of before, on_or_before, after, on_or_after")
        return None
    op = given[0]
    bound_raw = getattr(spec, op)
    bound_time = None
    if isinstance(bound_raw, str) and "T" in bound_raw:
        try:  # YAML reads 2018-02-22T17:00 (no seconds) as text
            bound_raw = dt.datetime.fromisoformat(bound_raw)
        except ValueError:
            pass
    if isinstance(bound_raw, dt.datetime):
        if bound_raw.tzinfo is not None:
            cx.error(path + (op,), "bad_value", "a date-time bound is written in China Standard Time, without an offset",
                     "write 2018-02-22T17:00")
            return None
        bound_raw, bound_time = bound_raw.date(), bound_raw.time()
        if spec.of != "as_of":
            cx.error(path + (op,), "bad_value", "a date-time bound compares the application time (as_of) only")
            return None
    bound = cx.date(bound_raw, path + (op,))
    if bound is None:
        return None
    return DateTest(op, bound, bound_time, spec.of, at=cx.position(path))


def _evaluator(node: DateTest, build: Builder) -> Any:
    bound_of = build.date(node.bound)
    compare = COMPARE[node.op]
    on_day = COMPARE[_INCLUSIVE[node.op]] if node.bound_time is not None else compare
    bound_time = node.bound_time
    in_time_without_hour = node.op in ("before", "on_or_before")
    of_status = node.of == "status_date"

    def evaluate(facts: Facts) -> Result:
        bound = bound_of(facts)
        if bound is None:
            return FALSE
        when = facts.status_date if of_status else facts.as_of
        if bound_time is not None and when == bound:
            # on the closing day an application without a time counts as in time (docs/authoring.md)
            at = facts.request.as_of_time
            if at is None:
                return TRUE if in_time_without_hour else FALSE
            return TRUE if compare(at, bound_time) else FALSE
        # a date-time bound: the bound's own day is decided above; other days compare inclusively
        return TRUE if on_day(when, bound) else FALSE
    return evaluate


def _observed(node: DateTest, facts: Facts, build: Any = None) -> dict[str, Any]:
    when = facts.status_date if node.of == "status_date" else facts.as_of
    read: dict[str, Any] = {node.of: when.isoformat()}
    bound = date_of(node.bound, facts, build)
    if bound is not None and node.bound_time is not None and when == bound:
        at = facts.request.as_of_time
        read["as_of_time"] = at.isoformat("minutes") if at else None
    return read


def _reads(node: DateTest) -> tuple[str, ...]:
    return (node.of,) + (("as_of_time",) if node.bound_time is not None else ())


def _describe(node: DateTest, describe: Any = None) -> str:
    return f"{node.of} {node.op} {node.bound.text}" + (
        f" {node.bound_time.isoformat('minutes')}" if node.bound_time else "")


_NEGATED = {"before": "on_or_after", "on_or_before": "after", "after": "on_or_before", "on_or_after": "before"}


_OF_WORDS = {"as_of": ("申请日", "the application date"), "status_date": ("身份认定日", "the status date")}


def _sentence(node: DateTest, lang: str, words: Any) -> str:
    zh = lang == "zh"
    of = _OF_WORDS[node.of][0 if zh else 1]
    word = COMPARE_WORDS[node.op][0 if zh else 1]
    bound = words.date(node.bound) + (f" {node.bound_time.isoformat('minutes')}" if node.bound_time else "")
    return f"{of}{word}{bound}" if zh else f"{of} is {word} {bound}"


def _aim(node: DateTest, plan: Any, want: bool) -> None:
    bound = plan.resolve(node.bound)
    if bound is None:
        return
    op = node.op if want else _NEGATED[node.op]
    start, end = plan.window
    one = dt.timedelta(days=1)
    if op in ("before", "on_or_before"):
        end = min(end, bound - one if op == "before" or node.bound_time is not None else bound)
    else:
        start = max(start, bound + one if op == "after" or node.bound_time is not None else bound)
    if start <= end:
        plan.as_of = plan.draw_dates(start, end)


KIND = ConditionKind(
    keys=("date",), nodes=(DateTest,), specs=(DateTestSpec,), compile=_compile, evaluator=_evaluator,
    observed=_observed, reads=_reads, describe=_describe, sentence=_sentence, aim=_aim, phase=0,
    doc=(("`date: {on_or_before: 2018-02-22T17:00}`",
          "compares `as_of` (and `as_of_time`) with a date or date-time; on the closing day an application "
          "without a time counts as in time"),
         ("`date: {of: status_date, before: coverage_year_start}`",
          "compares the status date instead (the registration date where `status_date: registration`)")),
    dates=lambda node: (node.bound,),
)

"""``age``: completed years on the status date (or ``at:``), from the birth date or the ID."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any

from dateutil.relativedelta import relativedelta
from pydantic import Field

from ...workdays import age_on
from .._ir import NOWHERE, DateExpr, Node, ParameterRef, Position
from ...contract import age_words
from ._base import (FALSE, TRUE, Builder, CompileContext, ConditionKind, Facts, ParameterSpec, Result, Spec,
                    births_either_side, date_of, threshold_function)

_MISSING = (None, ("person.birth_date",), None)


@dataclass(frozen=True, slots=True)
class AgeTest(Node):
    at_least: int | ParameterRef | None     # a literal, or a parameter of the program (reforms change it)
    under: int | ParameterRef | None
    on: DateExpr
    at: Position = field(default=NOWHERE, compare=False, repr=False)


class AgeSpec(Spec):
    """``age: {at_least: 60}``, ``{under: 18}``, ``at:`` a date expression (default: the status date);
    a threshold may be ``{parameter: elderly_age}``, a parameter of the program in ``years``."""

    at_least: Annotated[int, Field(ge=0, le=150)] | ParameterSpec | None = None
    under: Annotated[int, Field(ge=1, le=150)] | ParameterSpec | None = None
    at: Any = "status_date"


def _compile(key: str, raw: Any, path: tuple, cx: CompileContext) -> Node | None:
    spec = cx.validate(AgeSpec, raw, path)
    if spec is None:
        return None
    if spec.at_least is None and spec.under is None:
        cx.error(path, "bad_condition", "age needs `at_least` or `under`", "age: {at_least: 60} or age: {under: 18}")
        return None
    on = cx.date(spec.at, path + ("at",))
    at_least, under = cx.threshold(spec.at_least, path + ("at_least",)), cx.threshold(spec.under, path + ("under",))
    if on is None or (at_least is None and spec.at_least is not None) or (under is None and spec.under is not None):
        return None
    return AgeTest(at_least, under, on, at=cx.position(path))


def _evaluator(node: AgeTest, build: Builder) -> Any:
    day_of = build.date(node.on)
    # a literal threshold is a constant; a parameter's is looked up once per coverage year
    at_least_of, under_of = threshold_function(node.at_least, build.program), threshold_function(node.under, build.program)

    def evaluate(facts: Facts) -> Result:
        birth = facts.birth_date
        if birth is None:
            return _MISSING
        day = day_of(facts)
        if day is None:
            return FALSE
        age = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
        at_least, under = at_least_of(facts), under_of(facts)
        if (at_least is not None and age < at_least) or (under is not None and age >= under):
            return FALSE
        return TRUE
    return evaluate


def _observed(node: AgeTest, facts: Facts, build: Any = None) -> dict[str, Any]:
    birth = facts.birth_date
    if birth is None:
        return {"person.birth_date": None}
    day = date_of(node.on, facts, build)
    # the masked ID shows its region prefix and last four; beside the birth date (and the
    # hukou region) they would rebuild the whole number: with an ID, the date is not shown
    shown = "from person.id_number" if facts.person.id_number else birth.isoformat()
    return {"person.birth_date": shown, "age": age_on(birth, day) if day else None}


def _reads(node: AgeTest) -> tuple[str, ...]:
    return ("person.birth_date",)


def _boundaries(node: AgeTest, facts: Facts, build: Any) -> dict[str, tuple[Any, ...]]:
    """Birth dates either side of each threshold: born on the day the age is reached, and a day later."""
    day = date_of(node.on, facts, build)
    program, year = build.program, facts.coverage_year
    return {"person.birth_date": births_either_side(day, program.threshold(node.at_least, year),
                                                    program.threshold(node.under, year))} if day else {}


def _describe(node: AgeTest, describe: Any = None) -> str:
    bounds = ([f">= {node.at_least}"] if node.at_least is not None else []) + (
        [f"< {node.under}"] if node.under is not None else [])
    return f"age on {node.on.text} {' and '.join(bounds)}"


def _sentence(node: AgeTest, lang: str, words: Any) -> str:
    at_least, under = words.threshold(node.at_least), words.threshold(node.under)
    if isinstance(at_least, str) or isinstance(under, str):  # a parameter whose year is not known
        zh = lang == "zh"
        bounds = ([("达到规定的年龄下限" if zh else "at or over the age the policy sets")] if at_least is not None else []) + (
            [("未达规定的年龄上限" if zh else "under the age the policy sets")] if under is not None else [])
        ages = ("且" if zh else " and ").join(bounds)
    else:
        ages = age_words(at_least, under, lang)
    on = words.date(node.on)
    return f"在{on}{ages}" if lang == "zh" else f"{ages} on {on}"


def _aim(node: AgeTest, plan: Any, want: bool) -> None:
    day = plan.resolve(node.on) or plan.as_of
    at_least, under = plan.threshold(node.at_least), plan.threshold(node.under)
    low, high = at_least or 0, (under or 101) - 1
    if not want:
        sides = ([(0, low - 1)] if at_least else []) + ([(high + 1, 100)] if under else [])
        sides = [s for s in sides if s[0] <= s[1]]
        if not sides:
            return
        low, high = plan.draw_from(sides)
    if low > high:
        return
    age = plan.draw_int(low, min(high, 100))
    latest = min(day - relativedelta(years=age), plan.as_of)
    earliest = day - relativedelta(years=age + 1) + dt.timedelta(days=1)
    if earliest > latest:
        return
    birth = plan.draw_dates(earliest, latest)
    if age_on(birth, day) == age:
        plan.birth_date = birth
        plan.tested.append(("birth_date",))


KIND = ConditionKind(
    keys=("age",), nodes=(AgeTest,), specs=(AgeSpec,), compile=_compile, evaluator=_evaluator,
    observed=_observed, reads=_reads, describe=_describe, sentence=_sentence, aim=_aim, phase=1, boundaries=_boundaries,
    doc=(("`age: {at_least: 60}`, `age: {under: 18}`, `at: coverage_year_start`",
          "completed years on the status date (or `at:`); unknown without a birth date or ID number"),
         ("`age: {at_least: {parameter: elderly_age}}`",
          "a threshold that is a parameter of the program (`unit: years`, stated values): its value on the first "
          "day of the coverage year, so a reform changes it with a dated value"),),
    dates=lambda node: (node.on,),
)

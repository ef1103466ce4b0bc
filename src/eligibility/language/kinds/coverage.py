"""``coverage``: full-year or mid-year coverage, or the insurance year applied for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field, RootModel

from .._ir import NOWHERE, Node, Position
from ._base import FALSE, TRUE, Builder, CompileContext, ConditionKind, Facts, Spec, one_or_many
from ...contract import alternatives


@dataclass(frozen=True, slots=True)
class CoverageTest(Node):
    mode: str
    at: Position = field(default=NOWHERE, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CoverageYearTest(Node):
    years: frozenset[int]
    at: Position = field(default=NOWHERE, compare=False, repr=False)


class ModeSpec(RootModel[Literal["full_year", "mid_year"]]):
    """``coverage: full_year`` (the coverage year is after the year of as_of) or ``mid_year``."""


class YearSpec(Spec):
    """``coverage: {year: 2014}`` or a list of years."""

    year: list[int] = Field(min_length=1)


def _compile(key: str, raw: Any, path: tuple, cx: CompileContext) -> Node | None:
    if isinstance(raw, dict):
        if raw.get("year") is not None:
            raw = {**raw, "year": list(one_or_many(raw["year"]))}
        spec = cx.validate(YearSpec, raw, path)
        if spec is None:
            return None
        bad = [y for y in spec.year if not 1990 <= y <= 2100]
        if bad:
            cx.error(path + ("year",), "bad_value", f"coverage year {bad[0]!r} is not a year from 1990 to 2100",
                     "write the insurance year as an integer: {year: 2014}")
            return None
        return CoverageYearTest(frozenset(spec.year), at=cx.position(path))
    spec = cx.validate(ModeSpec, raw, path)
    return None if spec is None else CoverageTest(spec.root, at=cx.position(path))


def _evaluator(node: Node, build: Builder) -> Any:
    if isinstance(node, CoverageYearTest):
        years = node.years
        return lambda facts: TRUE if facts.coverage_year in years else FALSE
    full = node.mode == "full_year"  # type: ignore[attr-defined]
    return lambda facts: TRUE if (facts.coverage_year > facts.as_of.year) == full else FALSE


def _observed(node: Node, facts: Facts, build: Any = None) -> dict[str, Any]:
    if isinstance(node, CoverageYearTest):
        return {"coverage_year": facts.coverage_year}
    return {"coverage_year": facts.coverage_year, "as_of": facts.as_of.isoformat()}


def _reads(node: Node) -> tuple[str, ...]:
    return ("coverage_year", "as_of") if isinstance(node, CoverageTest) else ("coverage_year",)


def _describe(node: Node, describe: Any = None) -> str:
    if isinstance(node, CoverageYearTest):
        return f"coverage year in {sorted(node.years)}"
    return f"coverage {node.mode}"  # type: ignore[attr-defined]


def _sentence(node: Node, lang: str, words: Any) -> str:
    zh = lang == "zh"
    if isinstance(node, CoverageYearTest):
        years = alternatives((f"{y}年" if zh else str(y) for y in sorted(node.years)), lang)
        return f"申请的参保年度为{years}" if zh else f"the coverage year applied for is {years}"
    if node.mode == "full_year":  # type: ignore[attr-defined]
        return "为下一年度全年参保" if zh else "enrols for the full year (a coverage year after the application year)"
    return "为当年度中途参保" if zh else "enrols mid-year (in the year of the application)"


def _aim(node: Node, plan: Any, want: bool) -> None:
    if isinstance(node, CoverageTest):
        full = (node.mode == "full_year") == want
        plan.coverage_year = plan.as_of.year + (1 if full else 0)
        return
    years = sorted(node.years) if want else [  # type: ignore[attr-defined]
        y for y in (plan.as_of.year, plan.as_of.year + 1) if y not in node.years]  # type: ignore[attr-defined]
    if years:
        plan.apply_for_year(plan.draw_from(years))


KIND = ConditionKind(
    keys=("coverage",), nodes=(CoverageTest, CoverageYearTest), specs=(ModeSpec, YearSpec), compile=_compile,
    evaluator=_evaluator, observed=_observed, reads=_reads, describe=_describe, sentence=_sentence, aim=_aim, phase=0,
    doc=(("`coverage: full_year` / `mid_year`",
          "full year when the coverage year is after the year of `as_of`, mid-year when it is that year"),
         ("`coverage: {year: 2014}` (or a list of years)",
          "the insurance year applied for is one of those; always known, traced as `coverage_year`")),
)

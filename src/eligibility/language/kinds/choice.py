"""``choice``: what the person asks for (the benefit tier, a pension contribution grade)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from .._ir import NOWHERE, Node, Position
from ._base import FALSE, TRUE, Builder, CompileContext, ConditionKind, Facts, Result, Spec, one_or_many
from ...contract import alternatives, value_label


@dataclass(frozen=True, slots=True)
class ChoiceTest(Node):
    name: str
    allowed: frozenset[Any] | None
    at_least: Decimal | None = None
    at_most: Decimal | None = None
    at: Position = field(default=NOWHERE, compare=False, repr=False)


class GradeRange(Spec):
    at_least: int | None = Field(None, gt=0)
    at_most: int | None = Field(None, gt=0)


class ChoiceSpec(Spec):
    """``choice: {tier: 2}`` (or a list), ``choice: {pension_grade: [120, 240]}`` or
    ``{pension_grade: {at_most: 360}}``: exactly one choice."""

    tier: list[Literal[1, 2]] | None = Field(None, min_length=1)
    pension_grade: list[int] | GradeRange | None = None


def _compile(key: str, raw: Any, path: tuple, cx: CompileContext) -> Node | None:
    if isinstance(raw, dict):
        raw = {name: (list(one_or_many(value)) if not isinstance(value, dict) and value is not None else value)
               for name, value in raw.items()}
    spec = cx.validate(ChoiceSpec, raw, path)
    if spec is None:
        return None
    given = [name for name in ("tier", "pension_grade") if getattr(spec, name) is not None]
    if len(given) != 1:
        cx.error(path, "bad_condition", "choice takes exactly one of `tier` and `pension_grade`",
                 "choice: {tier: 2}")
        return None
    at = cx.position(path)
    if spec.tier is not None:
        return ChoiceTest("tier", frozenset(spec.tier), at=at)
    grade = spec.pension_grade
    if isinstance(grade, GradeRange):
        if grade.at_least is None and grade.at_most is None:
            cx.error(path + ("pension_grade",), "bad_condition", "a range needs `at_least` or `at_most`")
            return None
        return ChoiceTest("pension_grade", None, _decimal(grade.at_least), _decimal(grade.at_most), at=at)
    bad = [g for g in grade if g <= 0]  # type: ignore[union-attr]
    if bad:
        cx.error(path + ("pension_grade",), "bad_value", f"pension grade {bad[0]} is not a positive amount")
        return None
    return ChoiceTest("pension_grade", frozenset(Decimal(str(g)) for g in grade), at=at)  # type: ignore[union-attr]


def _decimal(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _evaluator(node: ChoiceTest, build: Builder) -> Any:
    name, allowed, at_least, at_most = node.name, node.allowed, node.at_least, node.at_most
    unknown = (None, (f"choices.{name}",), None)

    def evaluate(facts: Facts) -> Result:
        value = getattr(facts.request.choices, name)
        if value is None:
            return unknown
        ok = (allowed is None or value in allowed) and (at_least is None or value >= at_least) and (
            at_most is None or value <= at_most)
        return TRUE if ok else FALSE
    return evaluate


def _observed(node: ChoiceTest, facts: Facts, build: Any = None) -> dict[str, Any]:
    value = getattr(facts.request.choices, node.name)
    return {f"choices.{node.name}": None if value is None else str(value)}


def _reads(node: ChoiceTest) -> tuple[str, ...]:
    return (f"choices.{node.name}",)


def _boundaries(node: ChoiceTest, facts: Facts, build: Any) -> dict[str, tuple[Any, ...]]:
    """The values it allows, and either side of each bound (a tier takes its two values from the contract)."""
    if node.name != "pension_grade":
        return {}
    values = set(node.allowed or ())
    for bound in (node.at_least, node.at_most):
        if bound is not None:
            values |= {bound - 1, bound, bound + 1}
    return {"choices.pension_grade": tuple(sorted(v for v in values if v > 0))}


def _remedy(node: ChoiceTest, want: bool, facts: Facts, build: Any) -> list[dict[str, Any]] | None:
    """A choice changed: to the first value it allows, or, for a tier, to the other tier."""
    if node.name == "tier":
        options = sorted(node.allowed or ()) if want else [t for t in (1, 2) if t not in (node.allowed or ())]
    elif want:
        options = sorted(node.allowed) if node.allowed else [v for v in (node.at_least, node.at_most) if v is not None]
    else:
        return None
    return [{"fact": f"choices.{node.name}", "action": "choose", "value": options[0]}] if options else None


def _describe(node: ChoiceTest, describe: Any = None) -> str:
    return f"choice {node.name}" + (f" in {sorted(node.allowed)}" if node.allowed else "") + (
        f" >= {node.at_least}" if node.at_least is not None else "") + (
        f" <= {node.at_most}" if node.at_most is not None else "")


def _sentence(node: ChoiceTest, lang: str, words: Any) -> str:
    zh = lang == "zh"
    if node.allowed:
        chosen = alternatives((value_label(node.name, v, lang) if node.name == "tier" else str(v)
                         for v in sorted(node.allowed)), lang)
    else:
        bounds = ([(f"不低于{node.at_least}元" if zh else f"at least {node.at_least} yuan")]
                  if node.at_least is not None else []) + (
            [(f"不高于{node.at_most}元" if zh else f"at most {node.at_most} yuan")] if node.at_most is not None else [])
        chosen = ("且" if zh else " and ").join(bounds)
    what = {"tier": ("选择的缴费档次为", "chooses "),
            "pension_grade": ("选择的养老保险缴费档次", "chooses a pension contribution of ")}.get(
        node.name, (f"选择的{node.name}为", f"chooses {node.name} "))
    return what[0 if zh else 1] + chosen


def _aim(node: ChoiceTest, plan: Any, want: bool) -> None:
    if not want:
        return
    if node.allowed:
        value = plan.draw_from(sorted(node.allowed, key=str))
    else:
        low = node.at_least if node.at_least is not None else 1
        high = node.at_most if node.at_most is not None else low + 1000
        value = plan.draw_int(int(low), int(high)) if low <= high else low
    plan.choices[node.name] = value if node.name == "tier" else str(value)


KIND = ConditionKind(
    keys=("choice",), nodes=(ChoiceTest,), specs=(ChoiceSpec, GradeRange), compile=_compile,
    evaluator=_evaluator, observed=_observed, reads=_reads, describe=_describe, sentence=_sentence, aim=_aim, phase=1,
    boundaries=_boundaries, remedy=_remedy,
    doc=(("`choice: {tier: 2}`, `choice: {pension_grade: {at_most: 360}}`",
          "what the person asks for (`choices` in the request); unknown when not given"),),
)

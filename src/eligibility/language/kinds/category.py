"""``category``: in exclusions and outputs, a category of the program holds; or, with
``held_on``, held with statuses and ages judged on another date."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._ir import NOWHERE, DateExpr, Node, Position
from ._base import FALSE, TRUE, Builder, CompileContext, ConditionKind, Facts, Result, Spec, one_or_many
from ...contract import alternatives


@dataclass(frozen=True, slots=True)
class CategoryTest(Node):
    ids: tuple[str, ...]
    every: bool = False           # written `category: any`: every category of the program
    at: Position = field(default=NOWHERE, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CategoryHeldOn(Node):
    ids: tuple[str, ...]          # every category of the program when empty
    on: DateExpr
    at: Position = field(default=NOWHERE, compare=False, repr=False)


class HeldOnSpec(Spec):
    """``category: {id: [dibao, tekun], held_on: <date>}`` (``id`` left out: every category)."""

    id: list[str] | None = None
    held_on: Any


def _compile(key: str, raw: Any, path: tuple, cx: CompileContext) -> Node | None:
    on = None
    if isinstance(raw, dict):
        if raw.get("id") is not None:
            raw = {**raw, "id": list(one_or_many(raw["id"]))}
        spec = cx.validate(HeldOnSpec, raw, path)
        if spec is None:
            return None
        on = cx.date(spec.held_on, path + ("held_on",))
        if on is None:
            return None
        ids = tuple(spec.id or ())
    elif raw == "any":
        ids = tuple(sorted(cx.category_ids))   # every category of the program, whatever a reform adds
    else:
        ids = one_or_many(raw)
        if not ids or not all(isinstance(i, str) for i in ids):
            cx.error(path, "bad_condition", "category takes a category id, a list of ids, or {id, held_on}",
                     "category: dibao")
            return None
    ok = True
    for cid in ids:
        if cid not in cx.category_ids:
            from ..issues import did_you_mean
            cx.error(path, "unknown_category", f"unknown category {cid!r}",
                     f"{did_you_mean(cid, cx.category_ids)}categories: {', '.join(sorted(cx.category_ids))}")
            ok = False
    if cx.section in ("categories", "preconditions"):
        cx.error(path, "bad_condition", "`category:` reads the categories, so it cannot stand in a category or a "
                 "precondition", "use it in exclusions and outputs")
        ok = False
    if not ok:
        return None
    if on is not None:
        return CategoryHeldOn(ids, on, at=cx.position(path))
    return CategoryTest(ids, raw == "any", at=cx.position(path))


def _evaluator(node: Node, build: Builder) -> Any:
    if isinstance(node, CategoryTest):
        ids = frozenset(node.ids)

        def evaluate(facts: Facts) -> Result:
            # an unknown category is an unknown test, lacking the facts the category lacks
            if not facts.matched.isdisjoint(ids):
                return TRUE
            undecided = facts.undecided
            if not undecided or undecided.keys().isdisjoint(ids):
                return FALSE
            return (None, tuple(sorted({fact for cid in ids for fact in undecided.get(cid, ())})), None)
        return evaluate

    assert isinstance(node, CategoryHeldOn)
    on = build.date(node.on)
    conditions = tuple(build.untraced(build.category(cid)) for cid in (node.ids or build.category_ids))

    def evaluate_held_on(facts: Facts) -> Result:
        day = on(facts)
        if day is None:
            return FALSE
        shifted = facts.next_phase(status_date=day)
        unknown = False
        missing: set[str] = set()
        for condition in conditions:
            result = condition(shifted)
            if result[0] is True:
                return TRUE
            if result[0] is None:
                unknown = True
                missing.update(result[1])
        return (None, tuple(sorted(missing)), None) if unknown else FALSE
    return evaluate_held_on


def _observed(node: Node, facts: Facts, build: Any = None) -> dict[str, Any]:
    if isinstance(node, CategoryTest):
        return {"categories": sorted(facts.matched)}
    assert isinstance(node, CategoryHeldOn)
    day = build.date(node.on)(facts)
    if day is None:
        return {}
    shifted = facts.next_phase(status_date=day)
    held = next((cid for cid in (node.ids or build.category_ids)
                 if build.untraced(build.category(cid))(shifted)[0] is True), None)
    return {"held_on": day.isoformat(), "categories_held": [held] if held is not None else []}


def _reads(node: Node) -> tuple[str, ...]:
    return ("categories",)


def _describe(node: Node, describe: Any = None) -> str:
    if isinstance(node, CategoryHeldOn):
        return f"category {'|'.join(node.ids) or 'any'} held on {node.on.text}"
    return "category any" if node.every else f"category {'|'.join(node.ids)}"  # type: ignore[attr-defined]


def _sentence(node: Node, lang: str, words: Any) -> str:
    zh = lang == "zh"
    if isinstance(node, CategoryTest) and node.every:
        return "属于任一类别" if zh else "is in any category"
    ids = alternatives((f"“{words.category(i)}”" if zh else f'"{words.category(i)}"'
                  for i in node.ids), lang) if node.ids else ""  # type: ignore[attr-defined]
    if isinstance(node, CategoryHeldOn):
        on = words.date(node.on)
        if zh:
            return f"在{on}" + (f"属于{ids}类别" if ids else "持有任一类别身份")
        return (f"was in {_the(node.ids)} {ids}" if ids else "held any category") + f" on {on}"
    return f"属于{ids}类别" if zh else f"is in {_the(node.ids)} {ids}"  # type: ignore[attr-defined]


def _the(ids: tuple[str, ...]) -> str:
    return "the category" if len(ids) == 1 else "one of the categories"


def _aim(node: Node, plan: Any, want: bool) -> None:
    """Categories are aimed at through their own conditions (the planner asks for them)."""


KIND = ConditionKind(
    keys=("category",), nodes=(CategoryTest, CategoryHeldOn), specs=(HeldOnSpec,), compile=_compile,
    evaluator=_evaluator, observed=_observed, reads=_reads, describe=_describe, sentence=_sentence, aim=_aim, phase=3,
    doc=(("`category: dibao` (or a list)",
          "in exclusions and outputs: a category that holds; a category left unknown makes the test unknown"),
         ("`category: any`",
          "in exclusions and outputs: any category of the program holds (the categories a reform adds included)"),
         ("`category: {id: [dibao, tekun], held_on: {month_day: \"09-01\", year: as_of_year}}`",
          "in exclusions and outputs: one of the categories (every category when `id` is left out) held with "
          "statuses and ages judged on that date: who was already on a list, or qualified before the year began")),
    dates=lambda node: (node.on,) if isinstance(node, CategoryHeldOn) else (),
)

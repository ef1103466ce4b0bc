"""``hukou``: household registration by region code prefix and by kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field

from .._ir import NOWHERE, Node, Position
from ._base import FALSE, TRUE, Builder, CompileContext, ConditionKind, Facts, Result, Spec, one_or_many
from ...contract import alternatives, value_label



@dataclass(frozen=True, slots=True)
class HukouTest(Node):
    regions: tuple[str, ...] | None
    kind: str | None
    at: Position = field(default=NOWHERE, compare=False, repr=False)


class HukouSpec(Spec):
    """``hukou: {region: "4405" (or a list), kind: rural|urban}``."""

    region: list[str] | None = Field(None, min_length=1)
    kind: Literal["rural", "urban"] | None = None


def _compile(key: str, raw: Any, path: tuple, cx: CompileContext) -> Node | None:
    if isinstance(raw, dict) and "region" in raw and raw["region"] is not None:
        raw = {**raw, "region": list(one_or_many(raw["region"]))}
    spec = cx.validate(HukouSpec, raw, path)
    if spec is None:
        return None
    regions = tuple(spec.region) if spec.region else None
    for i, region in enumerate(regions or ()):
        if not (region.isascii() and region.isdigit() and 2 <= len(region) <= 6):
            cx.error(path + ("region", i) if len(regions or ()) > 1 else path + ("region",), "bad_region",
                     f"region {region!r} is not a GB/T 2260 code prefix of 2 to 6 ASCII digits",
                     "quote it and use half-width digits: region: \"4405\"")
            return None
    if regions is None and spec.kind is None:
        cx.error(path, "bad_condition", "hukou needs `region` or `kind`", "hukou: {region: \"4405\"}")
        return None
    return HukouTest(regions, spec.kind, at=cx.position(path))


def _evaluator(node: HukouTest, build: Builder) -> Any:
    regions, kind = node.regions, node.kind

    def evaluate(facts: Facts) -> Result:
        hukou = facts.person.hukou
        missing: tuple[str, ...] = ()
        unknown = False
        if regions:
            region = hukou.region if hukou else None
            if region is None:
                unknown, missing = True, ("person.hukou.region",)
            elif not region.startswith(regions):
                return FALSE
        if kind:
            actual = hukou.kind if hukou else None
            if actual is None:
                return (None, missing + ("person.hukou.kind",), None)
            if actual != kind:
                return FALSE
        return (None, missing, None) if unknown else TRUE
    return evaluate


def _observed(node: HukouTest, facts: Facts, build: Any = None) -> dict[str, Any]:
    hukou = facts.person.hukou
    read: dict[str, Any] = {}
    if node.regions:
        read["person.hukou.region"] = hukou.region if hukou else None
    if node.kind:
        read["person.hukou.kind"] = hukou.kind if hukou else None
    return read


def _reads(node: HukouTest) -> tuple[str, ...]:
    return (("person.hukou.region",) if node.regions else ()) + (("person.hukou.kind",) if node.kind else ())


def _boundaries(node: HukouTest, facts: Facts, build: Any) -> dict[str, tuple[Any, ...]]:
    """A code within each prefix it tests, and one outside them all."""
    if not node.regions:
        return {}
    inside = tuple(prefix.ljust(6, "0") for prefix in node.regions)
    outside = next(code for code in ("110101", "310101", "500101") if not code.startswith(node.regions))
    return {"person.hukou.region": inside + (outside,)}


def _describe(node: HukouTest, describe: Any = None) -> str:
    parts = ([f"region starts with {'|'.join(node.regions)}"] if node.regions else []) + (
        [f"kind {node.kind}"] if node.kind else [])
    return f"hukou {' and '.join(parts)}"


def _sentence(node: HukouTest, lang: str, words: Any) -> str:
    zh = lang == "zh"
    parts = []
    if node.regions:
        regions = alternatives(node.regions, lang)
        parts.append(f"户籍所在地在行政区划{regions}内" if zh else f"the hukou is registered within region {regions}")
    if node.kind:
        kind = value_label("area", node.kind, lang)
        parts.append(f"户籍为{kind}户籍" if zh else f"the hukou is {kind}")
    return ("且" if zh else " and ").join(parts)


def _aim(node: HukouTest, plan: Any, want: bool) -> None:
    parts = (["region"] if node.regions else []) + (["kind"] if node.kind else [])
    negate = set() if want else {plan.draw_from(parts)}
    if node.regions:
        plan.hukou_region = plan.draw_region(node.regions, inside="region" not in negate)
    if node.kind:
        other = "urban" if node.kind == "rural" else "rural"
        plan.hukou_kind = other if "kind" in negate else node.kind
    plan.tested += [("hukou", part) for part in parts]


KIND = ConditionKind(
    keys=("hukou",), nodes=(HukouTest,), specs=(HukouSpec,), compile=_compile, evaluator=_evaluator,
    observed=_observed, reads=_reads, describe=_describe, sentence=_sentence, aim=_aim, phase=1, boundaries=_boundaries,
    doc=(("`hukou: {region: \"4405\", kind: urban}`",
          "region by GB/T 2260 prefix of 2 to 6 ASCII digits (a list allowed), kind rural or urban"),),
)

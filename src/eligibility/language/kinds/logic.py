"""``all``, ``any`` and ``not``: composing conditions, three-valued.

``all`` is false as soon as one part is false, ``any`` true as soon as one part is true;
otherwise an unknown part makes the whole unknown, and the whole names the missing facts
of its unknown parts only (a part that did not matter asks for nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import Field, RootModel

from .._ir import NOWHERE, Node, Position
from ._base import FALSE, TRUE, Builder, CompileContext, ConditionKind, Facts, Plan, Result


@dataclass(frozen=True, slots=True)
class AllOf(Node):
    parts: tuple[Node, ...]
    at: Position = field(default=NOWHERE, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class AnyOf(Node):
    parts: tuple[Node, ...]
    at: Position = field(default=NOWHERE, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Not(Node):
    part: Node
    at: Position = field(default=NOWHERE, compare=False, repr=False)


class PartsSpec(RootModel[list[Any]]):
    """``all:`` / ``any:``: a non-empty list of conditions."""

    root: list[Any] = Field(min_length=1)


def _compile(key: str, raw: Any, path: tuple, cx: CompileContext) -> Node | None:
    if key == "not":
        part = cx.condition(raw, path)
        return None if part is None else Not(part, at=cx.position(path))
    spec = cx.validate(PartsSpec, raw, path)
    if spec is None:
        return None
    parts = [cx.condition(item, path + (i,)) for i, item in enumerate(spec.root)]
    if any(part is None for part in parts):
        return None
    return (AllOf if key == "all" else AnyOf)(tuple(parts), at=cx.position(path))  # type: ignore[arg-type]


def _evaluator(node: Node, build: Builder) -> Any:
    if isinstance(node, Not):
        inner = build.condition(node.part)

        def evaluate_not(facts: Facts) -> Result:
            result = inner(facts)
            value = result[0]
            if value is None:
                return result if result[2] is None else (None, result[1], None)
            witness = result[2]
            if witness is None:
                return FALSE if value else TRUE
            # the status that decided travels through: `not: {not: {status: ...}}` still
            # names it for a date anchored on it (`status_since`)
            return (not value, (), witness)
        return evaluate_not

    parts = tuple(build.condition(part) for part in node.parts)  # type: ignore[attr-defined]
    if isinstance(node, AllOf):
        def evaluate_all(facts: Facts) -> Result:
            unknown = False
            missing: tuple[str, ...] = ()
            witness = None
            for part in parts:
                result = part(facts)
                value = result[0]
                if value is False:
                    return FALSE
                if value is None:
                    unknown = True
                    missing += result[1]
                elif witness is None:
                    witness = result[2]
            if unknown:
                return (None, missing, None)
            return TRUE if witness is None else (True, (), witness)
        return evaluate_all

    def evaluate_any(facts: Facts) -> Result:
        found = False
        unknown = False
        missing: tuple[str, ...] = ()
        for part in parts:
            result = part(facts)
            value = result[0]
            if value is True:
                if result[2] is not None:
                    return result  # a true part naming its status decides
                found = True
            elif value is None and not found:
                unknown = True
                missing += result[1]
        if found:
            return TRUE
        return (None, missing, None) if unknown else FALSE
    return evaluate_any


def _observed(node: Node, facts: Facts, build: Any = None) -> dict[str, Any]:
    return {}


def _reads(node: Node) -> tuple[str, ...]:
    return ()


def _describe(node: Node, describe: Any) -> str:
    if isinstance(node, Not):
        return f"not {describe(node.part)}"
    parts = node.parts  # type: ignore[attr-defined]
    joiner = " and " if isinstance(node, AllOf) else " or "
    if len(parts) == 1 and isinstance(node, AllOf):
        return describe(parts[0])
    return "(" + joiner.join(describe(p) for p in parts) + ")"


def _sentence(node: Node, lang: str, words: Any) -> str:
    zh = lang == "zh"
    if isinstance(node, Not):
        return f"并非{words(node.part)}" if zh else f"not: {words(node.part)}"
    parts = [words(p) for p in node.parts]  # type: ignore[attr-defined]
    if len(parts) == 1:
        return parts[0]
    if isinstance(node, AllOf):
        return "（" + "，且".join(parts) + "）" if zh else "(" + ", and ".join(parts) + ")"
    return "（" + "，或".join(parts) + "）" if zh else "(either " + ", or ".join(parts) + ")"


def _trace_text(node: Node) -> str:
    return "not" if isinstance(node, Not) else ("all" if isinstance(node, AllOf) else "any")


def _children(node: Node) -> tuple[Node, ...]:
    return (node.part,) if isinstance(node, Not) else node.parts  # type: ignore[attr-defined]


def _aim(node: Node, plan: Plan, want: bool) -> None:
    """Expand into goals: every part of a true ``all`` (a false ``any``), one part of a
    false ``all`` (a true ``any``), the opposite of a ``not``."""
    if isinstance(node, Not):
        plan.aim(node.part, not want)  # type: ignore[attr-defined]
        return
    every = isinstance(node, AllOf) == want
    parts = node.parts  # type: ignore[attr-defined]
    if every:
        for part in parts:
            plan.aim(part, want)  # type: ignore[attr-defined]
    else:
        plan.aim(plan.draw_from(parts), want)  # type: ignore[attr-defined]


KIND = ConditionKind(
    keys=("all", "any", "not"),
    nodes=(AllOf, AnyOf, Not),
    specs=(PartsSpec,),
    compile=_compile,
    evaluator=_evaluator,
    observed=_observed,
    reads=_reads,
    describe=_describe,
    sentence=_sentence,
    aim=_aim,
    phase=-1,
    doc=(("`all: [c, ...]`, `any: [c, ...]`, `not: c`",
          "composition: `all` is false as soon as one part is false, `any` true as soon as one part is "
          "true; otherwise an unknown part makes the whole unknown"),),
    children=_children,
    trace_text=_trace_text,
)

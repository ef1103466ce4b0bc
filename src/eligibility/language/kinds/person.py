"""``sex``, ``student``, ``social_security_card``: a plain fact of the person equals a value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import RootModel

from .._ir import NOWHERE, Node, Position
from ._base import FALSE, TRUE, Builder, CompileContext, ConditionKind, Facts, Result



@dataclass(frozen=True, slots=True)
class PersonFact(Node):
    name: str
    expected: str | bool
    at: Position = field(default=NOWHERE, compare=False, repr=False)


class SexSpec(RootModel[Literal["female", "male"]]):
    """``sex: female`` or ``sex: male``."""


class YesNoSpec(RootModel[bool]):
    """``student: true``, ``social_security_card: false``: true or false, unquoted."""

    model_config = {"strict": True}


def _compile(key: str, raw: Any, path: tuple, cx: CompileContext) -> Node | None:
    spec = cx.validate(SexSpec if key == "sex" else YesNoSpec, raw, path)
    if spec is None:
        return None
    return PersonFact(key, spec.root, at=cx.position(path))


def _evaluator(node: PersonFact, build: Builder) -> Any:
    name, expected = node.name, node.expected
    unknown = (None, (f"person.{name}",), None)

    def evaluate(facts: Facts) -> Result:
        actual = getattr(facts.person, name)
        if actual is None:
            return unknown
        return TRUE if actual == expected else FALSE
    return evaluate


def _observed(node: PersonFact, facts: Facts, build: Any = None) -> dict[str, Any]:
    return {f"person.{node.name}": getattr(facts.person, node.name)}


def _reads(node: PersonFact) -> tuple[str, ...]:
    return (f"person.{node.name}",)


def _describe(node: PersonFact, describe: Any = None) -> str:
    expected = node.expected
    return f"{node.name} {str(expected).lower() if isinstance(expected, bool) else expected}"


_PERSON_WORDS = {
    ("sex", "female"): ("性别为女性", "is female"), ("sex", "male"): ("性别为男性", "is male"),
    ("student", True): ("是在校学生", "is a student at school"),
    ("student", False): ("不是在校学生", "is not a student at school"),
    ("social_security_card", True): ("已领取社会保障卡", "holds a social security card"),
    ("social_security_card", False): ("未领取社会保障卡", "holds no social security card"),
}


def _sentence(node: PersonFact, lang: str, words: Any) -> str:
    return _PERSON_WORDS[node.name, node.expected][0 if lang == "zh" else 1]


def _aim(node: PersonFact, plan: Any, want: bool) -> None:
    expected = node.expected
    other = (not expected) if isinstance(expected, bool) else ("male" if expected == "female" else "female")
    plan.set_person_fact(node.name, expected if want else other)
    plan.tested.append((node.name,))


KIND = ConditionKind(
    keys=("sex", "student", "social_security_card"), nodes=(PersonFact,), specs=(SexSpec, YesNoSpec),
    compile=_compile, evaluator=_evaluator, observed=_observed, reads=_reads, describe=_describe,
    sentence=_sentence, aim=_aim,
    phase=1,
    doc=(("`sex: female`, `student: false`, `social_security_card: false`",
          "person facts (`social_security_card`: holds a 社会保障卡); unknown when the request leaves them out"),),
)

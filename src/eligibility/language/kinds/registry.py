"""The condition kinds, in the order the docs list them. Adding a kind is one module in
this package plus one line here."""

from __future__ import annotations

from typing import Any, Mapping

from . import age, category, choice, coverage, date, enrolled, hukou, logic, person, status
from .._dates import date_sentence
from .._ir import Program, parameter_refs, with_thresholds
from ._base import ConditionKind

KINDS: tuple[ConditionKind, ...] = (
    logic.KIND,
    status.KIND,
    age.KIND,
    hukou.KIND,
    person.KIND,
    category.KIND,
    coverage.KIND,
    date.KIND,
    choice.KIND,
    enrolled.KIND,
)

BY_KEY: dict[str, ConditionKind] = {key: kind for kind in KINDS for key in kind.keys}
BY_NODE: dict[type, ConditionKind] = {node: kind for kind in KINDS for node in kind.nodes}
KEYS: tuple[str, ...] = tuple(BY_KEY)


def kind_of(node: Any) -> ConditionKind:
    """The kind a node belongs to."""
    return BY_NODE[type(node)]


def describe(node: Any) -> str:
    """A node as one readable line."""
    return BY_NODE[type(node)].describe(node, describe)


def sentence(node: Any, lang: str = "zh", categories: Mapping[str, str] | None = None,
             thresholds: Mapping[str, int] | None = None) -> str:
    """A node as a sentence for people, in ``lang`` (``zh`` or ``en``); ``categories`` names
    the program's categories in that language (their ids otherwise); ``thresholds`` gives the
    values of the parameters a condition uses as thresholds (their names otherwise)."""
    return BY_NODE[type(node)].sentence(node, lang, Wording(lang, categories or {}, thresholds or {}))


class Wording:
    """What a kind's ``sentence`` is given to word its children (call it with a child node),
    a date expression (``date(expr)``), a category of the program (``category(id)``) and a
    threshold (``threshold(value)``: a parameter's value where known)."""

    def __init__(self, lang: str, categories: Mapping[str, str], thresholds: Mapping[str, int] | None = None):
        self.lang, self.categories, self.thresholds = lang, categories, thresholds or {}

    def threshold(self, value: Any) -> Any:
        if value is None or isinstance(value, int):
            return value
        return self.thresholds.get(value.name, value.name)

    def __call__(self, node: Any) -> str:
        return BY_NODE[type(node)].sentence(node, self.lang, self)

    def category(self, category_id: str) -> str:
        return self.categories.get(category_id, category_id)

    def date(self, expr: Any) -> str:
        return date_sentence(expr, self.lang)


def trace_text(node: Any) -> str:
    """How a trace names a node: a composition by its key, a test by its description."""
    kind = BY_NODE[type(node)]
    return kind.trace_text(node) if kind.trace_text is not None else kind.describe(node, describe)


def children(node: Any) -> tuple[Any, ...]:
    return BY_NODE[type(node)].children(node)


def walk(node: Any):
    """``node`` and every node below it, depth first."""
    yield node
    for child in children(node):
        yield from walk(child)


def tests_by_trace_text(program: Program) -> dict[str, Any]:
    """A program's tests by the name a trace gives them; a test with threshold parameters also
    by its names with their values, in each year a value holds from."""
    found = {trace_text(node): node for rule in program.rules() if rule.condition is not None
             for node in walk(rule.condition)}
    years = {value.from_.year + (value.from_ > value.from_.replace(month=1, day=1))
             for parameter in program.parameters for value in parameter.values}
    for node in [node for node in found.values() if parameter_refs(node)]:
        for year in years:
            found.setdefault(trace_text(with_thresholds(node, program, year)), node)
    return found

"""Which request facts a condition, a rule or a program reads: a walk over the IR, not a run
(json-logic's ``uses_data``). Paths name list items with ``[]``
(``person.statuses[].care``); date anchors add the facts they are computed from."""

from __future__ import annotations

from ..language import DateExpr, Node, Program, Rule
from ..language.kinds import children, kind_of

# what a date anchor is computed from
_ANCHOR_FACTS = {
    "as_of": ("as_of",), "coverage_year_start": ("coverage_year",), "coverage_year_end": ("coverage_year",),
    "as_of_year": ("as_of",), "coverage_year": ("coverage_year",),
    "status_date": ("as_of", "person.enrollments[].paid_on"), "status_since": ("person.statuses[].since",),
}


def date_reads(expr: DateExpr) -> frozenset[str]:
    """The request facts a date expression is computed from."""
    return frozenset(fact for anchor in expr.anchors() for fact in _ANCHOR_FACTS.get(anchor, ()))


def reads(node: Node | None) -> frozenset[str]:
    """Every request fact ``node`` (and its parts, and their dates) may read."""
    if node is None:
        return frozenset()
    kind = kind_of(node)
    found = set(kind.reads(node))
    for expr in kind.dates(node):
        found |= date_reads(expr)
    for child in children(node):
        found |= reads(child)
    return frozenset(found)


def rule_reads(program: Program) -> dict[Rule, frozenset[str]]:
    """Each rule of ``program`` with the facts its condition may read."""
    return {rule: reads(rule.condition) for rule in program.rules()}


def readers(program: Program, fact: str) -> tuple[Rule, ...]:
    """The rules of ``program`` whose condition may read ``fact``."""
    return tuple(rule for rule, facts in rule_reads(program).items() if fact in facts)

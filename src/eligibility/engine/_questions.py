"""Questions and what-if branches: the same policy decided again under each value of each
fact a decision lacks.

A fact is asked only when two of its values decide differently. Its values are few by
construction: yes/no and enumerations take every value the request contract allows; dates,
region codes and amounts take the values at which some condition of the program can change
(each condition kind's ``boundaries``), so a birth date is tried on each side of each
threshold age, never as a random sample.
"""

from __future__ import annotations

from typing import Any, Callable

from pydantic import BaseModel

from ..contract import (Decision, Question, Request, WhatIf, attribute_values, fact_pattern, fact_value, field_of,
                        question, with_fact)
from ..language.kinds import Facts, kind_of, walk
from ._walk import ProgramBuild

MAX_VALUES = 16  # values tried per fact


Decide = Callable[[Request], Decision]


def attach(decision: Decision, decide: Decide, request: Request, build: ProgramBuild, facts: Facts, *,
           ask: bool = True) -> None:
    """Keep what decided ``decision`` for its what-if branches and counterfactuals, and, when
    it lacks facts (``ask``), let it find its questions when first read; ``decide`` decides
    another request against the same policy."""
    private = decision.__pydantic_private__  # set directly: pydantic's private setattr is slow
    private["_source"] = source = (decide, request, build, facts, {})
    if ask:
        private["_ask"] = lambda: questions(decision, *source)


def facts_in_doubt(decision: Decision) -> list[str]:
    """The facts the outcome lacks, then those the open parts need, each once, in order."""
    seen: dict[str, None] = dict.fromkeys(decision.missing)
    for part in decision.open:
        seen.update(dict.fromkeys(part.needs))
    return list(seen)


def questions(decision: Decision, decide: Decide, request: Request, build: ProgramBuild, facts: Facts,
              kept: dict[str, Any]) -> list[Question]:
    """The facts worth asking; the branches decided to find them are ``kept`` for what-if."""
    asked = []
    kept["branches"] = found = branch_decisions(decision, decide, request, build, facts)
    for path, branches in found.items():
        if len({summary(d) for _, d in branches}) < 2:
            continue  # every value leads to the same decision: not worth asking
        settles = (["outcome"] if path in decision.missing else []) + [
            part.part for part in decision.open if path in part.needs]
        asked.append(Question(fact=path, zh=question(path, "zh", request), en=question(path, "en", request),
                              settles=settles))
    asked.sort(key=lambda q: ("outcome" not in q.settles, -len(q.settles), q.fact))
    return asked


def branch_decisions(decision: Decision, decide: Decide, request: Request, build: ProgramBuild, facts: Facts
                     ) -> dict[str, list[tuple[Any, Decision]]]:
    """For each fact in doubt, the decision under each of its values."""
    found = {}
    for path in facts_in_doubt(decision):
        found[path] = [(value, decide(with_fact(request, path, value)))
                       for value in fact_values(path, request, build, facts)]
    return found


def fact_values(path: str, request: Request, build: ProgramBuild, facts: Facts) -> tuple[Any, ...]:
    """The values worth trying for the fact at ``path`` (``build``: the program's compiled
    functions, whose dates the kinds' ``boundaries`` resolve)."""
    few = finite_values(request, path)
    if few is not None:
        return few
    pattern = fact_pattern(path)
    values: set[Any] = set()
    for rule in build.program.rules():
        if rule.condition is None:
            continue
        for node in walk(rule.condition):
            values.update(kind_of(node).boundaries(node, facts, build).get(pattern, ()))
    return tuple(sorted(values))[:MAX_VALUES]


def finite_values(request: Request, path: str) -> tuple[Any, ...] | None:
    """Every value the contract allows for a yes/no or enumerated fact; None for others."""
    parent, _, last = path.rpartition(".")
    model = fact_value(request, parent) if parent else request
    if not isinstance(model, BaseModel):
        return None
    try:
        name = field_of(type(model), last)
    except KeyError:
        return None
    return attribute_values(type(model).model_fields[name].annotation)


def summary(decision: Decision, *, exact: bool = False) -> tuple[Any, ...]:
    """What a decision gives a person, for comparing two (not the open parts, questions or
    trace): what-if branches compare flags as a set and deadlines by action and day; an
    impact (``exact``) compares flags in their order and each deadline with the rule that set it."""
    subsidy, tier = decision.subsidy, decision.tier
    return (decision.outcome, decision.primary_category, tuple(c.id for c in decision.categories),
            (subsidy.amount, subsidy.funding_source, subsidy.payment) if subsidy else None,
            tuple(decision.flags) if exact else tuple(sorted(decision.flags)),
            (tier.level, tuple((b.item, b.value) for b in tier.benefits)) if tier else None,
            decision.benefit_start, decision.benefit_end,
            tuple((d.action, d.due, d.rule) if exact else (d.action, d.due) for d in decision.deadlines),
            decision.responsible_region, decision.enrollment_unit, decision.referred_to)


def what_if(decision: Decision) -> list[WhatIf]:
    """For each question of ``decision``, the decision under each value of its fact."""
    source = decision._source
    if source is None or not decision.questions:
        return []
    kept = source[4]
    found = kept.get("branches")
    if found is None:  # questions read back from JSON, not found here: decide the asked facts' branches
        decide, request, build, facts = source[:4]
        found = {q.fact: [(value, decide(with_fact(request, q.fact, value)))
                          for value in fact_values(q.fact, request, build, facts)] for q in decision.questions}
    out = []
    for q in decision.questions:
        for value, branch in found[q.fact]:
            path = q.fact
            out.append(WhatIf(fact=path, value=value, outcome=branch.outcome,
                              primary_category=branch.primary_category,
                              amount=branch.subsidy.amount if branch.subsidy else None,
                              flags=list(branch.flags), deadlines=[f"{d.action} {d.due}" for d in branch.deadlines],
                              open=[part.part for part in branch.open]))
    return out


__all__ = ["finite_values", "attach", "branch_decisions", "fact_values", "facts_in_doubt", "questions", "summary", "what_if"]

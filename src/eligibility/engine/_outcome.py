"""The legal precedence of a decision, as one pure function over the rules' results.

A failed precondition decides first (its outcome); then no category holding (not eligible,
or undetermined while a category is unknown and no not-eligible exclusion holds); then an
exclusion that holds (its outcome); then the primary category, unless something that could
still change the answer is unknown (a precondition, an exclusion, or a category ranked
above the primary).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..language import Rule
from ..language.kinds import Tri


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the rules decide before the outputs: the outcome, the rule that decided it
    (a failed precondition, an exclusion, or the primary category), and whether the
    outputs are to be applied (an eligible or referred primary category)."""

    outcome: str
    rule: Rule | None = None
    primary: int | None = None      # index of the primary category among the categories
    no_category: bool = False       # not eligible because no category holds: every category says why


def judge(preconditions: Sequence[tuple[Rule, Tri]], categories: Sequence[tuple[Rule, Tri]],
          exclusions: Sequence[tuple[Rule, Tri]]) -> Verdict:
    """The verdict of the rules' results, each (rule, true/false/unknown), categories in
    priority order."""
    for rule, value in preconditions:
        if value is False:
            return Verdict(rule.outcome or "not_eligible", rule)
    # what an unknown precondition would decide if it failed: it comes first
    before = {rule.outcome or "not_eligible" for rule, value in preconditions if value is None}
    primary = next((i for i, (_, value) in enumerate(categories) if value is True), None)
    holding = [rule for rule, value in exclusions if value is True]
    if primary is None:
        unknown = any(value is None for _, value in categories)
        if unknown and not any(rule.outcome == "not_eligible" for rule in holding):
            return Verdict("undetermined")
        if before - {"not_eligible"}:
            return Verdict("undetermined")
        return Verdict("not_eligible", no_category=True)
    if holding:
        outcome = holding[0].outcome or "not_eligible"
        # an unknown exclusion listed before the one that holds decides first, as does a precondition
        for rule, value in exclusions:
            if value is True:
                break  # the first that holds
            if value is None:
                before.add(rule.outcome or "not_eligible")
        if before - {outcome}:
            return Verdict("undetermined")
        return Verdict(outcome, holding[0])
    if (any(value is None for _, value in preconditions) or any(value is None for _, value in exclusions)
            or any(value is None for _, value in categories[:primary])):
        return Verdict("undetermined", primary=primary)
    rule = categories[primary][0]
    return Verdict(rule.outcome or "eligible", rule, primary)


def possible_primaries(preconditions: Sequence[tuple[Rule, Tri]], categories: Sequence[tuple[Rule, Tri]],
                       exclusions: Sequence[tuple[Rule, Tri]]) -> tuple[int, ...] | None:
    """When only categories ranked above the first holding one are unknown, and each of them
    would lead to the same outcome as it, the outcome does not depend on them: the indexes of
    the categories that may be primary (the holding one last). None otherwise."""
    if any(value is not True for _, value in preconditions) or any(value is not False for _, value in exclusions):
        return None
    first = next((i for i, (_, value) in enumerate(categories) if value is True), None)
    if first is None:
        return None
    unknown = tuple(i for i, (_, value) in enumerate(categories[:first]) if value is None)
    outcome = categories[first][0].outcome or "eligible"
    if not unknown or any((categories[i][0].outcome or "eligible") != outcome for i in unknown):
        return None
    return (*unknown, first)

"""A decided outcome whose primary category is in doubt: one branch per category that may be
primary, merged part by part.

When a category ranked above the one that holds is unknown, and it would give the same
outcome, the outcome stands; the parts that follow from the primary category (amount,
funding, flags, deadlines, tier) are decided in each branch, and a part is kept only where
every branch agrees. Where they differ it is open, needing the facts the unknown categories
lack.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ..contract import Decision, OpenPart, build_model
from ..language import Rule

# the single-valued parts of a decision that branches must agree on, by their part name
_FIELDS = (("primary_category", "primary_category"), ("benefit_start", "benefit_start"),
           ("benefit_end", "benefit_end"), ("benefit_note", "benefit_start"), ("responsible_region", "responsible_region"),
           ("enrollment_unit", "enrollment_unit"), ("referred_to", "referred_to"))
_SUBSIDY = (("amount", "subsidy.amount"), ("share", "subsidy.amount"), ("premium", "subsidy.amount"),
            ("funding_source", "subsidy.funding_source"), ("payment", "subsidy.payment"))


def merge(branches: Sequence[Decision], needs: Sequence[str], rule: Rule) -> dict[str, Any]:
    """The fields of the decision the branches agree on (the first branch leads), with an open
    part, needing ``needs`` and decided by ``rule``, where they do not."""
    main = branches[0]
    needs = sorted(set(needs))
    opened: dict[str, OpenPart] = {}

    def doubt(part: str) -> None:
        opened.setdefault(part, build_model(OpenPart, part=part, needs=needs, rule=rule.name.path,
                                            clause=rule.clause))

    fields: dict[str, Any] = {}
    for name, part in _FIELDS:
        value = getattr(main, name)
        if any(getattr(b, name) != value for b in branches[1:]):
            value = None
            doubt(part)
        fields[name] = value
    fields["categories"] = _common(main.categories, [b.categories for b in branches[1:]],
                                   lambda c: f"categories.{c.id}", doubt)
    fields["flags"] = _common(main.flags, [b.flags for b in branches[1:]], lambda flag: f"flags.{flag}", doubt)
    fields["deadlines"] = _common(main.deadlines, [b.deadlines for b in branches[1:]],
                                  lambda d: f"deadlines.{d.action}", doubt)
    fields["open_deadlines"] = main.open_deadlines
    fields["subsidy"] = _subsidy(branches, doubt)
    fields["tier"] = _tier(branches, doubt)
    seen = set(opened)
    merged_open = list(opened.values())
    for branch in branches:
        for part in branch.open:
            if part.part not in seen:
                seen.add(part.part)
                merged_open.append(part)
    fields["open"] = merged_open
    return fields


def _common(items: list[Any], others: list[list[Any]], part_of: Callable[[Any], str],
            doubt: Callable[[str], None]) -> list[Any]:
    kept = []
    for item in items:
        if all(item in other for other in others):
            kept.append(item)
        else:
            doubt(part_of(item))
    for other in others:
        for item in other:
            if item not in items:
                doubt(part_of(item))
    return kept


def _subsidy(branches: Sequence[Decision], doubt: Callable[[str], None]) -> Any:
    main = branches[0].subsidy
    if main is None or all(b.subsidy == main for b in branches[1:]):
        return main
    changes: dict[str, Any] = {}
    for name, part in _SUBSIDY:
        value = getattr(main, name)
        if any(b.subsidy is None or getattr(b.subsidy, name) != value for b in branches[1:]):
            doubt(part)
            changes[name] = None
    if "amount" in changes or "share" in changes or "premium" in changes:
        changes.update(amount=None, share=None, premium=None,
                       note="the amount depends on which category is primary (see `open`)")
    return main.model_copy(update=changes)


def _tier(branches: Sequence[Decision], doubt: Callable[[str], None]) -> Any:
    main = branches[0].tier
    if all(b.tier == main for b in branches[1:]):
        return main
    level = main.level if main is not None else None
    if any((b.tier.level if b.tier else None) != level for b in branches[1:]):
        doubt("tier.level")
        level = None
    benefits = _common(main.benefits if main else [], [b.tier.benefits if b.tier else [] for b in branches[1:]],
                       lambda benefit: f"tier.benefits.{benefit.item}", doubt)
    return main.model_copy(update={"level": level, "benefits": benefits}) if main is not None else None


__all__ = ["merge"]

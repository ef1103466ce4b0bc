"""Why one person's decision differs under two policies: the rules behind it, compared rule by rule.

``attribute`` compares two traced decisions step by step: the procedure's steps first
(version, coverage, preconditions, categories, exclusions), whose change of result is what moved
an outcome; when the outcome stays, the outputs whose result changed, the deadlines whose date
moved (by the rule that set them), the amount (by the parameter whose value changed) and the
flags. ``quick_attribute`` gives the same from two untraced decisions where no rule's result can
differ (a reform that changes no condition): then only dates, amounts and flags can move.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable

from .contract import Decision
from .language import Program

PROCEDURE = ("version", "coverage", "precondition", "category", "exclusion")


@dataclass(frozen=True)
class Attribution:
    """One rule behind a person's change: its result, value or date before and after."""

    rule: str                   # ``categories.low_income_household``, ``parameters.individual_premium``
    clause: str | None
    change: str                 # result | date | amount | flags | added | removed
    before: Any
    after: Any
    redefined: bool = False     # the reform changed the rule itself (or a parameter it reads)


def attribute(before: Decision, after: Decision, redefined: frozenset[str] = frozenset()) -> list[Attribution]:
    """The rules behind the difference of two traced decisions of one person, compared rule by rule."""
    old = {step.path: step for step in before.trace}
    new = {step.path: step for step in after.trace}
    found: list[Attribution] = []

    def add(path: str, clause: str | None, change: str, was: Any, now: Any) -> None:
        found.append(Attribution(path, clause, change, was, now, path in redefined))

    for path in [*old, *(p for p in new if p not in old)]:
        a, b = old.get(path), new.get(path)
        step = b or a
        if step is None or step.kind not in PROCEDURE:
            continue
        if a is None or b is None:
            add(path, step.clause, "added" if a is None else "removed", a.result if a else None, b.result if b else None)
        elif a.result != b.result:
            add(path, step.clause, "result", a.result, b.result)
    if before.outcome != after.outcome and found:
        return found   # the outputs that follow an outcome are its consequences, not causes
    for path in [*old, *(p for p in new if p not in old)]:
        a, b = old.get(path), new.get(path)
        step = b or a
        if step is None or step.kind != "output":
            continue
        if a is None or b is None or a.result != b.result:
            add(path, step.clause, "result", a.result if a else None, b.result if b else None)
    for rule, clause, was, now in _moved_deadlines(before, after):
        add(f"outputs.{rule}", clause, "date", was, now)
    _amount(before, after, old.get("subsidy"), new.get("subsidy"), add)
    if before.flags != after.flags and not any(a.change == "result" for a in found):
        add("flags", None, "flags", list(before.flags), list(after.flags))
    return found


def _moved_deadlines(before: Decision, after: Decision) -> list[tuple[str, str | None, Any, Any]]:
    was: dict[str, list[str]] = defaultdict(list)
    now: dict[str, list[str]] = defaultdict(list)
    clauses: dict[str, str | None] = {}
    for side, decision in ((was, before), (now, after)):
        for d in decision.deadlines:
            side[d.rule or ""].append(f"{d.action} {d.due}")
            clauses[d.rule or ""] = d.clause
    return [(rule, clauses[rule], was.get(rule, []), now.get(rule, [])) for rule in sorted(was.keys() | now.keys())
            if sorted(was.get(rule, [])) != sorted(now.get(rule, [])) and rule in was and rule in now]


def _amount(before: Decision, after: Decision, a: Any, b: Any, add: Callable[..., None]) -> None:
    amounts = [d.subsidy.amount if d.subsidy else None for d in (before, after)]
    if amounts[0] == amounts[1]:
        return
    was = {u.name: u.value for u in (a.parameters if a else [])}
    now = {u.name: u.value for u in (b.parameters if b else [])}
    changed = [name for name in was.keys() | now.keys() if was.get(name) != now.get(name)]
    clause = (b or a).clause if (b or a) is not None else None
    for name in sorted(changed) or ["subsidy"]:
        add(f"parameters.{name}" if changed else "subsidy", clause, "amount", amounts[0], amounts[1])


def quick_attribute(before: Decision, after: Decision, program: Program | None,
                    redefined: frozenset[str] = frozenset()) -> list[Attribution] | None:
    """``attribute``'s answer without traces, for two decisions whose rules all gave the same
    results (the caller knows: the reform changes no condition); None where only traces can
    tell (another part differs, or the subsidy's clause is not one output's)."""
    same = (before.outcome, before.primary_category, [c.id for c in before.categories], before.tier,
            before.benefit_start, before.benefit_end, before.responsible_region, before.enrollment_unit,
            before.referred_to) == (after.outcome, after.primary_category, [c.id for c in after.categories],
                                    after.tier, after.benefit_start, after.benefit_end, after.responsible_region,
                                    after.enrollment_unit, after.referred_to)
    if not same or sorted((d.action, d.rule) for d in before.deadlines) != sorted(
            (d.action, d.rule) for d in after.deadlines):
        return None
    found = [Attribution(f"outputs.{rule}", clause, "date", was, now, f"outputs.{rule}" in redefined)
             for rule, clause, was, now in _moved_deadlines(before, after)]
    was, now = before.subsidy, after.subsidy
    if (was.amount if was else None) != (now.amount if now else None):
        if was is None or now is None or was.premium_parameter is None or (was.share, was.funding_source) != (
                now.share, now.funding_source) or was.premium_parameter != now.premium_parameter:
            return None
        setters = [o.rule for o in (program.outputs if program is not None else ())
                   if any(name in ("premium", "amount") for name, _ in o.sets)]
        if len(setters) != 1:
            return None
        name = f"parameters.{was.premium_parameter}"
        found.append(Attribution(name, setters[0].clause, "amount", was.amount, now.amount, name in redefined))
    if before.flags != after.flags:
        found.append(Attribution("flags", None, "flags", list(before.flags), list(after.flags), "flags" in redefined))
    return found

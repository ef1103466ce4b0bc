"""Why a decision no category holds for is not eligible: each category with the test that
failed, read through the traced functions when the reasons are first read."""

from __future__ import annotations

from typing import Any, Callable

from ..contract import ConditionTrace, Reason
from ..language import Rule
from ..language.kinds import Facts
from ._outputs import naming
from ._tracer import RecordingTracer


def named(rule: Rule, evaluate: Callable[[Facts], Any], facts: Facts) -> Any:
    """``evaluate(facts)``; an error raised in it names ``rule`` and its clause."""
    try:
        return evaluate(facts)
    except Exception as exc:
        error = naming(exc, rule)
        if error is None:
            raise
    raise error  # outside the except block: the unnamed error is not chained to it


def why_not(program: Any, facts: Facts, reasons: list[Reason], categories: list[Rule]
             ) -> Callable[[], list[Reason]]:
    """The reasons of a decision no category holds for, built when first read: each category
    with the test that failed (read through the traced functions)."""
    def explain() -> list[Reason]:
        build = program.traced
        out = list(reasons)
        for rule in categories:
            tracer = RecordingTracer()
            traced = facts.next_phase()
            traced.tracer = tracer
            why = None
            if rule.condition is not None:
                named(rule, build.rule(rule.condition), traced)
                why = failing_test(tracer.end_rule())
            out.append(Reason(rule=rule.name.path, clause=rule.clause, label=rule.label, code="category_not_met",
                              message=f"not in category: {rule.label}" + (f" ({why})" if why else "")))
        return out
    return explain


def failing_test(condition: ConditionTrace | None) -> str | None:
    """The sub-condition that made a condition false, as text with what it read."""
    if condition is None or condition.result is not False:
        return None
    if condition.test in ("all", "any"):
        for part in condition.parts:
            found = failing_test(part)
            if found:
                return found
    read = ", ".join(f"{k}={v}" for k, v in condition.read.items())
    return f"false: {condition.test}" + (f" [{read}]" if read else "")

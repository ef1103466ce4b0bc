"""An outcome the three-valued rules leave unknown, decided by cases.

Three-valued logic cannot see that ``care: dispersed`` or ``care: centralized`` both make a
Shantou tekun person eligible, one through 一(二) and the other through 一(八): with the care
unknown, both categories are unknown and the outcome with them. When every missing fact the
outcome needs takes only a few values (a yes/no fact, an enumeration of the request
contract), the request is decided under each value in turn; if every case gives the same
outcome, that is the outcome, and the parts the cases disagree on are open. The cases are
exhaustive (no date or amount is ever split: they have too many values), so the answer holds
whatever the facts are. Bounded: a few facts deep, a few dozen cases.
"""

from __future__ import annotations

from typing import Callable

from ..contract import Decision, Request, with_fact
from ._questions import finite_values

MAX_DEPTH = 3     # facts split, one inside another
MAX_CASES = 24    # decisions made in all


def by_cases(decide: Callable[[Request], Decision], request: Request, missing: list[str]
             ) -> tuple[list[Decision], list[str]] | None:
    """The decisions of every case and the facts split on, when all cases give one outcome;
    None when a case stays undetermined, outcomes differ, or the bounds are reached."""
    cases: list[Decision] = []
    split: list[str] = []

    def solve(request: Request, missing: list[str], depth: int) -> bool:
        fact, values = next(((f, v) for f in missing if (v := finite_values(request, f))), (None, ()))
        if fact is None or depth == 0:
            return False
        if fact not in split:
            split.append(fact)
        for value in values:
            case_request = with_fact(request, fact, value)
            decision = decide(case_request)
            if decision.outcome == "undetermined":
                if not solve(case_request, decision.missing, depth - 1):
                    return False
                continue
            cases.append(decision)
            if len(cases) > MAX_CASES or decision.outcome != cases[0].outcome:
                return False
        return True

    return (cases, split) if solve(request, missing, MAX_DEPTH) and cases else None


__all__ = ["by_cases"]

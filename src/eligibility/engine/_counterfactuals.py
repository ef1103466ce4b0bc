"""What would make a person eligible: a search over the policy's conditions, as data.

For each category that makes a person eligible, the goal "every precondition holds, the
category holds, no exclusion holds" is written as alternatives of tests (``all`` of its
parts, ``any`` one part, ``not`` pushed down to the tests). In each alternative, a test the
person already meets needs nothing; one they do not is asked of its kind for a change a
person or an office can make (``remedy``: a status granted, a certificate renewed, an
enrolment ended, a choice changed). An alternative with a test no one can change (an age, a
hukou, a date) is dropped. The fewest changes win, and each is checked by deciding again.
Nothing is drawn at random.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from ..contract import Change, Counterfactual, Decision, Request, parse_request
from ..errors import RequestError
from ..language import Node, Rule
from ..language.kinds import Facts, kind_of
from ..language.kinds.logic import AllOf, AnyOf, Not
from ._walk import ProgramBuild

MAX_ALTERNATIVES = 64   # alternatives kept per goal
MAX_RESULTS = 5

Literal_ = tuple[Node, bool, Rule]   # a test, the result wanted, the rule it stands in


def counterfactuals(decision: Decision) -> list[Counterfactual]:
    """The smallest sets of changes under which the same policy makes the person of a
    not-eligible decision eligible (empty for any other decision, or when none exists)."""
    source = decision._source
    if decision.outcome != "not_eligible" or source is None:
        return []
    decide, request, build, facts = source[:4]
    program, evaluate = build.program, _evaluator(build)
    found: list[tuple[int, int, int, Counterfactual]] = []
    for rank, category in enumerate(program.categories):
        if (category.outcome or "eligible") != "eligible":
            continue
        goal = [(r.condition, True, r) for r in program.preconditions] + [(category.condition, True, category)] + [
            (r.condition, False, r) for r in program.exclusions]
        for alternative in _alternatives(goal):
            plan = _changes(alternative, facts, evaluate, build)
            if plan:
                changes, rules, met = plan
                # fewest changes first; among those, the ones building on more of what the person already meets
                found.append((len(changes), -met, rank, Counterfactual(
                    changes=[Change(**c) for c in changes], category=category.id,
                    rules=[r.name.path for r in rules], clauses=[r.clause for r in rules])))
    found.sort(key=lambda item: item[:3])
    results: list[Counterfactual] = []
    seen: set[str] = set()
    smallest = None
    for size, _, _, candidate in found:
        if smallest is not None and size > smallest:
            break
        key = repr([(c.fact, c.action, c.value) for c in candidate.changes])
        if key in seen:
            continue
        seen.add(key)
        changed = apply_changes(request, candidate.changes)
        if changed is not None and decide(changed).outcome == "eligible":
            smallest = size
            results.append(candidate)
            if len(results) == MAX_RESULTS:
                break
    return results


def _evaluator(build: ProgramBuild) -> Callable[[Node, Facts], Any]:
    def evaluate(node: Node, facts: Facts) -> Any:
        return build.condition(node)(facts)
    return evaluate


def _alternatives(goal: list[tuple[Node | None, bool, Rule]]) -> list[list[Literal_]]:
    """``goal`` (every part as wanted) as alternatives of tests, at most ``MAX_ALTERNATIVES``."""
    out: list[list[Literal_]] = [[]]
    for node, want, rule in goal:
        if node is None:
            if not want:
                return []  # a rule without a condition always holds: it cannot be made false
            continue
        parts = _dnf(node, want, rule)
        out = [left + right for left in out for right in parts][:MAX_ALTERNATIVES]
        if not out:
            return []
    return out


def _dnf(node: Node, want: bool, rule: Rule) -> list[list[Literal_]]:
    if isinstance(node, Not):
        return _dnf(node.part, not want, rule)
    if isinstance(node, (AllOf, AnyOf)):
        conjunctive = isinstance(node, AllOf) == want   # all wanted true, or any wanted false
        if conjunctive:
            out: list[list[Literal_]] = [[]]
            for part in node.parts:
                out = [left + right for left in out for right in _dnf(part, want, rule)][:MAX_ALTERNATIVES]
            return out
        return [alt for part in node.parts for alt in _dnf(part, want, rule)][:MAX_ALTERNATIVES]
    return [[(node, want, rule)]]


def _changes(alternative: Iterable[Literal_], facts: Facts, evaluate: Callable[[Node, Facts], Any],
             build: ProgramBuild) -> tuple[list[dict[str, Any]], list[Rule], int] | None:
    """The changes an alternative needs, the rules they satisfy, and how many of its tests the
    person already meets; None when a test it needs cannot be changed."""
    changes: list[dict[str, Any]] = []
    rules: list[Rule] = []
    met = 0
    for node, want, rule in alternative:
        if evaluate(node, facts)[0] is want:
            met += 1
            continue
        remedy = kind_of(node).remedy(node, want, facts.next_phase(), build)
        if not remedy:
            return None
        for change in remedy:
            if change not in changes:
                changes.append(change)
        if rule not in rules:
            rules.append(rule)
    return (changes, rules, met) if changes else None


def apply_changes(request: Request, changes: Iterable[Change]) -> Request | None:
    """``request`` with ``changes`` made; None when the result is not a valid request."""
    data = request.model_dump(mode="json", by_alias=True, exclude_none=True)
    person = data["person"]
    removed = []
    for change in changes:
        if change.action == "grant_status":
            person.setdefault("statuses", []).append(_json(change.value))
        elif change.action == "withdraw_enrollment":
            removed.append(int(change.fact.rsplit("[", 1)[1].rstrip("]")))
        else:
            _set(data, change.fact, _json(change.value))
    if removed:
        person["enrollments"] = [e for i, e in enumerate(person.get("enrollments", [])) if i not in removed]
    try:
        return parse_request(data)
    except RequestError:
        return None


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value.isoformat() if hasattr(value, "isoformat") else value


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    target: Any = data
    parts = path.split(".")
    for part in parts[:-1]:
        name, _, index = part.partition("[")
        target = target.setdefault(name, {}) if not index else target[name][int(index.rstrip("]"))]
    target[parts[-1]] = value


__all__ = ["apply_changes", "counterfactuals"]

"""The library's entry points: load policies, check a request against one (every problem at once), evaluate it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Iterator

from .contract import Decision, Explanation, Request, parse_request, scrub_issues, shown_input
from .engine import counterfactuals, evaluate_policy, prepare, what_if
from .errors import CalendarError, FieldIssue, RequestError
from .language import (Policy, PolicySet, bundled_policy_dir, compile_policy_text, did_you_mean, load_policy_dir,
                       load_policy_file)


def load_policy(path: str | Path) -> Policy:
    """Load and compile one policy file. Raises PolicyError with every problem located."""
    policy = load_policy_file(path)
    prepare(policy)
    return policy


def loads_policy(text: str, *, file: str = "<policy>") -> Policy:
    """Compile a policy from its YAML text (``file`` names it in errors)."""
    policy = compile_policy_text(text, file)
    prepare(policy)
    return policy


def load_policies(directory: str | Path | None = None) -> PolicySet:
    """Load every policy in ``directory``; the bundled policies when it is None."""
    policies = load_policy_dir(directory)
    for policy in policies:
        prepare(policy)
    return policies


@lru_cache(maxsize=1)
def bundled_policies() -> PolicySet:
    """The policies shipped with the library, compiled once per process."""
    return load_policies(bundled_policy_dir())


def validate(request: Request | dict[str, Any], policies: PolicySet | Policy | None = None) -> list[FieldIssue]:
    """Every problem of ``request`` against the policy it names, at once; empty when
    :func:`evaluate` would take it.

    The issues are exactly those ``evaluate`` raises in its RequestError: the contract
    (types, ranges, dates, the ID number), the timeline (a status granted after ``as_of``),
    and the policy (an unknown city or program, an undeclared parameter, with did-you-mean),
    each by its path, none quoting the person's ID number or name.
    """
    try:
        parsed = parse_request(request)
    except RequestError as exc:
        return list(exc.issues) + _policy_issues_of_raw(request, _policy_set(policies), exc.issues)
    return _policy_issues(parsed, _policy_set(policies))[1]


def evaluate(request: Request | dict[str, Any], policies: PolicySet | Policy | None = None, *,
             trace: bool = True) -> Decision:
    """Decide one request. ``request`` is a Request or its JSON-like mapping.

    ``policies`` defaults to the bundled set. With ``trace`` (the default) the decision
    carries every step with its clause; ``trace=False`` is several times faster. Raises
    RequestError for an invalid request or one the policy cannot take (unknown city, program
    or parameter), listing every problem at once (the issues :func:`validate` returns);
    never for what the decision itself says.
    """
    try:
        parsed = parse_request(request)
    except RequestError as exc:
        raise RequestError(list(exc.issues) + _policy_issues_of_raw(request, _policy_set(policies), exc.issues)) \
            from None
    policy, issues = _policy_issues(parsed, _policy_set(policies))
    if issues:
        raise RequestError(issues)
    return evaluate_policy(policy, parsed, trace=trace)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class RecordError:
    """A record of a batch that got no decision: its position (``record``, from 0) and every
    problem, each with the field's path and a code (docs/errors.md). Never holds an ID or a name."""

    record: int
    issues: tuple[FieldIssue, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(issue.code for issue in self.issues)

    def __str__(self) -> str:
        return f"record {self.record}: " + "; ".join(str(issue) for issue in self.issues)


TraceChoice = bool | Collection[int] | Callable[[int], bool]


def evaluate_many(requests: Iterable[Request | dict[str, Any]], *, trace: TraceChoice = False,
                  policies: PolicySet | Policy | None = None) -> Iterator[Decision | RecordError]:
    """Decide each request in order, lazily: one Decision, or a RecordError in its place, per
    record; a bad record never stops the batch.

    Untraced by default. ``trace`` is True (every record), a collection of record positions
    (``{0, 17}``), or a function of the position. A record is a request mapping or a Request;
    its problems are those :func:`evaluate` would raise (``RequestError``), or a working-day
    date the official calendar cannot count (code ``calendar_not_covered``).
    """
    chosen: Callable[[int], bool]
    if isinstance(trace, bool):
        chosen = (lambda index: True) if trace else (lambda index: False)
    elif callable(trace):
        chosen = trace
    else:
        wanted = frozenset(trace)
        chosen = wanted.__contains__
    resolved = _policy_set(policies)
    for index, request in enumerate(requests):
        try:
            yield evaluate(request, resolved, trace=chosen(index))
        except RequestError as exc:
            yield RecordError(index, exc.issues)
        except CalendarError as exc:
            # not a field's fault: the policy's date (named by rule and clause) falls outside the calendar
            yield RecordError(index, (FieldIssue("", "calendar_not_covered", str(exc)),))


def _policy_set(policies: PolicySet | Policy | None) -> PolicySet | Policy:
    return bundled_policies() if policies is None else policies


def _policy_issues(request: Request, policies: PolicySet | Policy) -> tuple[Policy | None, list[FieldIssue]]:
    """The policy ``request`` names and what of the request that policy cannot take."""
    secrets = tuple(value for value in (request.person.id_number, request.person.name) if value)
    return _against_policy(request.city, request.program, request.parameters, policies, secrets, set())


def _policy_issues_of_raw(data: Any, policies: PolicySet | Policy, found: tuple[FieldIssue, ...]) -> list[FieldIssue]:
    """The policy checks on a request the contract refused, so its city, program and
    parameter names are reported with its other problems (fields already refused are not)."""
    if not isinstance(data, dict):
        return []
    person = data.get("person")
    secrets = tuple(value for value in ((person.get("id_number"), person.get("name")) if isinstance(person, dict)
                                        else ()) if isinstance(value, str) and value.strip())
    city, program = data.get("city"), data.get("program", "resident_medical")
    parameters = data.get("parameters")
    names = [name for name in parameters if isinstance(name, str) and 0 < len(name) <= 64] \
        if isinstance(parameters, dict) else []
    if not isinstance(city, str):
        return []
    program = program if isinstance(program, str) else None  # refused by the contract: nothing to check it against
    return _against_policy(city, program, names, policies, secrets, {issue.path for issue in found})[1]


def _against_policy(city: str, program: str | None, parameters: Iterable[str], policies: PolicySet | Policy,
                    secrets: tuple[str, ...], refused: set[str]) -> tuple[Policy | None, list[FieldIssue]]:
    policy = policies if isinstance(policies, Policy) else policies.get(city)
    if policy is None or policy.city != city:
        if "city" in refused:
            return None, []
        known = (policies.city,) if isinstance(policies, Policy) else policies.cities
        return None, [_unknown("city", "unknown_city", "city", city, known, secrets)]
    if program is None:
        return policy, []
    if program not in policy.programs:
        if "program" in refused:
            return policy, []
        return policy, [_unknown("program", "unknown_program", f"program of {policy.city}", program,
                                 policy.programs, secrets)]
    if not parameters:
        return policy, []
    declared = prepare(policy).parameters.get(program, frozenset())
    # a misspelt parameter would otherwise be ignored and the amount silently unknown
    unknown = sorted(name for name in set(parameters) - declared if f"parameters.{name}" not in refused)
    return policy, scrub_issues([
        FieldIssue(f"parameters.{name}", "unknown_parameter",
                   f"{policy.city} {program} declares no such parameter; "
                   f"{did_you_mean(name, declared)}declared: {', '.join(sorted(declared)) or 'none'}")
        for name in unknown], secrets)


def _unknown(path: str, code: str, what: str, value: str, known: Any, secrets: tuple[str, ...]) -> FieldIssue:
    shown = shown_input(value)
    message = f"unknown {what}{' ' + shown if shown else ''}; {did_you_mean(value, sorted(known))}" \
              f"known: {', '.join(sorted(known))}"
    return scrub_issues([FieldIssue(path, code, message)], secrets)[0]


def explain(decision: Decision) -> Explanation:
    """What ``decision`` leaves to ask and what would change it: its questions (most decisive
    first), the decision under each value of each questioned fact (what-if branches), and, for
    a not-eligible decision, the smallest changes a person or an office can make under which
    the same policy makes the person eligible, each with the rules it satisfies.

    Works on a decision returned by ``evaluate`` in this process (it keeps what decided it);
    a decision read back from JSON has its questions but no branches.
    """
    return Explanation(outcome=decision.outcome, questions=decision.questions, what_if=what_if(decision),
                       counterfactuals=counterfactuals(decision))

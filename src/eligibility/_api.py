"""The library's entry points: load policies, check a request against one, evaluate it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from .contract import Decision, Request, parse_request, scrub_issues, shown_input
from .engine import evaluate_policy, prepare
from .errors import FieldIssue, RequestError
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


def evaluate(request: Request | dict[str, Any], policies: PolicySet | Policy | None = None, *,
             trace: bool = True) -> Decision:
    """Decide one request. ``request`` is a Request or its JSON-like mapping.

    ``policies`` defaults to the bundled set. With ``trace`` (the default) the decision
    carries every step with its clause; ``trace=False`` is several times faster. Raises
    RequestError for an invalid request (every bad field listed) or one the policy cannot
    take (unknown city, program or parameter); never for what the decision itself says.
    """
    parsed = parse_request(request)
    if policies is None:
        policies = bundled_policies()
    policy = policies if isinstance(policies, Policy) else policies.get(parsed.city)
    if policy is None or policy.city != parsed.city:
        known = (policies.city,) if isinstance(policies, Policy) else policies.cities
        raise _unknown("city", "unknown_city", "city", parsed.city, known, parsed)
    if parsed.program not in policy.programs:
        raise _unknown("program", "unknown_program", f"program of {policy.city}", parsed.program,
                       policy.programs, parsed)
    if parsed.parameters:
        declared = prepare(policy).parameters.get(parsed.program, frozenset())
        unknown = sorted(set(parsed.parameters) - declared)
        if unknown:
            # a misspelt parameter would otherwise be ignored and the amount silently unknown
            raise RequestError(scrub_issues([
                FieldIssue(f"parameters.{name}", "unknown_parameter",
                           f"{policy.city} {parsed.program} declares no such parameter; "
                           f"{did_you_mean(name, declared)}declared: {', '.join(sorted(declared)) or 'none'}")
                for name in unknown], _person_secrets(parsed)))
    return evaluate_policy(policy, parsed, trace=trace)


def _person_secrets(request: Request) -> tuple[str, ...]:
    return tuple(value for value in (request.person.id_number, request.person.name) if value)


def _unknown(path: str, code: str, what: str, value: str, known: Any, request: Request) -> RequestError:
    shown = shown_input(value)
    message = f"unknown {what}{' ' + shown if shown else ''}; {did_you_mean(value, sorted(known))}" \
              f"known: {', '.join(sorted(known))}"
    return RequestError(scrub_issues([FieldIssue(path, code, message)], _person_secrets(request)))

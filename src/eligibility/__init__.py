"""Who gets the government to pay their resident medical-insurance contribution, and on what terms.

The public face::

    from eligibility import evaluate, load_policies
    decision = evaluate({"city": "shantou", "as_of": "2021-09-20", "person": {...}})

Everything not listed in ``__all__`` is private and may change.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from ._compile import Policy
from ._decision import DECISION_SCHEMA_VERSION, Decision
from ._engine import evaluate_policy
from ._errors import CalendarError, EligibilityError, FieldIssue, PolicyError, PolicyIssue, RequestError
from ._registry import PolicySet, bundled_policy_dir, load_policy_dir
from ._compile import load_policy_file
from ._condition_compiler import did_you_mean
from ._request import Request, parse_request, scrub_issues, shown_input

__all__ = [
    "CalendarError", "DECISION_SCHEMA_VERSION", "Decision", "EligibilityError", "FieldIssue", "Policy",
    "PolicyError", "PolicyIssue", "PolicySet", "Request", "RequestError", "bundled_policies", "evaluate",
    "load_policies", "load_policy", "parse_request",
]

__version__ = "0.1.0"


def load_policy(path: str | Path) -> Policy:
    """Load and compile one policy file. Raises PolicyError with every problem located."""
    return load_policy_file(path)


def load_policies(directory: str | Path | None = None) -> PolicySet:
    """Load every policy in ``directory``; the bundled policies when it is None."""
    return load_policy_dir(directory)


@lru_cache(maxsize=1)
def bundled_policies() -> PolicySet:
    """The policies shipped with the library, compiled once per process."""
    return load_policy_dir(bundled_policy_dir())


def evaluate(request: Request | dict[str, Any], policies: PolicySet | Policy | None = None, *,
             trace: bool = True) -> Decision:
    """Decide one request. ``request`` is a Request or its JSON-like mapping.

    ``policies`` defaults to the bundled set. Raises RequestError for an invalid request
    (every bad field listed) or an unknown city; never for what the decision itself says.
    """
    parsed = parse_request(request)
    if policies is None:
        policies = bundled_policies()
    if isinstance(policies, Policy):
        policies = PolicySet({policies.city: policies})
    policy = policies.get(parsed.city)
    if policy is None:
        raise _unknown("city", "unknown_city", "city", parsed.city, policies.cities, parsed)
    if parsed.program not in policy.programs:
        raise _unknown("program", "unknown_program", f"program of {policy.city}", parsed.program,
                       policy.programs, parsed)
    if parsed.parameters:
        declared = {name for version in policy.versions if parsed.program in version.programs
                    for name in version.programs[parsed.program].parameters}
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

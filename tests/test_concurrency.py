"""Loaded policies are immutable and shared safely: threads decide exactly as one thread does."""

import dataclasses
import itertools
import sys
from concurrent.futures import ThreadPoolExecutor
from copy import deepcopy
from types import MappingProxyType

import pytest

import eligibility
from eligibility import bundled_policies, evaluate, load_policies

KINDS = [{"kind": "dibao"}, {"kind": "tekun", "care": "dispersed"}, {"kind": "orphan", "care": "centralized",
         "institution": "city_welfare_home"}, {"kind": "low_income_household"},
         {"kind": "disability", "grade": 1, "certificate_valid_until": "2030-01-01"}]


def requests():
    for city, (kind, since, as_of, region) in itertools.product(
            ("shantou",), itertools.product(KINDS, ("2020-03-01", "2021-09-15"),
                                            ("2021-02-10", "2021-09-20", "2021-12-15"), ("440511", "440784", None))):
        if since > as_of:
            continue
        person = {"birth_date": "1950-05-01", "statuses": [{**kind, "since": since}]}
        if region:
            person["hukou"] = {"region": region}
        yield {"city": city, "as_of": as_of, "person": person, "parameters": {"individual_premium": "320"}}


def test_threads_decide_exactly_as_one_thread_does():
    policies = load_policies()
    batch = list(requests()) * 4
    serial = [evaluate(r, policies) for r in batch]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda r: evaluate(r, policies), batch))
    assert serial == threaded
    assert {"eligible", "not_eligible"} <= {d.outcome for d in serial}


def test_compiled_policies_refuse_changes():
    policy = bundled_policies().get("shantou")
    version = policy.versions[0]
    program = version.program("resident_medical")
    for target, attribute in ((policy, "city"), (version, "programs"), (program, "categories"),
                              (program.categories[0], "clause"), (program.categories[0].condition, "kinds")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(target, attribute, None)
    mapping = bundled_policies().policies
    assert isinstance(mapping, MappingProxyType)
    with pytest.raises(TypeError):
        mapping["x"] = None  # type: ignore[index]
    assert all(isinstance(part, tuple) for part in (policy.versions, version.programs, program.categories,
                                                    program.parameters, program.outputs))


def _module_state():
    """Every container held at module level in the library, for before/after comparison."""
    state = {}
    for name, module in sorted(sys.modules.items()):
        if name == "eligibility" or name.startswith("eligibility."):
            for attr, value in vars(module).items():
                if isinstance(value, (dict, list, set)) and not attr.startswith("__"):
                    state[f"{name}.{attr}"] = deepcopy(value)
    return state


def test_evaluation_and_errors_leave_no_global_state_behind():
    policies = load_policies()
    before = _module_state()
    snapshot = repr(policies.get("shantou").versions)
    for request in requests():
        evaluate(request, policies)
        with pytest.raises(eligibility.RequestError):
            evaluate({**request, "person": {**request["person"], "sex": "x"}}, policies)
    assert before == _module_state()
    assert snapshot == repr(policies.get("shantou").versions)


def test_a_caller_cannot_change_a_policy_s_outputs():
    policies = load_policies()
    request = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
               "person": {"birth_date": "1970-05-01", "hukou": {"region": "440511"},
                          "statuses": [{"kind": "dibao", "since": "2021-09-06"}]}}
    before = evaluate(request, policies).flags
    program = policies.get("shantou").versions[0].program("resident_medical")
    for output in program.outputs:
        with pytest.raises(AttributeError):
            output.flags.append("injected")  # type: ignore[attr-defined]  # flags are a tuple
    assert ["also_register_next_year"] == before == evaluate(request, policies).flags

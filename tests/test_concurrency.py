"""Loaded policies are immutable and shared safely: threads decide exactly as one thread does."""

import dataclasses
import itertools
import sys
from concurrent.futures import ThreadPoolExecutor
from copy import deepcopy
from types import MappingProxyType

import pydantic
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
    program = version.programs["resident_medical"]
    for target, attribute in ((policy, "city"), (version, "spec"), (program, "categories"),
                              (program.categories[0], "clause")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(target, attribute, None)
    for mapping in (bundled_policies().policies, version.programs, program.parameters):
        assert isinstance(mapping, MappingProxyType)
        with pytest.raises(TypeError):
            mapping["x"] = None
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        policy.spec.versions[0].effective.from_ = None
    assert isinstance(policy.versions, tuple) and isinstance(program.categories, tuple)


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
    snapshot = policies.get("shantou").spec.model_dump()
    for request in requests():
        evaluate(request, policies)
        with pytest.raises(eligibility.RequestError):
            evaluate({**request, "person": {**request["person"], "sex": "x"}}, policies)
    assert before == _module_state()
    assert snapshot == policies.get("shantou").spec.model_dump()


def test_a_caller_changing_a_policy_model_s_lists_does_not_change_decisions():
    policies = load_policies()
    request = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
               "person": {"birth_date": "1970-05-01", "hukou": {"region": "440511"},
                          "statuses": [{"kind": "dibao", "since": "2021-09-06"}]}}
    before = evaluate(request, policies).flags
    program = policies.get("shantou").versions[0].programs["resident_medical"]
    for output in program.outputs:
        output.rule.spec.flags.append("injected")  # pydantic's frozen models still hold lists
    assert ["also_register_next_year"] == before == evaluate(request, policies).flags

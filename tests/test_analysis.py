"""Static walks over the IR: which facts a rule reads."""

from eligibility import bundled_policies
from eligibility.analysis import readers, reads

SHANTOU = bundled_policies().get("shantou").versions[0].program("resident_medical")


def rule(rule_id):
    return next(r for r in SHANTOU.rules() if r.id == rule_id)


def test_a_category_reads_the_facts_of_its_tests():
    assert {"person.statuses[].kind", "person.statuses[].since", "person.statuses[].until",
            "person.birth_date", "as_of", "person.enrollments[].paid_on"} <= reads(rule("low_income_household").condition)
    assert "person.hukou.region" in reads(rule("local_hukou").condition)
    assert "person.birth_date" not in reads(rule("dibao").condition)


def test_the_rules_reading_a_fact_are_found_without_a_request():
    found = {r.id for r in readers(SHANTOU, "person.statuses[].care")}
    assert {"tekun_dispersed", "orphan_dispersed", "centralized_support"} <= found
    assert "dibao" not in found
    assert {r.id for r in readers(SHANTOU, "person.hukou.region")} == {"local_hukou"}


# --- the static walk agrees with what evaluation reads --------------------------------------

import re  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402

from eligibility import evaluate  # noqa: E402
from eligibility.testing import from_request_schema  # noqa: E402

POLICIES = bundled_policies()
# what a trace step may read that is not a request path: derived values and summaries
DERIVED = {"age", "held_on", "categories_held", "categories", "coverage_year", "as_of", "status_date",
           "as_of_time", "person.statuses", "person.enrollments"}


@pytest.mark.parametrize("city", POLICIES.cities)
def test_what_a_rule_reads_when_evaluated_is_what_the_static_walk_says(city):
    policy = POLICIES.get(city)
    rules = {(version.id, rule.kind, rule.id): rule for version, program in policy.places()
             for rule in program.rules()}

    @settings(max_examples=30, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(from_request_schema(policy))
    def check(request):
        decision = evaluate(request, policy)
        version = next((s.rule for s in decision.trace if s.kind == "version" and s.result), None)
        for step in decision.trace:
            rule = rules.get((version, step.kind, step.rule))
            if rule is None:
                continue
            allowed = reads(rule.condition) | DERIVED
            for path in step.facts:
                normalised = re.sub(r"\[\d+\]", "[]", path)
                assert normalised in allowed, (step.path, path, sorted(allowed))
    check()

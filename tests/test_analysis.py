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

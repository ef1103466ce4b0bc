"""Condition bodies are typed by each kind's spec: a wrong type or value is a located
PolicyError naming what is allowed, never a crash at evaluation or a test that never matches."""

import textwrap

import pytest

from eligibility import PolicyError, evaluate, loads_policy
from eligibility.language import compile_policy_text

from test_conditions import policy_text


def compile_category(when: str, **kw):
    text = policy_text(f"""
categories:
  - id: poor
    clause: 一
    label: 困难群众
    label_en: people in hardship
    when: {when}
""", region="4405", **kw)
    return compile_policy_text(textwrap.dedent(text), "testville.yaml")


def issue_of(when: str):
    with pytest.raises(PolicyError) as caught:
        compile_category(when)
    issue = caught.value.issues[0]
    assert (issue.file, issue.line) == ("testville.yaml", 18), issue  # the `when:` line of the category
    assert issue.column is not None and issue.hint, issue
    return issue


# the seven probes of the issue "One policy, many evaluators", each reproduced on the old engine
@pytest.mark.parametrize("when, code, words", [
    ('{age: {at_least: "60"}}', "int_type", "valid integer"),
    ('{enrolled: {scheme: employee_medical, "on": as_of, ended_within_months: "2"}}', "int_type", "valid integer"),
    ("{date: {before: {from: as_of, add_days: x}}}", "int_type", "valid integer"),
    ("{enrolled: {scheme: resident_medical, year: coverage_year, paid_by: slef}}", "literal_error", "'self'"),
    ("{status: {kind: tekun, care: dispersd}}", "bad_value", "dispersed"),
    ('{hukou: {region: "４４０５"}}', "bad_region", "ASCII digits"),
    ("{status: {kind: [dibao, tekun], care: dispersed}}", "unknown_key", "dibao carries no attribute 'care'"),
])
def test_each_probe_is_a_located_policy_error(when, code, words):
    issue = issue_of(when)
    assert code == issue.code, issue
    assert words in issue.message + (issue.hint or ""), issue


@pytest.mark.parametrize("when, code, hint", [
    ("{status: {kind: tekun, care: dispersd}}", "bad_value", "did you mean 'dispersed'?"),
    ("{enrolled: {scheme: resident_medical, year: coverage_year, paid_by: slef}}", "literal_error",
     "did you mean 'self'?"),
    ("{status: {kind: dibo}}", "unknown_status_kind", "did you mean 'dibao'?"),
    ("{age: {at_leest: 60}}", "unknown_key", "did you mean 'at_least'?"),
])
def test_misspellings_get_a_did_you_mean(when, code, hint):
    issue = issue_of(when)
    assert (code, True) == (issue.code, hint in issue.hint), issue


@pytest.mark.parametrize("when, code", [
    ("{status: {kind: disability, grade: [\"1\", \"2\"]}}", "bad_value"),     # quoted grades: never equal 1, 2
    ("{status: {kind: disability, grade: [5, 6]}}", "bad_value"),
    ("{status: {kind: orphan, allowance: \"no\"}}", "bad_value"),             # text, not false
    ("{status: {kind: dibao, certificate_valid: true}}", "unknown_key"),      # disability only
    ("{status: {kind: disability, certificate_valid: \"no\"}}", "bool_type"),
    ("{choice: {tier: \"2\"}}", "literal_error"),
    ("{choice: {}}", "bad_condition"),                                        # used to be always true
    ("{age: {at_least: true}}", "int_type"),                                  # used to be 1
    ("{age: {}}", "bad_condition"),
    ("{date: {before: {from: as_of, add_working_days: 1.5}}}", "int_type"),   # used to be truncated
    ("{date: {before: {from: as_of, add_days: 100000000}}}", "less_than_equal"),
    ("{date: {before: {month_day: \"02-29\"}}}", "bad_value"),               # not in every year
    ("{date: {before: {month_day: \"09-01\", year: [as_of_year]}}}", "literal_error"),
    ("{hukou: {}}", "bad_condition"),
    ("{coverage: {year: true}}", "int_type"),
    ("{category: poor}", "bad_condition"),                                     # never true inside a category
    ("{status: {kind: tekun, care: [{a: 1}]}}", "bad_value"),                 # not a value, nor hashable
    ("{status: {kind: tekun, care: {a: 1}}}", "bad_value"),
])
def test_bodies_are_typed(when, code):
    assert code == issue_of(when).code


def test_a_valid_attribute_list_still_matches():
    policy = compile_category("{status: {kind: disability, grade: [1, 2], certificate_valid: true}}")
    decision = evaluate({"city": "testville", "as_of": "2018-03-01", "person": {"statuses": [
        {"kind": "disability", "grade": 2, "since": "2017-01-01", "certificate_valid_until": "2020-01-01"}]}},
        policy)
    assert "eligible" == decision.outcome


def test_loads_policy_compiles_text():
    text = textwrap.dedent(policy_text("categories:\n  - {id: poor, clause: 一, label: 困难, label_en: hardship, when: {status: dibao}}\n",
                                       region="4405"))
    policy = loads_policy(text, file="testville.yaml")
    assert ("testville", "poor") == (policy.city, policy.versions[0].programs[0].categories[0].id)


def test_two_files_for_one_city_are_an_error_naming_both(tmp_path):
    from eligibility.language import bundled_policy_dir, load_policy_files

    (tmp_path / "a").mkdir()
    copy = tmp_path / "a" / "shantou.yaml"
    copy.write_text((bundled_policy_dir() / "shantou.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy_files([bundled_policy_dir() / "shantou.yaml", copy])
    issue = caught.value.issues[0]
    assert "duplicate_city" == issue.code and str(copy) in issue.message and "shantou.yaml" in issue.message


HOSTILE = [None, True, 0, -1, 1.5, "x", "", "６０", [], [{}], {}, {"a": 1}, [[1]], "2018-02-30", 10**12]
BODIES = {
    "status": {"kind": "tekun", "care": "dispersed", "since": {"after": {"month_day": "09-01"}}, "held_on": "as_of"},
    "age": {"at_least": 60, "at": "status_date"},
    "hukou": {"region": "4405", "kind": "rural"},
    "coverage": {"year": [2018]},
    "date": {"before": {"from": "as_of", "add_days": 3}, "of": "as_of"},
    "choice": {"pension_grade": {"at_most": 360}},
    "enrolled": {"scheme": "employee_medical", "on": "as_of", "ended_within_months": 2, "region": "44"},
}


def _variants():
    for key, body in BODIES.items():
        for value in HOSTILE:
            yield key, value
        for field_name, field_value in body.items():
            for value in HOSTILE:
                yield key, {**body, field_name: value}
            if isinstance(field_value, dict):
                for sub in field_value:
                    for value in HOSTILE:
                        yield key, {**body, field_name: {**field_value, sub: value}}


def test_a_hostile_value_anywhere_in_a_body_is_a_policy_error_or_evaluates():
    """Every value of another type in every place of every kind's body: a located PolicyError,
    or a policy that evaluates without an exception."""
    import json

    checked = 0
    for key, body in _variants():
        when = json.dumps({key: body}, ensure_ascii=False)
        try:
            policy = compile_category(when)
        except PolicyError as error:
            assert all(issue.line is not None for issue in error.issues), error
            continue
        evaluate({"city": "testville", "as_of": "2018-03-01", "person": {
            "birth_date": "1950-01-01", "statuses": [{"kind": "tekun", "since": "2017-01-01"}]}}, policy)
        checked += 1
    assert checked > 0

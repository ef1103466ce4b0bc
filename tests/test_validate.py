"""``validate`` reports every problem of a request at once, and ``evaluate`` raises the same."""

import pytest

from eligibility import FieldIssue, RequestError, evaluate, load_policies, validate

GOOD = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
        "person": {"birth_date": "1970-05-01", "hukou": {"region": "440511", "kind": "urban"},
                   "statuses": [{"kind": "dibao", "since": "2021-01-10"}]},
        "parameters": {"individual_premium": "320"}}

FIVE_PROBLEMS = {
    "city": "shantou", "as_of": "2021-09-20",
    "person": {"birth_date": "1970-05-01", "sex": "F", "hukou": {"region": "4405", "kind": "urban"},
               "statuses": [{"kind": "dibao", "since": "2022-01-01"}]},
    "parameters": {"individual_premium": "-5", "premium": "1"},
}


def codes(issues):
    return sorted((issue.path, issue.code) for issue in issues)


def raised(request, policies=None):
    with pytest.raises(RequestError) as caught:
        evaluate(request, policies)
    return list(caught.value.issues)


def test_a_request_with_five_problems_reports_five():
    expected = [("parameters", "negative_amount"), ("parameters.premium", "unknown_parameter"),
                ("person.hukou.region", "string_pattern_mismatch"), ("person.sex", "literal_error"),
                ("person.statuses[0].since", "status_after_as_of")]
    assert expected == codes(validate(FIVE_PROBLEMS))
    assert expected == codes(raised(FIVE_PROBLEMS))


def test_validate_returns_exactly_what_evaluate_raises():
    requests = [
        FIVE_PROBLEMS,
        {**GOOD, "city": "guangzhou", "person": {**GOOD["person"], "sex": "F"}},
        {**GOOD, "program": "resident_pensoin", "as_of": "2021-13-01"},
        {**GOOD, "parameters": {"individual_premum": "320"}},
        {**GOOD, "person": {"id_number": "440511197005010022", "birth_date": "1970-05-02", "sex": "F"}},
        {**GOOD, "person": {"birth_date": "1970-05-01"}, "parameters": {"individual_premium": "abc", "x": "1"}},
    ]
    for request in requests:
        issues = validate(request)
        assert issues and issues == raised(request), request
        assert all(isinstance(issue, FieldIssue) for issue in issues)


def test_an_unknown_city_is_reported_with_the_contract_problems():
    request = {**GOOD, "city": "guangzhou", "person": {**GOOD["person"], "sex": "F"}}
    issues = {issue.path: issue for issue in validate(request)}
    assert ["city", "person.sex"] == sorted(issues)
    assert ("unknown_city", True) == (issues["city"].code, "did you mean 'zhengzhou'" in issues["city"].message)


def test_an_undeclared_parameter_is_reported_beside_a_bad_value_with_did_you_mean():
    request = {**GOOD, "as_of": "2021-02-30", "parameters": {"individual_premum": "320"}}
    assert [("as_of", "date_from_datetime_parsing"), ("parameters.individual_premum", "unknown_parameter")] == \
        codes(validate(request))
    message = next(i.message for i in validate(request) if i.code == "unknown_parameter")
    assert "did you mean 'individual_premium'" in message


def test_a_birth_date_contradicting_the_id_is_reported_beside_other_problems():
    request = {**GOOD, "person": {"id_number": "440511197005010022", "birth_date": "1970-05-02", "sex": "F"}}
    assert [("person", "birth_date_mismatch"), ("person.sex", "literal_error")] == codes(validate(request))


def test_no_issue_quotes_the_id_number_or_name():
    request = {**FIVE_PROBLEMS, "city": "440511197005010022",
               "person": {**FIVE_PROBLEMS["person"], "id_number": "440511197005010022", "name": "陈某某",
                          "sex": "陈某某"}}
    text = "\n".join(str(issue) for issue in validate(request))
    assert "440511197005010022" not in text and "陈某某" not in text
    assert "unknown_city" in text


def test_a_valid_request_has_no_issues_and_evaluates():
    assert [] == validate(GOOD)
    assert "eligible" == evaluate(GOOD).outcome


def test_validate_takes_a_policy_set_or_one_policy():
    policies = load_policies()
    shantou = policies.get("shantou")
    assert [] == validate(GOOD, policies) == validate(GOOD, shantou)
    assert [("city", "unknown_city")] == codes(validate({**GOOD, "city": "heshan"}, shantou))


def test_a_request_that_is_not_a_mapping_is_one_issue():
    assert [("", "type")] == codes(validate(["not", "a", "request"]))

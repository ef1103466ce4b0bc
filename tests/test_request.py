import pytest

from eligibility import RequestError, evaluate, parse_request

BASE = {"city": "shantou", "as_of": "2021-09-20", "person": {"birth_date": "1970-05-01"}}


def issues_of(data):
    with pytest.raises(RequestError) as caught:
        parse_request(data)
    return {issue.path: issue for issue in caught.value.issues}


def test_every_bad_field_is_reported_in_one_error():
    issues = issues_of({"city": "shantou", "as_of": "2021-13-01",
                        "person": {"sex": "other", "hukou": {"region": "4405"},
                                   "statuses": [{"kind": "dibo", "since": "2020-01-01"}]}})
    assert {"as_of", "person.sex", "person.hukou.region", "person.statuses[0]"} <= set(issues)


def test_unknown_status_kind_lists_the_known_kinds():
    issues = issues_of({**BASE, "person": {"statuses": [{"kind": "dibo", "since": "2020-01-01"}]}})
    assert "dibao" in issues["person.statuses[0]"].message


def test_wrong_check_character_is_an_error_that_never_quotes_the_number():
    with pytest.raises(RequestError) as caught:
        parse_request({**BASE, "person": {"id_number": "440511197005010023", "name": "陈某某"}})
    assert ["person.id_number"] == [i.path for i in caught.value.issues]
    assert "440511197005010023" not in str(caught.value)


def test_birth_date_contradicting_the_id_is_an_error():
    issues = issues_of({**BASE, "person": {"id_number": "440511197005010022", "birth_date": "1970-05-02"}})
    assert "birth_date_mismatch" == issues["person"].code


def test_until_before_since_is_an_error():
    issues = issues_of({**BASE, "person": {"statuses": [
        {"kind": "dibao", "since": "2020-05-01", "until": "2020-04-30"}]}})
    assert "date_order" == issues["person.statuses[0]"].code


def test_status_granted_after_the_application_is_an_error():
    issues = issues_of({**BASE, "person": {"statuses": [{"kind": "dibao", "since": "2021-09-21"}]}})
    assert "status_after_as_of" == issues["person.statuses[0].since"].code


def test_unknown_city_names_the_known_cities():
    with pytest.raises(RequestError) as caught:
        evaluate({**BASE, "city": "shantuo"})
    assert "shantou" in str(caught.value)


def test_birth_date_comes_from_the_id_number():
    request = parse_request({**BASE, "person": {"id_number": "440511197005010022"}})
    assert "1970-05-01" == request.person.effective_birth_date.isoformat()


def test_repr_of_a_request_hides_id_and_name():
    request = parse_request({**BASE, "person": {"id_number": "440511197005010022", "name": "陈某某"}})
    text = repr(request)
    assert "440511197005010022" not in text and "陈某某" not in text


def test_as_of_may_carry_a_time():
    request = parse_request({**BASE, "as_of": "2018-02-22T16:30"})
    assert ("2018-02-22", "16:30:00") == (request.as_of.isoformat(), request.as_of_time.isoformat())

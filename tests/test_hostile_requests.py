"""Hostile and mistaken requests: every bad field reported once, by path, with what was expected."""

import json
import time

import pytest

from eligibility import RequestError, evaluate, parse_request
from eligibility.contract import MAX_REQUEST_BYTES, load_request_text

BASE = {"city": "shantou", "as_of": "2021-09-20",
        "person": {"birth_date": "1970-05-01", "hukou": {"region": "440511"},
                   "statuses": [{"kind": "dibao", "since": "2021-01-01"}]},
        "parameters": {"individual_premium": "320"}}


def with_person(**fields):
    data = json.loads(json.dumps(BASE))
    data["person"].update(fields)
    return data


def issues_of(data, *, evaluated=False):
    with pytest.raises(RequestError) as caught:
        evaluate(data) if evaluated else parse_request(data)
    return {issue.path: issue for issue in caught.value.issues}


def test_every_status_granted_after_the_application_is_reported_by_its_own_path():
    issues = issues_of(with_person(statuses=[{"kind": "dibao", "since": "2022-01-01"},
                                             {"kind": "tekun", "since": "2021-01-01"},
                                             {"kind": "orphan", "since": "2023-01-01"}]))
    assert {"person.statuses[0].since", "person.statuses[2].since"} == set(issues)


def test_date_problems_are_reported_together_with_other_bad_fields():
    issues = issues_of(with_person(sex="x", statuses=[{"kind": "dibao", "since": "2022-01-01"}]))
    assert {"person.sex", "person.statuses[0].since"} == set(issues)


def test_a_person_born_after_the_application_is_an_error():
    assert "born_after_as_of" == issues_of(with_person(birth_date="2022-01-01"))["person.birth_date"].code


def test_a_region_code_in_full_width_digits_is_refused_not_silently_non_local():
    issue = issues_of(with_person(hukou={"region": "４４０５１１"}))["person.hukou.region"]
    assert "[0-9]{6}" in issue.message


def test_region_codes_must_have_six_digits():
    issues = issues_of(with_person(hukou={"region": "4405"},
                                   statuses=[{"kind": "dibao", "since": "2021-01-01", "approved_by": "44051a"}]))
    assert {"person.hukou.region", "person.statuses[0].approved_by"} == set(issues)


@pytest.mark.parametrize("amount, code", [("-1", "negative_amount"), ("280元", "decimal_parsing"),
                                          ("NaN", "finite_number"), ("1e30", "amount_out_of_range"),
                                          ("0.000000001", "amount_out_of_range")])
def test_bad_amounts_are_refused(amount, code):
    issues = issues_of({**BASE, "parameters": {"individual_premium": amount}})
    assert [code] == [issue.code for issue in issues.values()]


def test_an_amount_that_used_to_overflow_rounding_is_refused_before_evaluation():
    with pytest.raises(RequestError):
        evaluate({**BASE, "parameters": {"individual_premium": "1e100"}})


def test_a_misspelt_parameter_is_an_error_not_an_unknown_amount():
    issue = issues_of({**BASE, "parameters": {"individual_premum": "320"}}, evaluated=True)[
        "parameters.individual_premum"]
    assert ("unknown_parameter", True) == (issue.code, "did you mean 'individual_premium'" in issue.message)


def test_unknown_enum_values_list_the_allowed_ones():
    issues = issues_of(with_person(sex="f", statuses=[{"kind": "dibo", "since": "2021-01-01"}]))
    assert "'female' or 'male'" in issues["person.sex"].message
    assert "'dibao'" in issues["person.statuses[0]"].message


def test_dates_outside_plausible_years_are_refused():
    issues = issues_of({**BASE, "as_of": "9999-12-31"})
    assert "date_out_of_range" == issues["as_of"].code


def test_unknown_program_and_city_suggest_the_known_ones():
    assert "did you mean 'shantou'" in issues_of({**BASE, "city": "shantuo"}, evaluated=True)["city"].message
    assert "unknown_program" == issues_of({**BASE, "program": "resident_pensoin"}, evaluated=True)["program"].code


def test_thousands_of_statuses_are_refused_with_the_limit_at_once():
    started = time.perf_counter()
    issues = issues_of(with_person(statuses=[{"kind": "dibao", "since": "2021-01-01"}] * 5000))
    assert ("too_long", True) == (issues["person.statuses"].code, time.perf_counter() - started < 1)
    assert "64" in issues["person.statuses"].message


def test_an_oversized_request_text_is_refused_unread():
    with pytest.raises(RequestError) as caught:
        load_request_text("x" * (MAX_REQUEST_BYTES + 1))
    assert "request_too_large" == caught.value.issues[0].code


@pytest.mark.parametrize("text, code", [
    ("[" * 100_000, "too_deep"), ('{"a":' * 100_000, "too_deep"),
    ("city: !!python/object/apply:os.system ['true']\n", "unsafe_tag"),
    ("city: shantou\ncity: shantou\n", "duplicate_key"),
    ("".join(['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]\n'] + [
        f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 8)]), "too_many_nodes"),
    ("city: \x00\n", "bad_character"),
])
def test_hostile_request_texts_fail_with_a_request_error(text, code):
    with pytest.raises(RequestError) as caught:
        load_request_text(text)
    assert code == caught.value.issues[0].code


def test_a_yes_no_fact_must_be_true_or_false_not_text_or_a_number():
    from eligibility import RequestError, parse_request

    with pytest.raises(RequestError) as caught:
        parse_request({"city": "heshan", "as_of": "2017-12-01",
                       "person": {"birth_date": "1970-01-01", "student": "yes",
                                  "statuses": [{"kind": "orphan", "allowance": 1, "since": "2010-01-01"}]}})
    assert {"person.student", "person.statuses[0].allowance"} == {i.path for i in caught.value.issues}


@pytest.mark.parametrize("text", [
    "city: shantou\nas_of: 2021-09-20\nperson: {name: !!int 陈某某}\n",
    "city: shantou\nas_of: 2021-09-20\n陈某某: 1\n陈某某: 2\n",
])
def test_a_yaml_request_error_never_quotes_a_name(text):
    from eligibility import RequestError
    from eligibility.contract import load_request_text

    with pytest.raises(RequestError) as caught:
        load_request_text(text, source="request.yaml")
    assert "陈某某" not in str(caught.value) and caught.value.issues[0].path == ""


def test_a_request_cannot_change_under_its_decision():
    from eligibility import evaluate, parse_request

    request = parse_request({"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
                             "person": {"birth_date": "1970-05-01", "hukou": {"region": "440511"},
                                        "statuses": [{"kind": "dibao", "since": "2021-01-10"}]}})
    decision = evaluate(request)
    with pytest.raises(AttributeError):
        request.person.statuses.clear()  # a tuple: the trace replays the request the decision saw
    assert "outcome: eligible" == decision.trace[-1].label


# --- round two (issue 12): times, offsets, conflicts, booleans, years ----------------------

SONGMING = {"city": "songming", "as_of": "2018-02-22",
            "person": {"birth_date": "1970-05-01", "hukou": {"region": "530127", "kind": "rural"},
                       "statuses": [{"kind": "dibao", "since": "2017-01-01"}]}}


@pytest.mark.parametrize("as_of, as_of_time, day, time_", [
    ("2018-02-22", "16:00+08:00", "2018-02-22", "16:00:00"),
    ("2018-02-22", "16:00+00:00", "2018-02-23", "00:00:00"),   # 16:00 UTC is midnight in Beijing
    ("2018-02-22T16:00-08:00", None, "2018-02-23", "08:00:00"),
    ("2018-02-22T16:00+08:00", None, "2018-02-22", "16:00:00"),
    ("2018-02-22T23:30Z", None, "2018-02-23", "07:30:00"),
])
def test_offsets_are_converted_to_china_standard_time(as_of, as_of_time, day, time_):
    data = {**SONGMING, "as_of": as_of, **({"as_of_time": as_of_time} if as_of_time else {})}
    request = parse_request(data)
    assert (day, time_, None) == (request.as_of.isoformat(), request.as_of_time.isoformat(),
                                  request.as_of_time.tzinfo)


def test_an_offset_time_on_a_window_closing_day_is_evaluated_not_a_type_error():
    decision = evaluate({**SONGMING, "as_of": "2018-02-23", "as_of_time": "16:00+08:00"})
    late = evaluate({**SONGMING, "as_of": "2018-02-23", "as_of_time": "10:00+00:00"})   # 18:00 in Beijing
    assert decision.outcome != late.outcome or decision.deadlines != late.deadlines or \
        [s.result for s in decision.trace] != [s.result for s in late.trace]


def test_a_python_aware_datetime_is_converted_too():
    import datetime as dt

    moment = dt.datetime(2018, 2, 22, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    request = parse_request({**SONGMING, "as_of": moment})
    assert (dt.date(2018, 2, 23), dt.time(8, 0)) == (request.as_of, request.as_of_time)


def test_as_of_with_a_time_and_as_of_time_conflict():
    issues = issues_of({**SONGMING, "as_of": "2018-02-22T16:00", "as_of_time": "10:00"})
    assert ["as_of_time_conflict"] == [issue.code for issue in issues.values()]


def test_a_json_request_with_a_duplicate_key_is_refused_like_yaml():
    with pytest.raises(RequestError) as caught:
        load_request_text('{"city": "x", "city": "shantou", "as_of": "2021-09-20", '
                          '"person": {"birth_date": "1970-05-01"}}')
    assert ["duplicate_key"] == [issue.code for issue in caught.value.issues]


def test_a_json_duplicate_key_that_is_a_name_is_not_echoed():
    with pytest.raises(RequestError) as caught:
        load_request_text('{"陈某某": 1, "陈某某": 2}')
    assert "陈某某" not in str(caught.value)


@pytest.mark.parametrize("tier", [True, False, "1", 1.0])
def test_a_tier_is_the_number_one_or_two(tier):
    issues = issues_of({**BASE, "choices": {"tier": tier}})
    assert ["choices.tier"] == list(issues)


def test_a_coverage_year_long_after_the_policy_is_not_in_force():
    decision = evaluate({**BASE, "coverage_year": 2100}, trace=False)
    assert ("no_policy_in_force", None) == (decision.outcome, decision.benefit_start)


def test_next_years_coverage_is_still_applied_for_in_the_autumn():
    assert "eligible" == evaluate({**BASE, "coverage_year": 2022}, trace=False).outcome


@pytest.mark.parametrize("id_number", ["44051119700501002²", "44051119700501002２", "4405111970050１0022"])
def test_an_id_with_a_digit_that_is_not_ascii_gets_a_clear_message(id_number):
    issue = issues_of(with_person(id_number=id_number))["person.id_number"]
    assert ("id_number", True) == (issue.code, "ASCII digits" in issue.message)
    assert id_number not in issue.message


def test_a_yaml11_word_in_a_yaml_request_is_reported_at_its_field():
    """`student: yes` is not read as true: the field is refused by its path, with the others."""
    with pytest.raises(RequestError) as caught:
        load_request_text("city: shantou\nas_of: 2021-09-20\nperson: {student: yes, sex: F, birth_date: 1970-01-01}\n")
    assert {("person.student", "bool_type"), ("person.sex", "literal_error")} == {
        (issue.path, issue.code) for issue in caught.value.issues}

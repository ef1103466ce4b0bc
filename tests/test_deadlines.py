"""Deadlines: anchored on the day the person qualified, computed only where the decision needs
them, and a working-day deadline the official calendar cannot count left open with a reason."""

import pytest

from eligibility import CalendarError, evaluate, loads_policy
from eligibility.language import bundled_policy_dir

TEXT = (bundled_policy_dir() / "shantou.yaml").read_text(encoding="utf-8")
REQUEST = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
           "person": {"birth_date": "1970-05-01", "hukou": {"region": "440511", "kind": "urban"},
                      "statuses": [{"kind": "dibao", "since": "2021-06-15"}]},
           "parameters": {"individual_premium": "320"}}
MID_YEAR_DUE = "due: {from: status_since, add_working_days: 10}"


def policy(text):
    return loads_policy(text, file="shantou.yaml")


def test_a_deadline_before_the_calendar_is_left_open_with_its_reason_not_an_error():
    text = TEXT.replace(MID_YEAR_DUE, "due: {from: 2001-01-01, add_working_days: 10}")
    assert text != TEXT
    decision = evaluate(REQUEST, policy(text))
    assert ("eligible", False) == (decision.outcome, "issue_hardship_info" in {d.action for d in decision.deadlines})
    [still_open] = [d for d in decision.open_deadlines if d.action == "issue_hardship_info"]
    assert ("二(二)1", "mid_year_general", "calendar_not_covered") == (
        still_open.clause, still_open.rule, still_open.code)
    assert "2004" in still_open.reason
    assert "complete_registration" in {d.action for d in decision.deadlines}


def test_an_open_deadline_is_rendered():
    from eligibility.render import render_json, render_text

    text = TEXT.replace(MID_YEAR_DUE, "due: {from: 2001-01-01, add_working_days: 10}")
    shantou = policy(text)
    decision = evaluate(REQUEST, shantou)
    assert "calendar_not_covered" in render_json(decision)
    line = next(line for line in render_text(decision, lang="en", policies=shantou).splitlines()
                if line.startswith("Deadline not dated"))
    assert line.startswith("Deadline not dated: The district or county hardship-status department sends")
    assert line.endswith("the official working-day calendar does not cover that year: working days cannot be counted")


def test_a_calendar_error_in_a_condition_names_its_rule_and_clause():
    text = TEXT.replace("when: {status: {kind: dibao}}",
                        "when: {all: [{status: {kind: dibao}}, "
                        "{date: {after: {from: 2001-01-01, add_working_days: 3}}}]}", 1)
    assert text != TEXT
    with pytest.raises(CalendarError) as caught:
        evaluate(REQUEST, policy(text), trace=False)
    assert ("dibao", "一(一)") == (caught.value.rule, caught.value.clause)
    assert "dibao" in str(caught.value) and "一(一)" in str(caught.value)


def test_not_not_keeps_the_status_a_deadline_is_anchored_on():
    text = TEXT.replace("when: {status: {kind: dibao}}", "when: {not: {not: {status: {kind: dibao}}}}", 1)
    assert text != TEXT
    plain = evaluate(REQUEST, trace=False)
    doubled = evaluate(REQUEST, policy(text), trace=False)
    assert [(d.action, d.due) for d in plain.deadlines] == [(d.action, d.due) for d in doubled.deadlines]
    assert "issue_hardship_info" in {d.action for d in doubled.deadlines}

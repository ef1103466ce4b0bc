"""Engine behaviour beyond single-city cases: traces, reasons, determinism, rounding."""

import json

from eligibility import Decision, evaluate
from eligibility._render import render_json, render_text

REQUEST = {
    "city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
    "person": {"id_number": "440511197005010022", "name": "陈某某", "hukou": {"region": "440511"},
               "statuses": [{"kind": "low_income_household", "since": "2020-01-01"},
                            {"kind": "disability", "grade": 3, "certificate_valid_until": "2030-01-01",
                             "since": "2010-01-01"}]},
    "parameters": {"individual_premium": "320"},
}


def test_why_not_names_the_sub_condition_that_failed():
    decision = evaluate(REQUEST)
    reasons = {r.rule: r.message for r in decision.reasons}
    assert "not_eligible" == decision.outcome
    assert "age on status_date >= 60" in reasons["categories.low_income_household"]
    assert "person.statuses[1].grade=3" in reasons["categories.severe_disability"]


def test_trace_steps_cite_clauses_and_show_each_sub_condition():
    decision = evaluate({**REQUEST, "person": {**REQUEST["person"], "birth_date": None,
                                               "id_number": "440511195005010023"}})
    step = next(s for s in decision.trace if s.rule == "categories.low_income_household")
    assert ("一(六)", "true") == (step.clause, step.result)
    any_node = step.detail["parts"][1]
    assert ["true", "false", "false"] == [part["result"] for part in any_node["parts"]]


def test_the_id_number_is_masked_and_the_name_absent_in_every_rendering():
    decision = evaluate(REQUEST)
    for text in (render_json(decision), render_text(decision), repr(decision)):
        assert "440511197005010022" not in text and "陈某某" not in text
    assert "4405**********0022" == decision.trace[0].facts["person.id_number"]


def test_untraced_evaluation_decides_the_same_without_steps():
    traced, untraced = evaluate(REQUEST), evaluate(REQUEST, trace=False)
    assert (traced.outcome, []) == (untraced.outcome, untraced.trace)


def test_json_round_trips_through_the_decision_model():
    decision = evaluate({**REQUEST, "person": {**REQUEST["person"], "statuses": [
        {"kind": "dibao", "since": "2021-01-01"}]}})
    assert decision == Decision.model_validate(json.loads(render_json(decision)))


def test_amount_is_rounded_half_up_to_the_fen_only_at_the_end():
    decision = evaluate({**REQUEST, "parameters": {"individual_premium": "320.125"},
                         "person": {**REQUEST["person"], "statuses": [{"kind": "dibao", "since": "2021-01-01"}]}})
    assert ("320.13", "320.13") == (decision.subsidy.amount, decision.subsidy.premium)


def test_evaluation_is_deterministic():
    assert evaluate(REQUEST) == evaluate(REQUEST)

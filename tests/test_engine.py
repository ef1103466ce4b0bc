"""Engine behaviour beyond single-city cases: traces, reasons, determinism, rounding."""

import json
import sys
from pathlib import Path

from eligibility import Decision, evaluate
from eligibility.render import render_json, render_text

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
    step = next(s for s in decision.trace if (s.kind, s.rule) == ("category", "low_income_household"))
    assert ("一(六)", True, "categories.low_income_household") == (step.clause, step.result, step.path)
    any_node = step.condition.parts[1]
    # `any` stops at the first part that names its status; the age test held, the others were read
    assert [True, False, False] == [part.result for part in any_node.parts]


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


def test_the_trace_replays_the_path_the_decision_took():
    dibao = {**REQUEST, "person": {**REQUEST["person"], "statuses": [{"kind": "dibao", "since": "2021-01-01"}]}}
    # a disability of unknown grade: grades 1-2 qualify (一(七)), 3-4 do not: undetermined even by cases
    disability = {**REQUEST, "person": {**REQUEST["person"], "statuses": [{"kind": "disability",
                                                                          "since": "2021-01-01"}]}}
    for request, outcome in ((REQUEST, "not_eligible"), (dibao, "eligible"), (disability, "undetermined")):
        decision = evaluate(request)
        held = [s.rule for s in decision.trace if s.kind == "category" and s.result is True]
        assert (outcome, f"outcome: {outcome}") == (decision.outcome, decision.trace[-1].label)
        assert [c.id for c in decision.categories] == held


def test_threads_reading_one_decision_s_trace_all_get_it():
    expected = len(evaluate(REQUEST).trace)
    lengths: list[int] = []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so readers overlap inside one replay
    try:
        _read_concurrently(lengths)
    finally:
        sys.setswitchinterval(interval)
    assert [expected] * 120 == lengths


def _read_concurrently(lengths):
    import threading

    for _ in range(30):
        decision, start = evaluate(REQUEST), threading.Barrier(4)

        def read():
            start.wait()  # all four read the same untouched decision at once
            lengths.append(len(decision.trace))

        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def test_a_pickled_decision_carries_its_trace():
    import pickle

    decision = evaluate(REQUEST)
    restored = pickle.loads(pickle.dumps(decision))
    assert len(restored.trace) > 5 and restored == decision


def test_a_condition_repeated_in_a_policy_is_compiled_once_and_shared(tmp_path):
    from eligibility import bundled_policies

    program = bundled_policies().get("shantou").versions[0].program("resident_medical")
    by_id = {o.rule.id: o.rule.condition for o in program.outputs}
    # the YAML anchor &city_institution: `when:` of lottery_funded, `any:` part of mid_year_institution
    shared = by_id["lottery_funded"]
    assert shared is by_id["mid_year_institution"].parts[1]
    from eligibility.engine import compiled
    build = compiled(program, bundled_policies().get("shantou")).untraced
    # the anchor stands at several places: evaluated once per phase; a condition written once is not memoised
    assert (True, False) == (build.is_shared(shared), build.is_shared(by_id["registration_fixes_status"]))


def test_an_exclusion_can_test_the_categories_that_held(tmp_path):
    from eligibility import load_policies

    text = (Path(__file__).parents[1] / "policies" / "shantou.yaml").read_text(encoding="utf-8")
    marker = "        exclusions:\n"
    extra = ("          - id: dibao_excluded_for_test\n            clause: 五(二)\n            label: 测试\n            label_en: test\n"
             "            when: {category: dibao}\n")
    assert marker in text
    (tmp_path / "shantou.yaml").write_text(text.replace(marker, marker + extra, 1), encoding="utf-8")
    policies = load_policies(tmp_path)
    dibao = {**REQUEST, "person": {**REQUEST["person"], "statuses": [{"kind": "dibao", "since": "2021-01-01"}]}}
    decision = evaluate(dibao, policies)
    assert ("not_eligible", ["exclusions.dibao_excluded_for_test"]) == (
        decision.outcome, [r.rule for r in decision.reasons])
    assert "eligible" == evaluate(REQUEST | {"person": {**REQUEST["person"], "statuses": [
        {"kind": "tekun", "care": "dispersed", "since": "2021-01-01"}]}}, policies).outcome

"""Reforms (issue 13): a file naming a base policy and changing it, loaded whatever its name,
with located errors; thresholds as parameters; precedence of outputs; lint; diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eligibility import PolicyError, RequestError, evaluate, load_policy
from eligibility.analysis import diff, format_diff, lint, problems
from eligibility.cli import main

ROOT = Path(__file__).resolve().parents[1]
REFORMS = ROOT / "tests" / "reforms"
SHANTOU = ROOT / "policies" / "shantou.yaml"
CITIES = ("shantou", "shaoguan", "heshan", "songming", "zhengzhou")


def dibao(**changes):
    request = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
               "person": {"birth_date": "1970-05-01", "hukou": {"region": "440511", "kind": "urban"},
                          "statuses": [{"kind": "dibao", "since": "2021-01-10"}]},
               "parameters": {"individual_premium": "320"}}
    request.update(changes)
    return request


def test_a_reform_loads_whatever_its_file_name_and_names_itself_in_the_decision(tmp_path):
    copy = tmp_path / "shantou.reform.yaml"
    copy.write_text((REFORMS / "shantou_elderly_65.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    reform = load_policy(copy)
    assert ("shantou_elderly_65", "shantou") == (reform.id, reform.city)
    decided = evaluate(dibao(), reform).policy
    assert decided is not None and decided.reform is not None
    assert ("shantou_elderly_65", "shantou", reform.content_hash) == (
        decided.reform.id, decided.reform.base, decided.reform.content_hash)
    assert load_policy(SHANTOU).content_hash == decided.reform.base_content_hash


def test_a_city_policy_decision_keeps_its_policy_block_without_a_reform_key():
    data = json.loads(evaluate(dibao()).to_json())
    assert "reform" not in data["policy"]


def test_a_reform_error_is_located_in_the_reform_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("reform: bad\nbase: shantou\nlabel: 坏\nlabel_en: bad\nchanges:\n"
                   "  - replace: outputs.batch_decembr\n    with: {label: 新}\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(bad)
    (issue,) = caught.value.issues
    assert (str(bad), 6, 5, "unknown_rule") == (issue.file, issue.line, issue.column, issue.code)
    assert "batch_december" in issue.hint


def test_an_error_in_what_a_reform_adds_is_located_in_the_reform_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("reform: bad\nbase: shantou\nlabel: 坏\nlabel_en: bad\nchanges:\n  - add: categories\n    rule:\n"
                   "      id: foo\n      clause: 一\n      label: 甲\n      label_en: a\n"
                   "      when: {status: {kind: dibaoo}}\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(bad)
    (issue,) = caught.value.issues
    assert (str(bad), 12, "unknown_status_kind") == (issue.file, issue.line, issue.code)


def test_a_parameter_threshold_changes_with_its_dated_value():
    reform = load_policy(REFORMS / "shantou_elderly_65.yaml")
    aged_62 = {"person": {"birth_date": "1961-09-20", "hukou": {"region": "440511", "kind": "urban"},
                          "statuses": [{"kind": "low_income_household", "since": "2020-01-01"}]}}
    in_2023 = dibao(as_of="2023-11-01", coverage_year=2023, **aged_62)
    in_2024 = dibao(as_of="2024-03-01", coverage_year=2024, **aged_62)
    assert ("eligible", "eligible") == (evaluate(in_2023).outcome, evaluate(in_2023, reform).outcome)
    assert ("eligible", "not_eligible") == (evaluate(in_2024).outcome, evaluate(in_2024, reform).outcome)
    # a reason names a threshold by its value in the coverage year, not by the parameter's name
    reason = next(r for r in evaluate(in_2024, reform).reasons if r.rule == "categories.low_income_household")
    assert ">= 65" in reason.message and "elderly_age" not in reason.message
    aged_58 = dibao(as_of="2024-03-01", coverage_year=2024, person={**aged_62["person"], "birth_date": "1965-09-20"})
    base_reason = next(r for r in evaluate(aged_58).reasons if r.rule == "categories.low_income_household")
    assert ">= 60" in base_reason.message


def test_a_threshold_parameter_is_not_a_request_s_to_supply():
    with pytest.raises(RequestError) as caught:
        evaluate(dibao(parameters={"individual_premium": "320", "elderly_age": "50"}))
    assert [("parameters.elderly_age", "unknown_parameter")] == [(i.path, i.code) for i in caught.value.issues]


@pytest.mark.parametrize("city", CITIES)
def test_the_bundled_policies_are_lint_clean(city):
    assert [] == [str(f) for f in problems(lint(load_policy(ROOT / "policies" / f"{city}.yaml")))]


def test_lint_finds_the_two_shantou_problems_issue_13_named_with_their_places():
    found = {f.code: f for f in lint(load_policy(ROOT / "tests" / "lint" / "shantou_before_issue13.yaml"))}
    conflict, listed = found["output_conflict"], found["hand_enumerated_categories"]
    assert ("outputs.assistance_funded", "一", str(SHANTOU.relative_to(ROOT))) == (
        conflict.rule, conflict.clause, str(Path(conflict.file).resolve().relative_to(ROOT)))
    assert "overrides: [assistance_funded]" in conflict.hint
    assert ("exclusions.self_paid_not_retroactive", "五(二)", 16, 19) == (
        listed.rule, listed.clause, listed.line, listed.column)
    assert listed.file.endswith("shantou_before_issue13.yaml") and "category: any" in listed.hint


def test_an_acknowledged_finding_is_reported_with_its_reason_and_a_stale_one_is_a_finding():
    found = lint(load_policy(ROOT / "tests" / "lint" / "shantou_acknowledged.yaml"))
    assert [("output_conflict", "order of 一 read as precedence (test)")] == [
        (f.code, f.acknowledged) for f in found if f.acknowledged]
    assert ["stale_acknowledgement"] == [f.code for f in problems(found)]


def test_lint_and_check_exit_1_on_a_finding(capsys):
    assert 1 == main(["lint", str(ROOT / "tests" / "lint" / "shantou_before_issue13.yaml")])
    assert 1 == main(["check", str(ROOT / "tests" / "lint" / "shantou_before_issue13.yaml")])
    assert "hand_enumerated_categories" in capsys.readouterr().err
    assert 0 == main(["check", str(REFORMS / "shantou_elderly_65.yaml")])


def test_who_wins_a_single_valued_field_follows_overrides_not_yaml_order(tmp_path):
    reform = tmp_path / "order.yaml"
    # the assistance fund declared to win over the lottery fund: a city-welfare-home resident now gets it
    reform.write_text("reform: order\nbase: shantou\nlabel: 顺序\nlabel_en: order\nchanges:\n"
                      "  - replace: outputs.lottery_funded\n    with: {overrides: []}\n"
                      "  - replace: outputs.assistance_funded\n    with: {overrides: [lottery_funded]}\n",
                      encoding="utf-8")
    resident = dibao(person={"birth_date": "1950-01-01", "hukou": {"region": "440511", "kind": "urban"},
                             "statuses": [{"kind": "tekun", "care": "centralized", "institution": "city_welfare_home",
                                           "since": "2021-01-10"}]})
    assert "welfare_lottery_fund" == evaluate(resident).subsidy.funding_source
    assert "medical_assistance_fund" == evaluate(resident, load_policy(reform)).subsidy.funding_source


def test_two_outputs_overriding_each_other_is_a_located_error(tmp_path):
    reform = tmp_path / "cycle.yaml"
    reform.write_text("reform: cycle\nbase: shantou\nlabel: 环\nlabel_en: cycle\nchanges:\n"
                      "  - replace: outputs.assistance_funded\n    with: {overrides: [lottery_funded]}\n",
                      encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(reform)
    assert ["override_cycle"] == [issue.code for issue in caught.value.issues]


def test_diff_names_each_change_with_its_clause_and_dates():
    base = load_policy(SHANTOU)
    moved = diff(base, load_policy(REFORMS / "shantou_december_deadline.yaml"))
    (program,) = moved.programs
    (change,) = program.rules
    assert ("changed", "outputs.batch_december", "三(一)") == (change.change, change.rule, change.clause)
    assert "submit_county_list: 12-15 of coverage_year" in change.fields["deadlines"][1]
    aged = diff(base, load_policy(REFORMS / "shantou_elderly_65.yaml")).programs[0].parameters[0]
    assert ("elderly_age", [("2024-01-01", None, "65", "测算方案：一(六)的60周岁自2024年度起提高至65周岁（非现行文本）")], [("categories.low_income_household", "一(六)")]) == (
        aged.parameter, aged.values, aged.used_by)
    added = diff(base, load_policy(REFORMS / "shantou_distressed_child.yaml")).programs[0].rules
    assert [("added", "categories.distressed_child", "一")] == [(c.change, c.rule, c.clause) for c in added]
    assert "+ [一] categories.distressed_child" in format_diff(diff(base, load_policy(REFORMS /
                                                                                    "shantou_distressed_child.yaml")))
    assert diff(base, base).empty


def test_the_diff_command_prints_json(capsys):
    assert 0 == main(["diff", "shantou", str(REFORMS / "shantou_premium_380.yaml"), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert "individual_premium" == data["programs"][0]["parameters"][0]["parameter"]


def test_the_columnar_evaluator_follows_overrides_and_threshold_parameters_like_the_scalar_one(tmp_path):
    pytest.importorskip("pyarrow")
    from eligibility.columnar import evaluate_requests

    order = tmp_path / "order.yaml"
    order.write_text("reform: order\nbase: shantou\nlabel: 顺序\nlabel_en: order\nchanges:\n"
                     "  - replace: outputs.lottery_funded\n    with: {overrides: []}\n"
                     "  - replace: outputs.assistance_funded\n    with: {overrides: [lottery_funded]}\n"
                     "  - parameter: elderly_age\n    values: [{from: 2024-01-01, value: \"65\", source: 测算方案：65周岁（非现行文本）}]\n",
                     encoding="utf-8")
    reform = load_policy(order)
    person = {"birth_date": "1950-01-01", "hukou": {"region": "440511", "kind": "urban"},
              "statuses": [{"kind": "tekun", "care": "centralized", "institution": "city_welfare_home",
                            "since": "2021-01-10"}]}
    aged_62 = {"birth_date": "1961-09-20", "hukou": {"region": "440511", "kind": "urban"},
               "statuses": [{"kind": "low_income_household", "since": "2020-01-01"}]}
    requests = [dibao(person=person), dibao(as_of="2024-03-01", coverage_year=2024, person=aged_62),
                dibao(as_of="2023-11-01", coverage_year=2023, person=aged_62)]
    result = evaluate_requests(requests, reform)
    table = result.table
    assert {} == result.fallback   # decided as columns, not handed to the scalar path
    assert [(d.outcome, d.subsidy.funding_source if d.subsidy else None) for d in
            (evaluate(r, reform, trace=False) for r in requests)] == list(
        zip(table["outcome"].to_pylist(), table["funding_source"].to_pylist()))
    assert ["medical_assistance_fund", None, "medical_assistance_fund"] == table["funding_source"].to_pylist()


def test_a_category_added_after_another_in_a_base_without_a_ranking_is_ranked_there(tmp_path):
    """Songming ranks its categories by declaration order (no `priority:`): `after:` still places
    the new one, and an unknown `after:` is refused before anything changes."""
    reform = tmp_path / "songming.first.yaml"
    reform.write_text(
        "reform: songming_first\nbase: songming\nlabel: 测算\nlabel_en: scenario\nchanges:\n"
        "  - add: categories\n    after: dibao\n    rule: {id: distressed_child, clause: 六(一), label: 困境儿童, "
        "label_en: Children in distress, when: {status: {kind: distressed_child}}}\n", encoding="utf-8")
    program = load_policy(reform).versions[0].program("resident_medical")
    ids = [rule.id for rule in program.categories]
    assert ids.index("distressed_child") == ids.index("dibao") + 1 < len(ids) - 1
    reform.write_text(reform.read_text(encoding="utf-8").replace("after: dibao", "after: dibow"), encoding="utf-8")
    with pytest.raises(PolicyError) as error:
        load_policy(reform)
    assert ["unknown_category"] == [issue.code for issue in error.value.issues]

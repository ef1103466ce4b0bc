"""``eligibility test``: the YAML case runner for analysts, with its summary and coverage report."""

from pathlib import Path

from eligibility import bundled_policies, evaluate
from eligibility.cli import main
from eligibility.testing import Expectation, compare, law_coverage, load_case_file

ROOT = Path(__file__).parent.parent
SHANTOU_CASES = ROOT / "tests" / "cases" / "shantou.cases.yaml"


def test_policies_directory_runs_the_cases_beside_it_and_prints_the_summary(capsys):
    assert 0 == main(["test", str(ROOT / "policies" / "shantou.yaml")])
    out = capsys.readouterr().out.splitlines()
    count = sum(1 for line in SHANTOU_CASES.read_text(encoding="utf-8").splitlines() if line.startswith("  - name:"))
    assert f"{count} passed, 0 failed" == out[-1]


def test_a_failing_case_exits_1_and_explains_itself(tmp_path, capsys):
    text = SHANTOU_CASES.read_text(encoding="utf-8")
    broken = tmp_path / "shantou.cases.yaml"
    broken.write_text(text.replace('primary_category: dibao, amount: "320.00"',
                                   'primary_category: dibao, amount: "300.00"', 1), encoding="utf-8")
    assert 1 == main(["test", str(tmp_path)])
    out = capsys.readouterr().out
    assert out.rstrip().endswith("passed, 1 failed")
    assert "expected: '300.00'" in out and "actual:   '320.00'" in out
    assert f"{broken}:" in out and "case checks clause 一(一) of shantou" in out and "decided by:" in out


def test_verbose_prints_every_trace(capsys):
    assert 0 == main(["test", "--verbose", str(SHANTOU_CASES)])
    out = capsys.readouterr().out
    assert "PASSED " in out and "(categories.dibao)" in out and "(version.2020)" in out


def test_coverage_lists_what_no_case_exercises(tmp_path, capsys):
    one_case = tmp_path / "shantou.cases.yaml"
    one_case.write_text("policy: shantou\ncases:\n  - name: A dibao recipient in Shantou is subsidised\n"
                        "    clause: 一(一)\n    request: {as_of: 2021-09-20, person: {hukou: {region: \"440511\"},"
                        " statuses: [{kind: dibao, since: 2021-01-10}]}}\n    expect: {outcome: eligible}\n",
                        encoding="utf-8")
    assert 1 == main(["test", "--coverage", str(one_case)])
    out = capsys.readouterr().out
    assert "shantou 2020 resident_medical: 1/9 categories, 0/2 exclusions" in out
    assert "not exercised: categories.tekun_dispersed [一(二)]" in out
    assert "not exercised: categories.dibao" not in out
    assert out.rstrip().endswith("1 passed, 0 failed")


def test_a_malformed_case_file_exits_2_with_its_location(tmp_path, capsys):
    bad = tmp_path / "x.cases.yaml"
    bad.write_text("policy: shantou\ncases: []\n", encoding="utf-8")
    assert 2 == main(["test", str(bad)])
    assert f"{bad}:2:" in capsys.readouterr().err


CASES = ROOT / "tests" / "cases"
UNDETERMINED = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
                "person": {"hukou": {"region": "440511", "kind": "urban"},
                           "statuses": [{"kind": "low_income_household", "since": "2020-01-01"}]},
                "parameters": {"individual_premium": "320"}}


def test_list_expectations_compare_as_documented():
    decision = evaluate(load_case_file(CASES / "heshan.cases.yaml")[0].request)
    flags, deadline, benefit = list(decision.flags), decision.deadlines[0], decision.tier.benefits[0]
    assert len(flags) >= 2  # the comparisons below need two flags, a deadline and a benefit

    def failing(decision=decision, **expect):
        return [m.field for m in compare(Expectation(**expect), decision)]

    assert [] == failing(flags=flags[::-1], deadlines=[{"action": deadline.action, "due": deadline.due}],
                         benefits=[{"item": benefit.item, "value": benefit.value}])
    assert ["flags"] == failing(flags=flags[:1])            # flags: the exact set, not a subset
    assert ["flags"] == failing(flags=[*flags, "other"])
    assert ["deadlines"] == failing(deadlines=[])           # []: there must be none
    assert ["benefits"] == failing(benefits=[])
    assert ["deadlines"] == failing(deadlines=[{"action": deadline.action, "due": "2000-01-01"}])
    undetermined = evaluate(UNDETERMINED)
    assert ["person.birth_date"] == undetermined.missing
    assert ["missing"] == failing(undetermined, missing=[])  # missing: the exact set
    assert [] == failing(undetermined, missing=["person.birth_date"])


def test_a_rule_whose_test_was_unknown_is_not_exercised():
    shantou = bundled_policies().get("shantou")
    (report,) = law_coverage([shantou], [evaluate(UNDETERMINED)])
    assert "categories.low_income_household" in {r.path for r in report.unexercised}


def test_coverage_is_counted_per_version():
    shaoguan = bundled_policies().get("shaoguan")
    decisions = [evaluate(c.request) for c in load_case_file(CASES / "shaoguan.cases.yaml")]
    newest = max(v.id for v in shaoguan.versions)
    (report,) = law_coverage([shaoguan], [d for d in decisions if d.policy and d.policy.version == newest])
    assert [] == [r.path for r in report.rules if r.version != newest and r.cases]
    assert any(r.cases for r in report.rules if r.version == newest)

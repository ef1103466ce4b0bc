"""Coverage of the law: the bundled cases exercise every category, exclusion and output."""

from pathlib import Path

import pytest

from eligibility import bundled_policies
from eligibility.testing import check_case, law_coverage, load_case_file

CASE_DIR = Path(__file__).parent / "cases"
POLICIES = bundled_policies()


def _case_file(city):
    for name in (f"{city}.cases.yaml", f"{city}.yaml"):
        if (CASE_DIR / name).exists():
            return CASE_DIR / name
    return None


@pytest.mark.parametrize("city", POLICIES.cities)
def test_the_bundled_cases_exercise_every_rule(city):
    case_file = _case_file(city)
    assert case_file is not None, f"no case file for {city} in {CASE_DIR}"
    decisions = [check_case(case).decision for case in load_case_file(case_file)]
    (report,) = law_coverage([POLICIES.get(city)], [d for d in decisions if d is not None])
    assert [] == [f"{r.version} {r.program} {r.path} [{r.clause}]" for r in report.unexercised]


def test_a_rule_no_case_reaches_is_reported():
    shantou = POLICIES.get("shantou")
    cases = [c for c in load_case_file(_case_file("shantou")) if c.case.clause == "一(一)"]
    (report,) = law_coverage([shantou], [check_case(c).decision for c in cases])
    unexercised = {r.path for r in report.unexercised}
    assert "categories.tekun_dispersed" in unexercised and "categories.dibao" not in unexercised

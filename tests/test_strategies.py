"""The Hypothesis strategies of eligibility.testing: valid, realistic, and aimed where asked."""

import datetime as dt
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import InvalidArgument

from eligibility import bundled_policies, evaluate, parse_request
from eligibility.contract import id_birth_date, id_problem
from eligibility.testing import from_request_schema, id_numbers, regions, requests, statuses
from eligibility.testing.strategies import REGIONS

FEW = settings(max_examples=25, deadline=None, derandomize=True, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
SHANTOU = bundled_policies().get("shantou")


@FEW
@given(id_numbers(birth_date=dt.date(1970, 5, 1), region="440511", sex="female"))
def test_id_numbers_have_a_correct_check_character_and_the_birth_date(id_number):
    assert None is id_problem(id_number)
    assert dt.date(1970, 5, 1) == id_birth_date(id_number)
    assert id_number.startswith("440511") and int(id_number[16]) % 2 == 0


@FEW
@given(regions("4405"), regions(outside="4405"))
def test_regions_are_real_codes_inside_or_outside_a_place(inside, outside):
    assert inside in REGIONS and inside.startswith("4405")
    assert outside in REGIONS and not outside.startswith("4405")


@FEW
@given(statuses(on=dt.date(2021, 9, 20)))
def test_statuses_are_granted_by_the_day_and_valid(status):
    assert status["since"] <= "2021-09-20"
    parse_request({"city": "shantou", "as_of": "2021-09-20", "person": {"statuses": [status]}})


@FEW
@given(from_request_schema())
def test_schema_requests_are_valid_and_decided_without_error(request):
    parse_request(request)
    assert evaluate(request).outcome


@pytest.mark.parametrize("category", [c.id for c in SHANTOU.versions[0].program("resident_medical").categories])
def test_requests_aimed_at_a_category_are_in_it(category):
    @settings(FEW, max_examples=5)
    @given(requests(SHANTOU, category=category))
    def run(request):
        assert category in [c.id for c in evaluate(request).categories]

    run()


@pytest.mark.parametrize("outcome", ["eligible", "not_eligible", "undetermined", "enrollment_closed",
                                     "no_policy_in_force"])
def test_requests_aimed_at_an_outcome_get_it(outcome):
    @settings(FEW, max_examples=5)
    @given(requests("shantou", outcome=outcome))
    def run(request):
        assert outcome == evaluate(request).outcome

    run()


def test_category_and_outcome_combine():
    @settings(FEW, max_examples=5)
    @given(requests("shantou", category="dibao", outcome="not_eligible"))
    def run(request):
        decision = evaluate(request)
        assert ("not_eligible", True) == (decision.outcome, "dibao" in [c.id for c in decision.categories])

    run()


@pytest.mark.parametrize("strategy, message", [
    (lambda: requests("atlantis"), "unknown city 'atlantis'"),
    (lambda: requests("shantou", category="dibaoo"), "no category 'dibaoo'"),
    (lambda: requests("shantou", outcome="maybe"), "unknown outcome 'maybe'"),
    (lambda: requests("shantou", outcome="referred"), "cannot be reached"),
    (lambda: regions("44a5"), "prefixes of 2 to 6 digits"),
    (lambda: statuses("dibaoo"), "unknown status kind 'dibaoo'"),
    (lambda: id_numbers(sex="x"), "sex must be"),
])
def test_bad_arguments_raise_at_draw_time(strategy, message):
    built = strategy()  # building never raises
    with pytest.raises(InvalidArgument, match=message):
        @settings(FEW, max_examples=1)
        @given(built)
        def run(value):
            pass

        run()


def test_import_eligibility_needs_no_hypothesis():
    code = ("import sys; sys.modules['hypothesis'] = None\n"
            "import eligibility, eligibility.testing, eligibility.testing.plugin\n"
            "try:\n    eligibility.testing.requests\nexcept ImportError:\n    print('lazy')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "lazy" == out.strip()

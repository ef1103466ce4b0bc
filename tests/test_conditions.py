"""The condition language on small inline policies."""

import textwrap

import pytest

from eligibility import evaluate
from eligibility._compile import compile_policy_text

POLICY = """
city: testville
name: 测试市
region: "4405"
versions:
  - id: "1"
    document: {number: null, title: t, issuers: [x], source: s.txt}
    effective: {from: 2017-01-01, to: null}
    programs:
      resident_medical:
        label: l
        categories:
          - id: dibao
            clause: 一
            label: 低保
            when: {status: dibao}
        exclusions:
          - id: closed
            clause: 二
            label: 截止
            outcome: enrollment_closed
            when: {not: {date: {on_or_before: 2018-02-22T17:00}}}
"""


@pytest.fixture(scope="module")
def policy():
    return compile_policy_text(textwrap.dedent(POLICY), "testville.yaml")


def decide(policy, as_of, **extra):
    return evaluate({"city": "testville", "as_of": as_of, "coverage_year": 2018,
                     "person": {"statuses": [{"kind": "dibao", "since": "2017-01-01"}]}, **extra}, policy)


@pytest.mark.parametrize("as_of, outcome", [
    ("2018-02-22T16:59", "eligible"),
    ("2018-02-22T17:00", "eligible"),
    ("2018-02-22T17:01", "enrollment_closed"),
    ("2018-02-22", "eligible"),          # no time on the closing day: in time
    ("2018-02-23", "enrollment_closed"),
    ("2018-02-21", "eligible"),
])
def test_date_time_window_closes_at_the_hour(policy, as_of, outcome):
    assert outcome == decide(policy, as_of).outcome

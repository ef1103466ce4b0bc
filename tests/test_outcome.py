"""The legal precedence of a decision, as a table: one pure function decides it."""

import pytest

from eligibility.engine import judge
from eligibility.language import Rule, RuleId

T, F, U = True, False, None


def rule(kind: str, rule_id: str, outcome: str | None = None) -> Rule:
    return Rule(RuleId(kind, rule_id), "一", rule_id, None, outcome)


PRE = rule("precondition", "local", "not_eligible")
CLOSED = rule("precondition", "open", "enrollment_closed")
A, B = rule("category", "a", "eligible"), rule("category", "b", "eligible")
REFERRED = rule("category", "r", "referred")
EXCLUDED = rule("exclusion", "x", "not_eligible")
SENT = rule("exclusion", "s", "referred")
ALSO_SENT = rule("exclusion", "s2", "referred")


@pytest.mark.parametrize("pre, cats, excl, outcome, decided_by, primary", [
    # a failed precondition decides first, whatever else holds
    ([(PRE, F)], [(A, T)], [(EXCLUDED, T)], "not_eligible", PRE, None),
    ([(PRE, T), (CLOSED, F)], [(A, T)], [], "enrollment_closed", CLOSED, None),
    # no category: not eligible, unless one is unknown (and no not-eligible exclusion holds)
    ([(PRE, T)], [(A, F), (B, F)], [], "not_eligible", None, None),
    ([(PRE, T)], [(A, F), (B, U)], [], "undetermined", None, None),
    ([(PRE, T)], [(A, F), (B, U)], [(EXCLUDED, T)], "not_eligible", None, None),
    ([(PRE, T)], [(A, F), (B, U)], [(SENT, T)], "undetermined", None, None),
    # an exclusion that holds decides over the categories
    ([(PRE, T)], [(A, T)], [(EXCLUDED, T)], "not_eligible", EXCLUDED, None),
    ([(PRE, T)], [(A, T)], [(SENT, T), (EXCLUDED, T)], "referred", SENT, None),
    # ...unless a precondition, or an exclusion listed before it, is unknown and would decide otherwise
    ([(PRE, U)], [(A, T)], [(SENT, T)], "undetermined", None, None),
    ([(PRE, U)], [(A, T)], [(EXCLUDED, T)], "not_eligible", EXCLUDED, None),   # the same outcome either way
    ([(PRE, T)], [(A, T)], [(EXCLUDED, U), (SENT, T)], "undetermined", None, None),
    ([(PRE, T)], [(A, T)], [(ALSO_SENT, U), (SENT, T)], "referred", SENT, None),   # referred either way
    ([(CLOSED, U)], [(A, F)], [], "undetermined", None, None),    # closed or not eligible: not the same
    # the primary category decides, unless something that could change the answer is unknown
    ([(PRE, T)], [(A, T), (B, T)], [(EXCLUDED, F)], "eligible", A, 0),
    ([(PRE, T)], [(A, F), (B, T)], [], "eligible", B, 1),
    ([(PRE, T)], [(A, U), (B, T)], [], "undetermined", None, 1),      # ranked above the primary
    ([(PRE, T)], [(A, T), (B, U)], [], "eligible", A, 0),             # ranked below: it cannot matter
    ([(PRE, U)], [(A, T)], [], "undetermined", None, 0),
    ([(PRE, T)], [(A, T)], [(EXCLUDED, U)], "undetermined", None, 0),
    ([(PRE, U)], [(A, F)], [], "not_eligible", None, None),           # no category: the precondition cannot matter
    ([(PRE, T)], [(REFERRED, T), (A, T)], [], "referred", REFERRED, 0),
])
def test_the_precedence_table(pre, cats, excl, outcome, decided_by, primary):
    verdict = judge(pre, cats, excl)
    assert (outcome, decided_by, primary) == (verdict.outcome, verdict.rule, verdict.primary)


def test_no_category_is_flagged_so_every_category_says_why():
    assert judge([], [(A, F)], []).no_category and not judge([], [(A, T)], []).no_category

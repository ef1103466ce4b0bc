"""The condition language on small inline policies."""

import textwrap

import pytest

from eligibility import evaluate
from eligibility.language import compile_policy_text
from eligibility import bundled_policies


def policy_text(program: str, *, region: str, effective_from: str = "2017-01-01", name: str = "测试市",
              codes: str | None = None) -> str:
    """A one-version test policy around ``program`` (the body of ``resident_medical``)."""
    def indented(text: str, width: int) -> str:
        return "".join(" " * width + line if line.strip() else line for line in text.splitlines(True))

    return "".join([
        f'city: testville\nname: {name}\nregion: "{region}"\n',
        f"codes:\n{indented(codes, 2)}" if codes else "",
        'versions:\n  - id: "1"\n    document: {number: null, title: t, issuers: [x], source: s.txt}\n',
        f"    effective: {{from: {effective_from}, to: null}}\n",
        "    programs:\n      resident_medical:\n        label: l\n        label_en: l\n",
        indented(program, 8),
    ])


POLICY = policy_text("""
categories:
  - id: dibao
    clause: 一
    label: 低保
    label_en: dibao
    when: {status: dibao}
exclusions:
  - id: closed
    clause: 二
    label: 截止
    label_en: closing
    outcome: enrollment_closed
    when: {not: {date: {on_or_before: 2018-02-22T17:00}}}
""", region="4405")


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


HELD_ON_POLICY = policy_text("""
categories:
  - id: dibao
    clause: 一
    label: 低保（名单于2019年12月31日确定）
    label_en: dibao (list fixed on 2019-12-31)
    when: {status: {kind: dibao, held_on: 2019-12-31}}
  - id: poor
    clause: 二
    label: 建档立卡
    label_en: registered poor
    when: {status: {kind: registered_poor, unable_to_pay: true, held_on: 2019-12-31}}
outputs:
  - id: card
    clause: 三
    label: 无社会保障卡人员制卡
    label_en: card for people without a social security card
    when: {social_security_card: false}
    flags: [card]
""", region="4101", effective_from="2019-01-01", codes="""
flags: {card: {zh: 制卡, en: card}}
""")


@pytest.fixture(scope="module")
def held_on_policy():
    return compile_policy_text(textwrap.dedent(HELD_ON_POLICY), "testville.yaml")


def held_on_decide(policy, as_of, status, **person):
    return evaluate({"city": "testville", "as_of": as_of, "coverage_year": 2020,
                     "person": {"statuses": [status], "social_security_card": True, **person}}, policy)


@pytest.mark.parametrize("status, outcome", [
    ({"kind": "dibao", "since": "2019-12-31"}, "eligible"),                          # held on the day
    ({"kind": "dibao", "since": "2020-01-01"}, "not_eligible"),                      # granted after it
    ({"kind": "dibao", "since": "2018-01-01", "until": "2020-03-31"}, "eligible"),   # ended since: still counts
    ({"kind": "dibao", "since": "2018-01-01", "until": "2019-12-30"}, "not_eligible"),
])
def test_status_held_on_a_fixed_date_instead_of_the_status_date(held_on_policy, status, outcome):
    assert outcome == held_on_decide(held_on_policy, "2020-06-01", status).outcome


def test_status_held_on_stays_three_valued_and_is_traced(held_on_policy):
    decision = held_on_decide(held_on_policy, "2020-06-01", {"kind": "registered_poor", "since": "2018-01-01"})
    assert decision.outcome == "undetermined"
    assert decision.missing == ["person.statuses[0].unable_to_pay"]
    step = next(s for s in decision.trace if s.path == "categories.poor")
    assert step.clause == "二" and step.facts["held_on"] == "2019-12-31"


def test_held_on_takes_a_date_expression(tmp_path):
    from eligibility import PolicyError

    with pytest.raises(PolicyError) as caught:
        compile_policy_text(textwrap.dedent(HELD_ON_POLICY).replace("held_on: 2019-12-31}}\n          - id: poor",
                                                                   "held_on: list_day}}\n          - id: poor"),
                            "testville.yaml")
    assert any(i.code == "unknown_anchor" for i in caught.value.issues)


@pytest.mark.parametrize("card, outcome, flags, missing", [
    (True, "eligible", [], []),
    (False, "eligible", ["card"], []),
    (None, "eligible", [], ["person.social_security_card"]),
])
def test_social_security_card_condition(held_on_policy, card, outcome, flags, missing):
    # issue 11: an unknown card leaves open only the part it decides, never the outcome
    decision = held_on_decide(held_on_policy, "2020-06-01", {"kind": "dibao", "since": "2018-01-01"},
                              social_security_card=card)
    needs = sorted({fact for part in decision.open for fact in part.needs})
    assert (outcome, flags, missing, []) == (decision.outcome, decision.flags, needs, decision.missing)


WOMAN_AGE_POLICY = policy_text("""
categories:
  - id: bereaved
    clause: 一
    label: 独生子女死亡的夫妇（女方满49周岁以后）
    label_en: couples whose only child died (from the woman's 49th birthday)
    when: {status: {kind: family_planning, plan: bereaved_only_child_parent, woman_age: {at_least: 49}}}
exclusions:
  - id: closed
    clause: 二
    label: 截止；终止昆明职工医保二个月内的除外
    label_en: closing; except within two months of ending Kunming employee insurance
    outcome: enrollment_closed
    when:
      all:
        - {date: {after: 2018-02-23}}
        - not: {enrolled: {scheme: employee_medical, on: as_of, ended_within_months: 2, region: "5301"}}
""", region="5301", name="测试县")


@pytest.fixture(scope="module")
def woman_age_policy():
    return compile_policy_text(textwrap.dedent(WOMAN_AGE_POLICY), "testville.yaml")


def woman_age_decide(policy, as_of, woman_birth_date, enrollments=()):
    status = {"kind": "family_planning", "plan": "bereaved_only_child_parent", "since": "2015-01-01"}
    if woman_birth_date:
        status["woman_birth_date"] = woman_birth_date
    return evaluate({"city": "testville", "as_of": as_of, "coverage_year": int(as_of[:4]),
                     "person": {"sex": "male", "statuses": [status], "enrollments": list(enrollments)}}, policy)


@pytest.mark.parametrize("woman_birth_date, outcome, missing", [
    ("1968-10-20", "eligible", []),         # her 49th birthday
    ("1968-10-21", "not_eligible", []),     # the day before it
    (None, "undetermined", ["person.statuses[0].woman_birth_date"]),
])
def test_woman_age_counts_the_age_of_the_woman_of_the_couple(woman_age_policy, woman_birth_date, outcome, missing):
    decision = woman_age_decide(woman_age_policy, "2017-10-20", woman_birth_date)
    assert (outcome, missing) == (decision.outcome, decision.missing)
    step = next(s for s in decision.trace if s.path == "categories.bereaved")
    assert step.clause == "一" and "person.statuses[0].woman_birth_date" in step.facts


def test_woman_age_is_only_for_family_planning_statuses():
    from eligibility import PolicyError

    bad = textwrap.dedent(WOMAN_AGE_POLICY).replace(
        "{kind: family_planning, plan: bereaved_only_child_parent, woman_age", "{kind: dibao, woman_age")
    with pytest.raises(PolicyError) as caught:
        compile_policy_text(bad, "testville.yaml")
    assert any(i.code == "unknown_key" for i in caught.value.issues)


@pytest.mark.parametrize("region, outcome, missing", [
    ("530127", "eligible", []),                                  # Kunming: the window reopens
    ("510104", "enrollment_closed", []),                         # elsewhere: it does not
    (None, "undetermined", ["person.enrollments[0].region"]),    # unrecorded: never assumed local
])
def test_enrolled_region_is_three_valued_and_the_on_key_reads_as_a_word(woman_age_policy, region, outcome, missing):
    record = {"scheme": "employee_medical", "from": "2010-01-01", "to": "2018-03-31"}
    if region:
        record["region"] = region
    decision = woman_age_decide(woman_age_policy, "2018-05-31", "1960-01-01", [record])
    assert (outcome, missing) == (decision.outcome, decision.missing)


COVERAGE_YEAR_POLICY = policy_text("""
coverage_year: {default: next_year}
categories:
  - id: newborn_of_disabled
    clause: 一
    label: 残疾人所生的新生儿
    label_en: newborns of people with disabilities
    when:
      all:
        - {age: {under: 1}}
        - {status: {kind: disabled_parent, grade: [1, 2]}}
outputs:
  - id: first_year
    clause: 六1
    label: 2014年度重新申报
    label_en: declare again for 2014
    when: {coverage: {year: 2014}}
    flags: [first_year]
  - id: later_years
    clause: 二
    label: 每年9月1日前申报（2014年度除外）
    label_en: declare by 1 September each year (except 2014)
    when: {not: {coverage: {year: [2014]}}}
    deadlines: [{action: declare, label: 申报, label_en: declare, due: {month_day: "09-01", year: as_of_year}}]
""", region="4402", effective_from="2013-11-18", codes="""
flags: {first_year: {zh: 首个年度重新申报, en: declare again in the first year}}
""")


@pytest.fixture(scope="module")
def coverage_year_policy():
    return compile_policy_text(textwrap.dedent(COVERAGE_YEAR_POLICY), "testville.yaml")


def newborn(policy, as_of, parent, born="2013-10-01", **request):
    return evaluate({"city": "testville", "as_of": as_of,
                     "person": {"birth_date": born, "statuses": [{"since": born, **parent}]},
                     **request}, policy)


@pytest.mark.parametrize("as_of, coverage_year, flags, deadlines", [
    ("2013-12-02", None, ["first_year"], []),                            # default next_year: 2014
    ("2014-06-10", None, [], [("declare", "2014-09-01")]),               # 2015
    ("2014-06-10", 2014, ["first_year"], []),                            # asked for 2014 explicitly
])
def test_coverage_year_condition_names_the_insurance_year(coverage_year_policy, as_of, coverage_year, flags, deadlines):
    extra = {"coverage_year": coverage_year} if coverage_year else {}
    decision = newborn(coverage_year_policy, as_of, {"kind": "disabled_parent", "grade": 1}, **extra)
    assert "eligible" == decision.outcome
    assert (flags, deadlines) == (decision.flags, [(d.action, d.due.isoformat()) for d in decision.deadlines])
    step = next(s for s in decision.trace if s.path == "outputs.first_year")
    assert step.clause == "六1" and step.facts["coverage_year"] == decision.coverage_year


def test_coverage_year_condition_takes_years_only(coverage_year_policy):
    from eligibility import PolicyError

    for bad in ("{year: 2014.5}", "{year: []}", "{years: 2014}"):
        with pytest.raises(PolicyError) as caught:
            compile_policy_text(textwrap.dedent(COVERAGE_YEAR_POLICY).replace("{year: 2014}", bad), "testville.yaml")
        assert caught.value.issues[0].code in ("int_from_float", "int_type", "too_short", "unknown_key", "missing_key")


@pytest.mark.parametrize("parent, outcome, missing", [
    ({"kind": "disabled_parent", "grade": 2, "type": "physical"}, "eligible", []),
    ({"kind": "disabled_parent", "grade": 3, "type": "physical"}, "not_eligible", []),
    ({"kind": "disabled_parent", "type": "physical"}, "undetermined", ["person.statuses[0].grade"]),
])
def test_disabled_parent_status_is_three_valued(coverage_year_policy, parent, outcome, missing):
    decision = newborn(coverage_year_policy, "2014-06-10", parent, born="2014-01-15")
    assert (outcome, missing) == (decision.outcome, decision.missing)


def test_disabled_parent_status_refuses_an_unknown_grade():
    from eligibility import RequestError

    with pytest.raises(RequestError):
        evaluate({"city": "testville", "as_of": "2014-06-10",
                  "person": {"statuses": [{"kind": "disabled_parent", "grade": 5, "since": "2014-01-15"}]}},
                 compile_policy_text(textwrap.dedent(COVERAGE_YEAR_POLICY), "testville.yaml"))


HELD_BEFORE_POLICY = policy_text("""
categories:
  - {id: dibao, clause: 一, label: 低保, label_en: dibao, when: {status: dibao}}
  - {id: tekun, clause: 二, label: 特困, label_en: tekun, when: {status: {kind: tekun, care: dispersed}}}
outputs:
  - id: new_after_september
    clause: 三
    label: 9月1日后新增
    label_en: new after 1 September
    when: {not: {category: {held_on: {month_day: "09-01", year: as_of_year}}}}
    flags: [newly_qualified]
""", region="4405", codes="""
flags: {newly_qualified: {zh: 9月1日后新增, en: new after 1 September}}
""")


@pytest.mark.parametrize("statuses, flags", [
    ([{"kind": "dibao", "since": "2018-09-05"}], ["newly_qualified"]),
    ([{"kind": "dibao", "since": "2018-09-01"}], []),                       # on the list of 1 September
    ([{"kind": "dibao", "since": "2018-09-05"}, {"kind": "tekun", "care": "dispersed", "since": "2015-01-01"}], []),
    ([{"kind": "dibao", "since": "2015-01-01", "until": "2018-08-31"},
      {"kind": "dibao", "since": "2018-09-10"}], ["newly_qualified"]),     # off the list on 1 September
])
def test_category_held_on_reads_the_categories_on_another_date(statuses, flags):
    policy = compile_policy_text(textwrap.dedent(HELD_BEFORE_POLICY), "testville.yaml")
    decision = evaluate({"city": "testville", "as_of": "2018-10-01", "coverage_year": 2018,
                         "person": {"statuses": statuses}}, policy)
    assert ("eligible", flags) == (decision.outcome, decision.flags)
    step = next(s for s in decision.trace if s.path == "outputs.new_after_september")
    assert "2018-09-01" == step.facts["held_on"]


def test_category_held_on_is_unknown_when_a_category_on_that_date_is():
    policy = compile_policy_text(textwrap.dedent(HELD_BEFORE_POLICY), "testville.yaml")
    decision = evaluate({"city": "testville", "as_of": "2018-10-01", "coverage_year": 2018,
                         "person": {"statuses": [{"kind": "dibao", "since": "2018-09-05"},
                                                 {"kind": "tekun", "since": "2015-01-01"}]}}, policy)
    # issue 11: the decision rests on dibao; the tekun category and the mark that reads the categories on
    # 1 September are open
    assert ("eligible", [], [("categories.tekun", ["person.statuses[1].care"]),
                             ("flags.newly_qualified", ["person.statuses[1].care"])]) == (
        decision.outcome, decision.missing, open_parts(decision))


def test_category_held_on_cannot_stand_in_a_category():
    from eligibility import PolicyError

    text = textwrap.dedent(HELD_BEFORE_POLICY).replace(
        "when: {status: {kind: tekun, care: dispersed}}", "when: {category: {held_on: 2018-01-01}}")
    with pytest.raises(PolicyError) as error:
        compile_policy_text(text, "testville.yaml")
    assert "cannot stand in a category" in str(error.value)


def test_a_quoted_date_is_an_error_even_after_the_same_condition_with_a_real_date():
    from eligibility import PolicyError

    text = HELD_ON_POLICY.replace(
        "when: {status: {kind: registered_poor, unable_to_pay: true, held_on: 2019-12-31}}",
        'when: {any: [{status: {kind: dibao, held_on: 2019-12-31}}, {status: {kind: dibao, held_on: "2019-12-31"}}]}')
    with pytest.raises(PolicyError) as error:
        compile_policy_text(textwrap.dedent(text), "testville.yaml")
    assert ["unknown_anchor"] == [issue.code for issue in error.value.issues]


def test_category_held_on_names_only_the_facts_that_could_change_it():
    text = HELD_BEFORE_POLICY.replace(
        "when: {status: dibao}", "when: {all: [{age: {at_least: 60}}, {status: dibao}]}")
    policy = compile_policy_text(textwrap.dedent(text), "testville.yaml")
    decision = evaluate({"city": "testville", "as_of": "2018-10-01", "coverage_year": 2018,
                         "person": {"statuses": [{"kind": "tekun", "care": "dispersed", "since": "2018-09-05"},
                                                 {"kind": "tekun", "since": "2015-01-01"}]}}, policy)
    # no dibao status: the unknown birth date cannot change the dibao category on 1 September
    assert ("eligible", [("flags.newly_qualified", ["person.statuses[1].care"])]) == (
        decision.outcome, open_parts(decision))


def open_parts(decision):
    """The open parts of a decision as (part, needs) pairs."""
    return [(part.part, part.needs) for part in decision.open]


def assert_lazy_is_eager(request, policy):
    """The decision (reached untraced) and its replayed trace tell the same story."""
    decision = evaluate(request, policy)
    trace = decision.trace
    held = [s.rule for s in trace if s.kind == "category" and s.result is True]
    assert (f"outcome: {decision.outcome}", [c.id for c in decision.categories]) == (trace[-1].label, held)
    if decision.outcome in ("eligible", "referred"):
        flags = {o.rule.id: o.flags for v in policy.versions for p in v.programs for o in p.outputs}
        traced = {f for s in trace if s.kind == "output" and s.result is True for f in flags[s.rule]}
        assert sorted(traced) == sorted(decision.flags)
    return decision


SHANTOU = bundled_policies().get("shantou")


def test_a_status_ending_on_the_application_day_still_holds():
    request = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
               "person": {"birth_date": "1970-05-01", "hukou": {"region": "440511", "kind": "urban"},
                          "statuses": [{"kind": "dibao", "since": "2020-01-01", "until": "2021-09-20"}]},
               "parameters": {"individual_premium": "320"}}
    decision = assert_lazy_is_eager(request, SHANTOU)
    assert ("eligible", "dibao") == (decision.outcome, decision.primary_category)


def test_an_enrolment_for_another_year_does_not_fix_the_status_date():
    request = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
               "person": {"birth_date": "1970-05-01", "hukou": {"region": "440511", "kind": "urban"},
                          "statuses": [{"kind": "dibao", "since": "2021-01-10"}],
                          "enrollments": [{"scheme": "resident_medical", "year": 2020, "paid_by": "self",
                                           "paid_on": "2020-01-05"}]},
               "parameters": {"individual_premium": "320"}}
    decision = assert_lazy_is_eager(request, SHANTOU)
    assert ("eligible", "dibao") == (decision.outcome, decision.primary_category)


ENGINE_POLICY = policy_text("""
categories:
  - {id: dibao, clause: 一, label: 低保, label_en: dibao, when: {status: dibao}}
  - {id: both, clause: 二, label: 孤儿且残疾, label_en: orphan with a disability, when: {all: [{status: orphan}, {status: disability}]}}
  - {id: either, clause: 三, label: 女性或分散供养孤儿, label_en: female or dispersed orphan, when: {any: [{sex: female}, {status: {kind: orphan, care: dispersed}}]}}
exclusions:
  - id: early_student
    clause: 四
    label: 身份取得30日内的学生
    label_en: student within 30 days of the status
    when: {all: [{not: {date: {after: {from: status_since, add_days: 30}}}}, {student: true}]}
outputs:
  - {id: mid_or_tekun, clause: 五, label: 年中或分散特困, label_en: mid-year or dispersed tekun, flags: [a],
     when: {any: [{coverage: mid_year}, {status: {kind: tekun, care: dispersed}}]}}
  - {id: tekun, clause: 六, label: 分散特困, label_en: dispersed tekun, flags: [b], when: {status: {kind: tekun, care: dispersed}}}
  - {id: recent, clause: 七, label: 身份取得30日内, label_en: within 30 days of the status, flags: [recent],
     when: {not: {date: {after: {from: status_since, add_days: 30}}}}}
  - id: report
    clause: 八
    label: 身份取得后10日内报送
    label_en: report within 10 days of the status
    deadlines: [{action: report, label: 报送, label_en: report, due: {from: status_since, add_days: 10}}]
""", region="4405", codes="""
flags: {a: {zh: a, en: a}, b: {zh: b, en: b}, recent: {zh: recent, en: recent}}
""")


@pytest.fixture(scope="module")
def engine_policy():
    return compile_policy_text(textwrap.dedent(ENGINE_POLICY), "testville.yaml")


def request_of(statuses):
    return {"city": "testville", "as_of": "2021-09-20", "coverage_year": 2021,
            "person": {"sex": "female", "student": False, "statuses": statuses}}


def test_any_with_a_true_part_is_true_whatever_follows(engine_policy):
    decision = assert_lazy_is_eager(request_of([{"kind": "orphan", "since": "2020-01-01"}]),
                                    engine_policy)
    assert ("eligible", "either") == (decision.outcome, decision.primary_category)


def test_a_shared_condition_reports_its_missing_fact_every_time_it_is_read(engine_policy):
    # {status: {kind: tekun, care: dispersed}} is compiled once and shared: the first read, in an
    # output that decided anyway, must not swallow the missing fact the second read needs
    decision = assert_lazy_is_eager(request_of([{"kind": "dibao", "since": "2020-01-01"},
                                                {"kind": "tekun", "since": "2020-01-01"}]),
                                    engine_policy)
    assert ("eligible", [("flags.b", ["person.statuses[1].care"])]) == (decision.outcome, open_parts(decision))


def test_outputs_reread_a_shared_condition_once_the_primary_status_is_known(engine_policy):
    # the exclusion reads the shared `not: {date: ...status_since...}` before the primary status is
    # known; the output must read it again with the dibao status granted 2020-01-01 (long ago)
    decision = assert_lazy_is_eager(request_of([{"kind": "dibao", "since": "2020-01-01"}]),
                                    engine_policy)
    assert ("eligible", []) == (decision.outcome, [f for f in decision.flags if f == "recent"])


def test_a_date_anchored_on_the_status_that_decided_uses_the_first_part_of_all(engine_policy):
    decision = assert_lazy_is_eager(request_of([
        {"kind": "disability", "grade": 1, "since": "2019-01-01", "certificate_valid_until": "2030-01-01"},
        {"kind": "orphan", "since": "2021-09-01"}]), engine_policy)
    assert ("both", ["a", "recent"]) == (decision.primary_category, decision.flags)
    assert [("report", "2021-09-11")] == [(d.action, d.due.isoformat()) for d in decision.deadlines]


HELD_ON_SHARED_POLICY = policy_text("""
categories:
  - {id: dibao, clause: 一, label: 低保, label_en: dibao, when: {status: dibao}}
  - {id: tekun, clause: 二, label: 特困, label_en: tekun, when: {status: {kind: tekun, care: dispersed}}}
outputs:
  - {id: new, clause: 三, label: 9月1日后新增, label_en: new after 1 September, flags: [new], when: {not: {category: {held_on: 2018-09-01}}}}
  - {id: dibao_now, clause: 四, label: 现为低保, label_en: now dibao, flags: [dibao_now], when: {status: dibao}}
""", region="4405", codes="""
flags: {new: {zh: new, en: new}, dibao_now: {zh: dibao_now, en: dibao_now}}
""")


def test_reading_the_categories_on_another_date_leaves_todays_results_alone():
    policy = compile_policy_text(textwrap.dedent(HELD_ON_SHARED_POLICY), "testville.yaml")
    request = {"city": "testville", "as_of": "2018-10-01", "coverage_year": 2018,
               "person": {"statuses": [{"kind": "dibao", "since": "2018-09-05"},
                                       {"kind": "tekun", "care": "dispersed", "since": "2015-01-01"}]}}
    decision = assert_lazy_is_eager(request, policy)
    assert ("eligible", ["dibao_now"]) == (decision.outcome, decision.flags)


def test_category_held_on_names_the_fact_it_lacked_on_that_date():
    # the tekun status ended before the application, so only the 1 September reading needs its care
    from test_conditions import HELD_BEFORE_POLICY

    policy = compile_policy_text(textwrap.dedent(HELD_BEFORE_POLICY), "testville.yaml")
    decision = evaluate({"city": "testville", "as_of": "2018-10-01", "coverage_year": 2018,
                         "person": {"statuses": [{"kind": "dibao", "since": "2018-09-05"},
                                                 {"kind": "tekun", "since": "2015-01-01", "until": "2018-09-15"}]}},
                        policy)
    assert ("eligible", [("flags.newly_qualified", ["person.statuses[1].care"])]) == (
        decision.outcome, open_parts(decision))


CATEGORY_IN_CATEGORY_POLICY = policy_text("""
categories:
  - {id: dibao, clause: 一, label: 低保, label_en: dibao, when: {status: dibao}}
  - {id: other, clause: 二, label: 特困, label_en: tekun, when: {status: tekun}}
exclusions:
  - {id: excluded, clause: 三, label: 低保或特困, label_en: dibao or tekun, when: {any: [{category: dibao}, {status: tekun}]}}
""", region="4405")


def test_exclusions_reread_a_shared_condition_once_the_categories_are_known():
    policy = compile_policy_text(textwrap.dedent(CATEGORY_IN_CATEGORY_POLICY), "testville.yaml")
    decision = assert_lazy_is_eager({"city": "testville", "as_of": "2018-10-01",
                                     "person": {"statuses": [{"kind": "dibao", "since": "2018-01-01"}]}}, policy)
    assert ("not_eligible", ["exclusions.excluded"]) == (decision.outcome, [r.rule for r in decision.reasons])


def test_an_output_that_reads_an_unknown_category_leaves_its_mark_open():
    policy = compile_policy_text(policy_text("""
categories:
  - {id: dibao, clause: 一, label: 低保, label_en: dibao, when: {status: dibao}}
  - {id: tekun, clause: 二, label: 特困, label_en: tekun, when: {status: {kind: tekun, care: dispersed}}}
outputs:
  - {id: tekun_mark, clause: 三, label: 特困标识, label_en: tekun mark, when: {category: tekun}, flags: [tekun]}
""", region="4405", codes="flags: {tekun: {zh: 特困标识, en: tekun mark}}\n"), "testville.yaml")
    person = {"statuses": [{"kind": "dibao", "since": "2017-01-01"}, {"kind": "tekun", "since": "2017-01-01"}]}
    decision = evaluate({"city": "testville", "as_of": "2018-10-01", "coverage_year": 2018, "person": person},
                        policy)
    # the decision rests on dibao; whether the record carries the tekun mark is unknown, and open
    assert ("eligible", [], [], [("categories.tekun", ["person.statuses[1].care"]),
                                 ("flags.tekun", ["person.statuses[1].care"])]) == (
        decision.outcome, decision.flags, decision.missing, open_parts(decision))

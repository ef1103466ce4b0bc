"""Issue 15 item 3: every code has a Chinese and an English label; a department is a code; a
not-eligible decision has one main reason."""

import json
import lzma
import re
import typing
from itertools import islice
from pathlib import Path

import pytest

from eligibility import Decision, PolicyError, RequestError, bundled_policies, evaluate, labels, loads_policy
from eligibility.contract import LIBRARY_CODES, Subsidy
from eligibility.language import CODE_SECTIONS

from test_conditions import policy_text

CORPUS = Path(__file__).parent / "corpus" / "requests.jsonl.xz"
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{2}")
SHANTOU = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
           "person": {"birth_date": "1970-05-01", "hukou": {"region": "440511", "kind": "urban"},
                      "statuses": [{"kind": "dibao", "since": "2021-01-10"}]},
           "parameters": {"individual_premium": "320"}}


def _both(where: str, zh: str, en: str) -> list[str]:
    """What is wrong with a pair of labels: the Chinese must be Chinese, the English English."""
    problems = []
    if not CJK.search(zh or ""):
        problems.append(f"{where}: no Chinese label ({zh!r})")
    if not LATIN.search(en or "") or en == zh:
        problems.append(f"{where}: no English label ({en!r})")
    return problems


def _every_label(policy) -> list[tuple[str, str, str]]:
    """(where, zh, en) of every label of a policy: its codes, programs, parameters, rules,
    deadlines and benefits."""
    found = [(f"codes.{section}.{code}", label.zh, label.en) for section in CODE_SECTIONS
             for code, label in policy.code_labels(section).items()]
    for version, program in policy.places():
        at = f"{version.id}.{program.name}"
        found.append((at, program.label, program.label_en))
        found += [(f"{at}.parameters.{p.name}", p.label, p.label_en) for p in program.parameters]
        found += [(f"{at}.{rule.name.path}", rule.label, rule.label_en) for rule in program.rules()]
        found += [(f"{at}.defaults.{d.fact}", d.label, d.label_en) for d in program.defaults]
        for output in program.outputs:
            found += [(f"{at}.{output.rule.name.path}.deadlines.{d.action}", d.label, d.label_en)
                      for d in output.deadlines]
            found += [(f"{at}.{output.rule.name.path}.benefits.{b.item}", b.label, b.label_en)
                      for b in output.benefits]
    return found


def test_every_code_of_every_bundled_policy_and_of_the_library_has_both_labels():
    problems, count = [], 0
    for policy in bundled_policies():
        for where, zh, en in _every_label(policy):
            problems += _both(f"{policy.city}: {where}", zh, en)
            count += 1
    for section, table in LIBRARY_CODES.items():
        for code, label in table.items():
            problems += _both(f"library {section}.{code}", label.zh, label.en)
            count += 1
    assert [] == problems
    assert count > 250  # about 120 policy codes, every rule and parameter label, the library's


def test_the_library_labels_every_value_its_fixed_fields_can_take():
    outcome = typing.get_args(Decision.model_fields["outcome"].annotation)
    note = typing.get_args(typing.get_args(Decision.model_fields["benefit_note"].annotation)[0])
    assert set(note) == set(LIBRARY_CODES["benefit_notes"])
    payment = typing.get_args(typing.get_args(Subsidy.model_fields["payment"].annotation)[0])
    premium = typing.get_args(typing.get_args(Subsidy.model_fields["premium_source"].annotation)[0])
    assert (set(outcome), set(payment), set(premium)) == (
        set(LIBRARY_CODES["outcomes"]), set(LIBRARY_CODES["payments"]), set(LIBRARY_CODES["premium_sources"]))


def test_every_code_a_referral_names_is_a_declared_department():
    referring = [(policy.city, rule.id, rule.department) for policy in bundled_policies()
                 for _, program in policy.places() for rule in program.rules() if rule.outcome == "referred"]
    assert referring and all(department in bundled_policies().get(city).code_labels("departments")
                             for city, _, department in referring), referring


def _sample(step: int = 40):
    with lzma.open(CORPUS, "rt", encoding="utf-8") as lines:
        for line in islice(lines, 0, None, step):
            try:
                yield evaluate(json.loads(line), trace=False)
            except RequestError:
                continue


def _carried(decision) -> dict[str, set[str]]:
    """Every code a decision carries, by the section ``labels`` names it in."""
    subsidy = decision.subsidy
    opened = {section: {p.part.split(".", 1)[1] for p in decision.open if p.part.startswith(section + ".")}
              for section in ("flags", "deadlines", "categories")}
    return {
        "outcomes": {decision.outcome}, "categories": {c.id for c in decision.categories} | opened["categories"],
        "flags": set(decision.flags) | opened["flags"],
        "funding_sources": {subsidy.funding_source} if subsidy and subsidy.funding_source else set(),
        "payments": {subsidy.payment} if subsidy and subsidy.payment else set(),
        "departments": {decision.referred_to} if decision.referred_to else set(),
        "deadline_actions": {d.action for d in (*decision.deadlines, *decision.open_deadlines)} | opened["deadlines"],
        "benefit_items": {b.item for b in decision.tier.benefits} if decision.tier else set(),
        "reason_codes": {r.code for r in decision.reasons},
        "decision_parts": {p.part for p in decision.open
                           if p.part.split(".")[0] not in ("flags", "deadlines", "tier", "categories")}
        | {p.part for p in decision.open if p.part == "tier.level"},
    }


def test_labels_name_every_code_a_decision_carries_in_both_languages():
    seen: dict[str, set[str]] = {}
    decisions = 0
    for decision in _sample():
        zh, en = labels(decision, "zh"), labels(decision, "en")
        for section, codes in _carried(decision).items():
            assert codes <= set(zh.get(section, {})) and codes <= set(en.get(section, {})), (section, codes, decision)
            for code in codes:
                assert not _both(f"{section}.{code}", zh[section][code], en[section][code]), (section, code)
            seen.setdefault(section, set()).update(codes)
        decisions += 1
    assert decisions > 500
    # the sample holds every kind of code, referrals and open reasons included
    assert all(seen.get(section) for section in ("outcomes", "categories", "flags", "funding_sources", "payments",
                                                   "departments", "deadline_actions", "benefit_items",
                                                   "reason_codes", "decision_parts")), seen


def test_labels_refuse_an_unknown_language():
    with pytest.raises(ValueError, match="use zh or en"):
        labels(evaluate(SHANTOU, trace=False), "fr")


def test_a_referral_names_its_department_by_code():
    request = {"city": "zhengzhou", "as_of": "2019-11-20", "person": {
        "birth_date": "1970-05-01", "hukou": {"region": "410102", "kind": "rural"},
        "statuses": [{"kind": "entitled_group", "since": "2019-01-01", "key": True}]}}
    decision = evaluate(request, trace=False)
    assert ("referred", "veterans_affairs") == (decision.outcome, decision.referred_to)
    assert {"veterans_affairs": "退役军人事务局"} == labels(decision, "zh")["departments"]
    assert {"veterans_affairs": "Veterans Affairs Bureau"} == labels(decision, "en")["departments"]


# --- located errors ---------------------------------------------------------------------------

def _compile(program: str, codes: str | None = None):
    return loads_policy(policy_text(program, region="4405", codes=codes), file="testville.yaml")


def _issue(program: str, codes: str | None = None):
    with pytest.raises(PolicyError) as caught:
        _compile(program, codes)
    return [(issue.line, issue.code, issue.message) for issue in caught.value.issues]


def test_a_label_without_its_english_is_a_located_error():
    assert [(13, "missing_key", "missing key 'label_en'")] == _issue(  # the category's first line
        "categories:\n  - id: dibao\n    clause: 一\n    label: 低保\n    when: {status: dibao}\n")


def test_a_code_without_its_english_is_a_located_error():
    issues = _issue("categories:\n  - {id: dibao, clause: 一, label: 低保, label_en: dibao, when: {status: dibao}}\n"
                    "outputs:\n  - {id: mark, clause: 一, label: 标识, label_en: mark, flags: [mark]}\n",
                    codes="flags: {mark: {zh: 标识}}\n")
    assert [(5, "missing_key", "missing key 'en'")] == issues  # the `flags:` line


def test_a_department_must_be_a_declared_code():
    program = ("categories:\n  - {id: fp, clause: 一, label: 计生, label_en: family planning, outcome: referred,\n"
               "     department: 卫健委, when: {status: family_planning}}\n")
    # free text is not a code
    assert [(14, "string_pattern_mismatch")] == [(line, code) for line, code, message in _issue(program)
                                                 if "卫健委" in message]
    program = program.replace("卫健委", "health_comission")
    assert [(16, "undeclared_code", "department 'health_comission' is not declared")] == _issue(
        program, codes="departments: {health_commission: {zh: 卫健委, en: Health Commission}}\n")
    policy = _compile(program.replace("comission", "commission"),
                      codes="departments: {health_commission: {zh: 卫健委, en: Health Commission}}\n")
    assert "Health Commission" == policy.code_labels("departments")["health_commission"].en


# --- the main reason ------------------------------------------------------------------------

def test_an_eligible_or_undetermined_decision_has_no_main_reason():
    assert None is evaluate(SHANTOU, trace=False).main_reason
    undetermined = evaluate({**SHANTOU, "person": {**SHANTOU["person"], "statuses": [
        {"kind": "disability", "since": "2021-01-10"}]}}, trace=False)
    assert ("undetermined", None) == (undetermined.outcome, undetermined.main_reason)


def test_a_failed_precondition_is_the_main_reason():
    decision = evaluate({**SHANTOU, "person": {**SHANTOU["person"], "hukou": {"region": "110101", "kind": "urban"}}},
                        trace=False)
    assert ("not_eligible", "preconditions.local_hukou", "precondition_failed") == (
        decision.outcome, decision.main_reason.rule, decision.main_reason.code)


def test_without_a_category_the_main_reason_is_the_first_category_by_priority():
    decision = evaluate({**SHANTOU, "person": {**SHANTOU["person"], "statuses": []}}, trace=False)
    first = bundled_policies().get("shantou").versions[0].programs[0].categories[0]
    assert len(decision.reasons) == 9 and decision.main_reason == decision.reasons[0]
    assert (f"categories.{first.id}", "category_not_met") == (decision.main_reason.rule, decision.main_reason.code)


def test_an_exclusion_outranks_the_categories_and_no_version_outranks_all():
    ranks = {"no_policy_in_force": 0, "enrollment_closed": 0, "precondition_failed": 1, "excluded": 2,
             "category_not_met": 3}
    checked = 0
    for decision in _sample(step=20):
        if decision.outcome in ("eligible", "undetermined") or not decision.reasons:
            assert decision.main_reason is None
            continue
        main = decision.main_reason
        assert main in decision.reasons
        assert ranks[main.code] == min(ranks[r.code] for r in decision.reasons)
        assert main == next(r for r in decision.reasons if ranks[r.code] == ranks[main.code])  # first among equals
        checked += 1
    assert checked > 200


def test_the_main_reason_is_written_in_the_json_and_read_back():
    decision = evaluate({**SHANTOU, "person": {**SHANTOU["person"], "statuses": []}})
    data = json.loads(decision.to_json())
    assert data["main_reason"] == data["reasons"][0]
    assert decision == Decision.model_validate_json(decision.to_json())

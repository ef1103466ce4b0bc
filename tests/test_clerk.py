"""Issue 15 item 4: the clerk's text output: the decision first, only the deciding steps,
Chinese or English, conditions as sentences, missing facts as questions."""

import json
import lzma
import re
from itertools import islice
from pathlib import Path


from eligibility import RequestError, bundled_policies, evaluate, render_text
from eligibility.analysis import reads
from eligibility.cli import locale_lang, main
from eligibility.contract import STATUS_ATTRIBUTES, STATUS_COMMON_FIELDS, parse_request, question
from eligibility.language.kinds import KINDS, describe, sentence, walk

from test_labels import CJK, CORPUS, SHANTOU

ROOT = Path(__file__).parent.parent
# what pseudo-code looks like: a code or path, an offset, a comparison, a list in brackets
PSEUDO = re.compile(r"[a-z]+_[a-z_]+|\+ -?\d+ (days|months|working days)|->|>=|<=|\[\]|\['|person\.|\|")


def _nodes():
    seen = {}
    for policy in bundled_policies():
        for _, program in policy.places():
            for rule in program.rules():
                if rule.condition is not None:
                    for node in walk(rule.condition):
                        seen[node] = None
    return list(seen)


# --- sentences --------------------------------------------------------------------------------

def test_every_condition_of_every_bundled_policy_is_a_sentence_in_both_languages():
    nodes = _nodes()
    assert len(nodes) > 150
    assert [] == [kind.keys for kind in KINDS if not any(isinstance(node, kind.nodes) for node in nodes)]
    for node in nodes:
        zh, en = sentence(node, "zh"), sentence(node, "en")
        assert CJK.search(zh) and not CJK.search(en), (describe(node), zh, en)
        if "category" not in describe(node):  # category ids stand for their labels when none are given
            assert not PSEUDO.search(zh) and not PSEUDO.search(en), (describe(node), zh, en)


def test_the_issues_example_reads_as_a_sentence():
    held = next(n for n in _nodes() if describe(n) == "category any held on coverage_year_start + -1 days")
    assert "在参保年度开始前一日持有任一类别身份" == sentence(held, "zh")
    assert "held any category on the day before the start of the coverage year" == sentence(held, "en")


def test_a_category_test_names_the_categories_it_is_given():
    test = next(n for n in _nodes() if describe(n) == "category severe_disability")
    names = {"severe_disability": "重度残疾人"}
    assert ("属于“重度残疾人”类别", 'is in the category "severe disability"') == (
        sentence(test, "zh", names), sentence(test, "en", {"severe_disability": "severe disability"}))


# --- questions --------------------------------------------------------------------------------

def test_every_fact_a_rule_can_read_has_a_question_in_both_languages():
    paths = {path for policy in bundled_policies() for _, program in policy.places()
             for rule in program.rules() for path in reads(rule.condition)}
    paths |= {f"person.statuses[].{name}" for attributes in STATUS_ATTRIBUTES.values() for name in attributes}
    paths |= {f"person.statuses[].{name}" for name in STATUS_COMMON_FIELDS}
    assert len(paths) > 30
    # a fact the table does not know is asked for by its path
    assert [] == sorted(path for path in paths if (question(path, "zh"), question(path, "en")) in (
        (f"请提供 {path}。", f"Please give {path}."),))
    for path in paths:
        zh, en = question(path, "zh"), question(path, "en")
        assert zh.endswith("？") and CJK.search(zh) and en.endswith("?") and re.match(r"[A-Z][a-z]", en), (path, zh, en)


def test_a_missing_fact_of_a_status_is_asked_about_that_status():
    assert "是否已领取社会保障卡？" == question("person.social_security_card", "zh")
    assert "Does the person hold a social security card?" == question("person.social_security_card", "en")
    request = parse_request({**SHANTOU, "person": {**SHANTOU["person"], "statuses": [
        {"kind": "dibao", "since": "2021-01-10"}, {"kind": "tekun", "since": "2021-01-10"}]}})
    assert "该特困供养是分散供养还是集中供养？" == question("person.statuses[1].care", "zh", request)


# --- the rendered decision -------------------------------------------------------------------

def _sample(step=60):
    with lzma.open(CORPUS, "rt", encoding="utf-8") as lines:
        for line in islice(lines, 0, None, step):
            try:
                yield evaluate(json.loads(line))
            except RequestError:
                continue


def test_the_decision_comes_first_and_only_the_deciding_steps_follow():
    decision = evaluate(SHANTOU)
    zh = render_text(decision, lang="zh").splitlines()
    en = render_text(decision, lang="en").splitlines()
    full = render_text(decision, lang="en", trace="full").splitlines()
    assert ("结论：符合资助条件", "Outcome: eligible for the subsidy") == (zh[0], en[0])
    assert "资金来源：市城乡医疗救助基金" in zh and "Funded by: City urban-rural medical assistance fund" in en
    assert zh.index("决定依据：") > zh.index("资金来源：市城乡医疗救助基金")
    assert len(en) < len(full) and "Every step:" in full and "Decided by:" not in full
    assert len([line for line in full if re.match(r"  [✓✗?] ", line)]) == len(decision.trace)
    assert "Decided by:" not in render_text(decision, lang="en", trace="none")


def test_a_not_eligible_decision_names_its_main_reason_in_words():
    decision = evaluate({**SHANTOU, "person": {**SHANTOU["person"], "hukou": {"region": "110101", "kind": "urban"}}})
    text = render_text(decision, lang="en")
    assert "Main reason: [一] a precondition is not met: Holds a hukou of this city" in text.splitlines()
    assert "  ✗ [一] Holds a hukou of this city" in text.splitlines()
    assert "主要原因：[一] 不符合前提条件：具有本市户籍" in render_text(decision, lang="zh").splitlines()


def test_an_undetermined_decision_asks_its_questions():
    request = parse_request({**SHANTOU, "person": {**SHANTOU["person"], "statuses": [
        {"kind": "tekun", "since": "2021-01-10"}]}})
    text = render_text(evaluate(request), lang="zh", request=request)
    assert "需要补充的信息：\n  - 该特困供养是分散供养还是集中供养？" in text
    assert "person.statuses" not in text


def test_an_open_part_is_named_with_the_question_that_settles_it():
    request = parse_request({"city": "zhengzhou", "as_of": "2019-11-20", "parameters": {"individual_premium": "250"},
                             "person": {"birth_date": "1970-05-01", "hukou": {"region": "410102", "kind": "rural"},
                                        "statuses": [{"kind": "dibao", "since": "2019-01-01"}]}})
    decision = evaluate(request)
    assert "flags.card_to_be_made" in {part.part for part in decision.open}
    lines = render_text(decision, lang="en", request=request).splitlines()
    at = lines.index("Not yet settled (depends on: Does the person hold a social security card?):")
    assert ("  - No social security card: attach a photo, print the confirmation form and send it to the Zhengzhou "
            "human resources and social security bureau data centre for a card") in lines[at + 1:]
    assert "  - Does the person hold a social security card?" in lines


def test_no_rendered_decision_prints_pseudo_code_or_none_in_either_language():
    rendered = 0
    for decision in _sample():
        for lang in ("zh", "en"):
            text = render_text(decision, lang=lang)
            steps = text[text.index("决定依据" if lang == "zh" else "Decided by"):] if decision.trace else ""
            assert "None" not in text and "person." not in text, text
            assert not re.search(r"\+ -?\d+ days|->|>=|\['", steps), steps
        rendered += 1
    assert rendered > 300


def test_the_language_follows_the_locale_unless_asked(capsys):
    assert "zh" == locale_lang({"LANG": "zh_CN.UTF-8"})
    assert "en" == locale_lang({"LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"})
    assert "en" == locale_lang({"LANG": "C.UTF-8"}) == locale_lang({})
    example = str(ROOT / "examples" / "shantou_dibao.yaml")
    assert 0 == main(["evaluate", example, "--lang", "en"])
    assert capsys.readouterr().out.startswith("Outcome: eligible for the subsidy\n")
    assert 0 == main(["evaluate", example, "--lang", "zh", "--trace", "full"])
    out = capsys.readouterr().out
    assert out.startswith("结论：符合资助条件\n") and "全部步骤：" in out

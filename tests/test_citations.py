"""Clause citations are checked against the official texts they cite."""

from pathlib import Path

import pytest

from eligibility.citations import SourceText, check_citations, parse_citation
from eligibility.language import bundled_policy_dir
from eligibility.cli import main

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the official texts are not at {SEEDS} "
                                                            "(clone the repository beside ../shared)")
TEXT = SourceText("""一、资助对象
　　（一）最低生活保障对象；
（二）分散供养的孤儿。
二、办理
（一）全年参保。
1.一般困难群众于9月10日前办理。
2．市福利院对象由机构办理：(1) 登记；(2) 缴费
(二) 中途参保
- 附件：1. 名单
 2. 2018年待遇标准表
附件 1:
名单
2018年待遇标准表
一、住院 大病医疗保险 起赔标准
""")


@pytest.mark.parametrize("citation", ["一", "一(二)", "二(一)2", "二(一)2(2)", "二(二)", "附件1·一",
                                      "附件2·大病医疗保险", "附件 2·一·起赔标准", "（一）"])
def test_citations_whose_markers_occur_in_order_pass(citation):
    assert None is TEXT.locate(parse_citation(citation))


@pytest.mark.parametrize("citation, missing", [
    ("三", "三、"), ("一(三)", "（三）"), ("二(一)3", "3."), ("二(一)1(1)", "(1)"), ("一(二)1", "1."),
    ("附件3·一", "附件3"), ("附件2·门诊", "门诊"), ("附件2·起赔标准·大病医疗保险", "大病医疗保险"),
])
def test_a_missing_or_misplaced_marker_is_named(citation, missing):
    assert missing == TEXT.locate(parse_citation(citation))


def test_prose_is_not_a_citation():
    assert (None, None) == (parse_citation("印发之日起"), parse_citation("昆人社通〔2017〕216号"))


@needs_seeds
@pytest.mark.parametrize("policy", sorted(bundled_policy_dir().glob("*.yaml")), ids=lambda p: p.stem)
def test_every_citation_of_every_bundled_policy_occurs_in_its_text(policy):
    assert [] == [str(issue) for issue in check_citations(policy, SEEDS)]


@needs_seeds
def test_check_with_sources_reports_a_citation_the_text_does_not_have(tmp_path, capsys):
    broken = tmp_path / "shantou.yaml"
    text = (bundled_policy_dir() / "shantou.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("clause: 一(七)", "clause: 一(十)", 1), encoding="utf-8")
    assert 2 == main(["check", str(broken), "--sources", str(SEEDS)])
    err = capsys.readouterr().err
    line = next(i for i, l in enumerate(broken.read_text(encoding="utf-8").splitlines(), 1) if "一(十)" in l)
    assert f"{broken}:{line}:13: clause '一(十)': '（十）' does not occur" in err
    assert 0 == main(["check", str(broken)])  # without --sources the texts are not read


def test_a_section_marker_found_only_in_an_attachment_is_not_in_the_body():
    text = SourceText("一、总则\n附件1:\n二、名单\n")
    assert ("二、", None) == (text.locate(parse_citation("二")), text.locate(parse_citation("附件1·二")))


def _codes(tmp_path, city, old, new):
    path = tmp_path / f"{city}.yaml"
    text = (bundled_policy_dir() / f"{city}.yaml").read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [(issue.code, issue.line) for issue in check_citations(path, SEEDS)]


@needs_seeds
@pytest.mark.parametrize("city, old, new, code", [
    ("shantou", "clause: 一(七)", "clause: 印发之日起", "bad_citation"),              # a rule clause must be a citation
    ("shantou", "basis: 五(三)", "basis: 五(十)", "citation_not_in_text"),            # a window's basis is checked
    ("heshan", "source: 二(一)1}", "source: 二(一)9}", "citation_not_in_text"),       # so is a parameter's source
    ("shantou", "source: 001_6bdf0655c31c43d6.txt", "source: missing.txt", "source_not_found"),
])
def test_each_kind_of_citation_is_checked(tmp_path, city, old, new, code):
    found = _codes(tmp_path, city, old, new)
    line = next(i for i, l in enumerate((tmp_path / f"{city}.yaml").read_text(encoding="utf-8").splitlines(), 1)
                if new in l)
    assert [(code, line)] == found

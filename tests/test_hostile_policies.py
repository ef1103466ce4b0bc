"""Hostile and mistaken policy files: each is refused with file, line, column and a hint."""

import re
from pathlib import Path

import pytest

from eligibility import PolicyError, load_policy
from eligibility.language import compile_policy_text
from eligibility.language import bundled_policy_dir
from eligibility.cli import main

SHANTOU = bundled_policy_dir() / "shantou.yaml"
TEXT = SHANTOU.read_text(encoding="utf-8")
PREMIUM = "            caller_supplied: true\n"


def issues_of(text: str) -> list:
    with pytest.raises(PolicyError) as caught:
        compile_policy_text(text, "shantou.yaml", expected_city="shantou")
    return list(caught.value.issues)


def with_values(values: str) -> str:
    assert PREMIUM in TEXT
    return TEXT.replace(PREMIUM, f"            values: {values}\n", 1)


HOSTILE = {
    "misspelt values": TEXT.replace(PREMIUM, '            vaules: [{from: 2020-01-01, value: "1", source: 一}]\n', 1),
    "amount with a unit": with_values("[{from: 2020-01-01, value: 280元, source: 一}]"),
    "impossible date": TEXT.replace("to: 2025-12-31", "to: 2020-13-01"),
    "duplicate key": TEXT.replace("    effective:\n", "    document: {}\n    effective:\n", 1),
    "python tag": "city: !!python/object/apply:os.system ['true']\n",
    "binary tag": "city: !!binary aGVsbG8=\n",
    "local tag": "city: !shantou x\n",
    "merge key": "a: &x {b: 1}\nc: {<<: *x}\n",
    "deep flow nesting": "city: " + "[" * 1200 + "]" * 1200 + "\n",
    "deep block nesting": "".join("  " * i + f"k{i}:\n" for i in range(60)),
    "control character": "city: \"\x00\"\n",
    "alias bomb": "".join(['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]\n'] + [
        f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9)]),
    "two values from one date": with_values('[{from: 2020-01-01, value: "1", source: 一}, '
                                            '{from: 2020-01-01, value: "2", source: 一}]'),
    "value after the first coverage year": with_values('[{from: 2021-01-01, value: "1", source: 一}]'),
    "years listed out of order": TEXT.replace("coverage_year: {default: as_of_year}",
                                              "coverage_year: {default: as_of_year, years: [2021, 2020]}").replace(
        PREMIUM, '            values: [{from: 2021-01-01, value: "1", source: 一}]\n', 1),
    "window ending before it starts": TEXT.replace("to: 2025-12-31", "to: 2019-12-31"),
    "number where text is expected": TEXT.replace("label: 最低生活保障对象", "label: 5"),
    "list as a key": "[a]: 1\n",
    "not a mapping": "- a\n",
    "empty": "",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_hostile_policy_is_refused_with_a_located_hinted_message(name):
    issues = issues_of(HOSTILE[name])
    for issue in issues:
        assert (issue.file, isinstance(issue.line, int), isinstance(issue.column, int), bool(issue.hint)) == (
            "shantou.yaml", True, True, True), str(issue)


@pytest.mark.parametrize("name, code", [
    ("misspelt values", "unknown_key"), ("amount with a unit", "decimal_parsing"), ("impossible date", "bad_scalar"),
    ("duplicate key", "duplicate_key"), ("python tag", "unsafe_tag"), ("local tag", "unsafe_tag"),
    ("merge key", "merge_key"), ("deep flow nesting", "too_deep"), ("deep block nesting", "too_deep"),
    ("control character", "bad_character"), ("alias bomb", "too_many_nodes"),
    ("two values from one date", "conflicting_values"), ("value after the first coverage year", "parameter_gap"),
    ("years listed out of order", "parameter_gap"), ("window ending before it starts", "bad_window"),
])
def test_each_mistake_has_its_own_code(name, code):
    assert code in {issue.code for issue in issues_of(HOSTILE[name])}


def test_misspelt_values_says_did_you_mean_values():
    issue = issues_of(HOSTILE["misspelt values"])[0]
    assert "did you mean 'values'" in issue.hint


def test_a_gap_between_versions_is_reported():
    second = TEXT[TEXT.index('  - id: "2020"'):].replace('id: "2020"', 'id: "2027"').replace(
        "from: 2020-01-01", "from: 2027-01-01").replace("to: 2025-12-31", "to: null")
    second = re.sub(r"([&*])(\w+)", r"\1\2_2027", second)  # anchors are per file: rename the copy's
    issue = next(i for i in issues_of(TEXT + second) if i.code == "version_gap")
    assert "from 2026-01-01 to 2026-12-31" in issue.message


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from eligibility.loading import MAX_FILE_BYTES

    big = tmp_path / "shantou.yaml"
    with big.open("wb") as handle:  # sparse: the size is there, the bytes are not written
        handle.truncate(MAX_FILE_BYTES + 1)
    monkeypatch.setattr(Path, "open", lambda *a, **k: pytest.fail("read a file over the limit"))
    monkeypatch.setattr(Path, "read_text", lambda *a, **k: pytest.fail("read a file over the limit"))
    with pytest.raises(PolicyError) as caught:
        load_policy(big)
    assert "file_too_large" == caught.value.issues[0].code


def test_a_file_that_is_not_utf8_is_located_at_the_bad_byte(tmp_path):
    bad = tmp_path / "shantou.yaml"
    bad.write_bytes(b"city: shantou\nname: \xff\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(bad)
    assert ("bad_encoding", 2, 7) == (caught.value.issues[0].code, caught.value.line, caught.value.column)


def test_huge_values_are_cut_in_messages():
    text = TEXT.replace('share: "1"', "share: 1" + "0" * 5000)
    assert all(len(str(issue)) < 600 for issue in issues_of(text))


def test_check_exits_2_and_prints_every_hostile_file(tmp_path, capsys):
    for name in ("alias bomb", "deep flow nesting", "control character"):
        (tmp_path / f"{name.replace(' ', '_')}.yaml").write_text(HOSTILE[name], encoding="utf-8")
    assert 2 == main(["check", str(tmp_path)])
    err = capsys.readouterr().err
    assert ["too_many_nodes", "too_deep", "bad_character"] == [
        code for code in ("too_many_nodes", "too_deep", "bad_character") if f"[{code}]" in err]


def test_every_error_code_is_catalogued_in_docs_errors_md():
    import re

    root = Path(__file__).parent.parent
    catalogue = (root / "docs" / "errors.md").read_text(encoding="utf-8")
    source = "\n".join(p.read_text(encoding="utf-8") for p in (root / "src" / "eligibility").rglob("*.py"))
    codes = set(re.findall(r'(?:PolicyIssue|FieldIssue|_YamlRefusal|issue|error|PydanticCustomError)\(\s*'
                           r'(?:[\w.]+ *\+ *\([^)]*\), *|[\w.]+, *|\(\), *|f?"[^"]*", *)?"([a-z_]+)"', source))
    codes |= set(re.findall(r'problems?\.append\(\((?:f?"[^"]*"|path), "([a-z_]+)"', source))
    codes |= set(re.findall(r'issue\(\([^)]*\),\s*"([a-z_]+)"', source))
    codes |= set(re.findall(r'_unknown\("[^"]*", "([a-z_]+)"', source))
    codes |= {"source_not_found", "syntax"}  # raised through variables the patterns above do not follow
    assert {"unknown_key", "duplicate_key", "too_deep", "status_after_as_of", "unknown_parameter"} <= codes
    missing = sorted(code for code in codes if f"`{code}`" not in catalogue)
    assert [] == missing, f"add these codes to docs/errors.md: {missing}"


def test_a_timestamp_tag_on_junk_is_a_located_error():
    issue = next(iter(issues_of(TEXT.replace("issued: null", "issued: !!timestamp junk", 1))))
    assert ("bad_scalar", True) == (issue.code, issue.line is not None)


# --- round two (issue 12): YAML 1.1 surprises, values checked at load ----------------------

@pytest.mark.parametrize("written, code", [
    ("0240", "yaml11_number"), ("4:40", "yaml11_number"), ("0x118", "yaml11_number"), ("2_80", "yaml11_number"),
    ("0o240", "decimal_parsing"), ("-280", "greater_than_equal"), ('"-280"', "greater_than_equal"),
    ('"1e26"', "less_than_equal"), ('"0.000000001"', "decimal_max_places"),
])
def test_a_parameter_value_that_yaml_or_a_typo_would_misread_is_refused(written, code):
    issues = issues_of(with_values(f"[{{from: 2020-01-01, value: {written}, source: 一}}]"))
    assert [code] == [issue.code for issue in issues]
    assert issues[0].hint and issues[0].line is not None


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "Yes", "OFF", "y", "n"])
def test_a_yaml11_boolean_word_is_refused_with_a_hint(word):
    text = TEXT.replace("certificate_valid: true", f"certificate_valid: {word}", 1)
    assert text != TEXT
    issues = issues_of(text)
    assert issues[0].code in ("yaml11_boolean", "bool_type")
    assert "true" in (issues[0].hint or "") + issues[0].message


def test_a_misspelt_program_is_an_error_with_did_you_mean():
    issues = issues_of(TEXT.replace("      resident_medical:\n", "      resident_medicla:\n", 1))
    assert ("unknown_program", True) == (issues[0].code, "did you mean 'resident_medical'" in issues[0].hint)


def test_coverage_years_outside_the_versions_window_are_refused():
    text = TEXT.replace("coverage_year: {default: as_of_year}", "coverage_year: {default: as_of_year, years: [1990]}")
    assert text != TEXT
    assert "coverage_year_outside_window" in [issue.code for issue in issues_of(text)]


def test_an_anchor_defined_twice_names_the_anchor_and_both_places():
    [issue] = issues_of("city: &a shantou\nname: &a x\n")
    assert ("yaml_syntax", 2) == (issue.code, issue.line)
    assert "'a'" in issue.message and "line 1" in issue.message


def test_the_bundled_policies_use_no_yaml11_surprises():
    from eligibility import load_policies

    assert 5 == len(list(load_policies()))


def _calls(function) -> int:
    """How many Python function calls ``function()`` makes: a count, the same on a busy machine."""
    import sys

    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event == "call":
            count += 1
    sys.setprofile(profile)
    try:
        function()
    finally:
        sys.setprofile(None)
    return count


def test_four_thousand_unknown_categories_are_decided_in_linear_time():
    """Work grows with the number of categories, not with its square: counted in calls, not timed."""
    from eligibility import evaluate, loads_policy
    from eligibility.render import render_json

    def policy_of(n):
        categories = "".join(f"          - {{id: c{i}, clause: 一, label: l{i}, label_en: l{i}, "
                             f"when: {{status: {{kind: tekun, care: dispersed}}}}}}\n" for i in range(n))
        return loads_policy('city: testville\nname: t\nregion: "4405"\nversions:\n  - id: "1"\n'
                            "    document: {number: null, title: t, issuers: [x], source: s.txt}\n"
                            "    effective: {from: 2017-01-01, to: null}\n    programs:\n      resident_medical:\n"
                            "        label: l\n        label_en: l\n        categories:\n" + categories,
                            file="testville.yaml")

    request = {"city": "testville", "as_of": "2021-09-20",
               "person": {"birth_date": "1970-01-01", "statuses": [{"kind": "tekun", "since": "2020-01-01"}]}}
    small, large = policy_of(500), policy_of(4000)
    assert "undetermined" == evaluate(request, large, trace=False).outcome
    untraced = [_calls(lambda p=p: evaluate(request, p, trace=False)) for p in (small, large)]
    rendered = [_calls(lambda p=p: render_json(evaluate(request, p))) for p in (small, large)]
    # eight times the categories: about eight times the calls when linear, 64 when quadratic
    assert (True, True) == (untraced[1] < 12 * untraced[0], rendered[1] < 12 * rendered[0]), (untraced, rendered)


@pytest.mark.parametrize("written", ["{a: 1}", "[{a: 1}]", "[[dispersed]]"])
def test_a_status_attribute_written_as_a_mapping_is_a_located_error(written):
    text = TEXT.replace("{status: {kind: tekun, care: dispersed}}", f"{{status: {{kind: tekun, care: {written}}}}}", 1)
    assert text != TEXT
    assert ["bad_value"] == sorted({issue.code for issue in issues_of(text)})


def test_a_lone_surrogate_in_policy_text_is_a_located_bad_character():
    [issue] = issues_of("city: shantou\nname: \ud800\n")
    assert ("bad_character", 2, 7) == (issue.code, issue.line, issue.column)


def test_a_lone_surrogate_in_request_text_is_a_request_error():
    from eligibility import RequestError
    from eligibility.contract import load_request_text

    with pytest.raises(RequestError) as caught:
        load_request_text("city: \udc80\n")
    assert "bad_character" == caught.value.issues[0].code


@pytest.mark.parametrize("year", ["0", "-5", "100000000000000000000"])
def test_a_coverage_year_that_is_no_calendar_year_is_a_located_error(year):
    valued = with_values('[{from: 2020-01-01, value: "1", source: 一}]')
    text = valued.replace("coverage_year: {default: as_of_year}", f"coverage_year: {{default: as_of_year, years: [{year}]}}")
    assert text != valued
    issues = issues_of(text)
    assert issues and all(issue.line is not None for issue in issues)

"""Loading policies: compiled once, every mistake located by file, line and column."""

import re
from pathlib import Path

import pytest

from eligibility import PolicyError, evaluate, load_policies, load_policy
from eligibility.language import bundled_policy_dir

SHANTOU = bundled_policy_dir() / "shantou.yaml"


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    text = SHANTOU.read_text(encoding="utf-8")
    assert old in text
    target = tmp_path / "shantou.yaml"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_every_bundled_policy_loads():
    assert "shantou" in load_policies().cities


def test_misspelt_key_is_located_with_a_suggestion(tmp_path):
    path = broken_copy(tmp_path, "    effective:\n", "    efective:\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    issue = next(i for i in caught.value.issues if i.code == "unknown_key")
    assert line_of(path, "efective:") == issue.line
    assert "did you mean 'effective'" in issue.hint


def test_unknown_status_kind_in_a_condition_is_located(tmp_path):
    path = broken_copy(tmp_path, "{status: {kind: dibao}}", "{status: {kind: dibo}}")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    issue = caught.value.issues[0]
    assert (line_of(path, "kind: dibo}"), "unknown_status_kind") == (issue.line, issue.code)
    assert "did you mean 'dibao'" in issue.hint


def test_amount_with_a_unit_is_refused(tmp_path):
    path = broken_copy(tmp_path, "            caller_supplied: true\n",
                       "            values: [{from: 2020-01-01, value: 280元, source: 一}]\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert any(i.line == line_of(path, "280元") for i in caught.value.issues)


def test_impossible_date_is_refused_at_its_position(tmp_path):
    path = broken_copy(tmp_path, "to: 2025-12-31", "to: 2025-13-31")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    issue = caught.value.issues[0]
    assert line_of(path, "2025-13-31") == issue.line


def test_duplicate_keys_are_refused(tmp_path):
    path = broken_copy(tmp_path, "    effective:\n", "    document: {}\n    effective:\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert "duplicate_key" == caught.value.issues[0].code


def test_parameter_without_value_must_be_declared_caller_supplied(tmp_path):
    path = broken_copy(tmp_path, "            caller_supplied: true\n", "")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert "parameter_without_value" == caught.value.issues[0].code


def test_unknown_category_in_an_output_condition_is_reported(tmp_path):
    path = broken_copy(tmp_path, "- {coverage: full_year}\n", "- {category: dibao_x}\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert "unknown_category" == caught.value.issues[0].code


def test_undeclared_flag_is_reported(tmp_path):
    path = broken_copy(tmp_path, "flags: [enrolled_by_institution]", "flags: [enroled_by_institution]")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert "undeclared_code" == caught.value.issues[0].code


def test_overlapping_versions_are_reported(tmp_path):
    text = SHANTOU.read_text(encoding="utf-8")
    version = text[text.index("  - id: \"2020\""):]
    second = version.replace('id: "2020"', 'id: "2024"').replace("from: 2020-01-01", "from: 2024-01-01")
    second = re.sub(r"([&*])(\w+)", r"\1\2_2024", second)  # anchors are per file: rename the copy's
    target = tmp_path / "shantou.yaml"
    target.write_text(text + second, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(target)
    assert "overlapping_versions" in {i.code for i in caught.value.issues}


def test_alias_bomb_fails_fast(tmp_path):
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [*a{i-1},*a{i-1},*a{i-1},*a{i-1},*a{i-1},*a{i-1},*a{i-1},*a{i-1},*a{i-1},*a{i-1}]"
              for i in range(1, 9)]
    target = tmp_path / "bomb.yaml"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(target)
    assert "too_many_nodes" == caught.value.issues[0].code


def test_python_tags_are_refused(tmp_path):
    target = tmp_path / "evil.yaml"
    target.write_text("city: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(target)
    assert "unsafe_tag" == caught.value.issues[0].code


def test_evaluation_does_not_read_yaml_again(monkeypatch):
    policies = load_policies()
    import yaml

    def refuse(*args, **kwargs):
        raise AssertionError("YAML read during evaluation")

    monkeypatch.setattr(yaml, "SafeLoader", refuse)
    monkeypatch.setattr(yaml, "safe_load", refuse)
    decision = evaluate({"city": "shantou", "as_of": "2021-09-20",
                         "person": {"hukou": {"region": "440511"},
                                    "statuses": [{"kind": "dibao", "since": "2021-01-01"}]}}, policies)
    assert "eligible" == decision.outcome

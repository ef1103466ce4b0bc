import json
from pathlib import Path

import pytest

from eligibility.cli import main

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "shantou_dibao.yaml"


def test_evaluate_prints_a_traced_decision_citing_the_dibao_clause(capsys):
    assert 0 == main(["evaluate", str(EXAMPLE), "--lang", "zh"])
    out = capsys.readouterr().out
    assert "320.00 元" in out and "资金来源：市城乡医疗救助基金" in out and "[一(一)]" in out
    assert "440511197005010022" not in out and "陈某某" not in out


def test_evaluate_json_masks_the_id_number(capsys):
    assert 0 == main(["evaluate", str(EXAMPLE), "--format", "json"])
    out = capsys.readouterr().out
    data = json.loads(out)
    assert "eligible" == data["outcome"]
    assert "4405**********0022" in out and "440511197005010022" not in out


def test_invalid_request_exits_2_with_paths(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("city: shantou\nas_of: 2021-02-30\nperson: {sex: x}\n", encoding="utf-8")
    assert 2 == main(["evaluate", str(bad)])
    err = capsys.readouterr().err
    assert "as_of" in err and "person.sex" in err


def test_check_passes_on_bundled_policies(capsys):
    assert 0 == main(["check"])
    assert "shantou.yaml: ok" in capsys.readouterr().out


def test_check_reports_file_line_column(tmp_path, capsys):
    broken = tmp_path / "shantou.yaml"
    text = (ROOT / "policies" / "shantou.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("clause: 一(一)", "clase: 一(一)", 1), encoding="utf-8")
    assert 2 == main(["check", str(broken)])
    err = capsys.readouterr().err
    line = next(i for i, l in enumerate(broken.read_text(encoding="utf-8").splitlines(), 1) if "clase:" in l)
    assert f"{broken}:{line}:" in err


def test_policies_lists_versions(capsys):
    assert 0 == main(["policies"])
    assert "2020-01-01 – 2025-12-31" in capsys.readouterr().out


def test_published_schemas_match_the_models(tmp_path):
    assert 0 == main(["schema", "--out", str(tmp_path)])
    for name in ("request.json", "decision.json"):
        assert (ROOT / "docs" / "schema" / name).read_text() == (tmp_path / name).read_text()


def test_city_docs_hold_the_rules_generated_from_the_policies(tmp_path):
    from eligibility import bundled_policies
    from eligibility.policy_docs import BEGIN, END, rules_markdown

    for policy in bundled_policies():
        doc = (ROOT / "docs" / "policies" / f"{policy.city}.md").read_text(encoding="utf-8")
        generated = doc[doc.index(BEGIN):doc.index(END) + len(END)]
        assert rules_markdown(policy) == generated, f"run `eligibility docs` to refresh {policy.city}.md"


def test_the_condition_kinds_table_is_generated_from_the_registry():
    from eligibility.language.kinds import KINDS
    from eligibility.policy_docs import END, KINDS_BEGIN, condition_kinds_markdown

    doc = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    generated = doc[doc.index(KINDS_BEGIN):doc.index(END, doc.index(KINDS_BEGIN)) + len(END)]
    assert condition_kinds_markdown() == generated, "run `eligibility docs` to refresh docs/authoring.md"
    for kind in KINDS:
        for key in kind.keys:
            assert f"`{key}:" in generated, key


def test_version_prints_the_library_version(capsys):
    import eligibility

    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert (0, f"eligibility {eligibility.__version__}") == (stopped.value.code, capsys.readouterr().out.strip())


def test_every_option_of_every_command_has_help_and_no_raw_markup(capsys):
    import argparse

    from eligibility.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    undocumented = [f"{name} {'/'.join(action.option_strings) or action.dest}"
                    for name, command in [("", parser), *commands.items()] for action in command._actions
                    if not action.help and not isinstance(action, argparse._SubParsersAction)]
    assert [] == undocumented
    for argv in ([], *([name] for name in commands)):
        with pytest.raises(SystemExit):
            main([*argv, "--help"])
        assert "``" not in capsys.readouterr().out, argv


def test_evaluate_json_without_trace_leaves_the_trace_out(capsys):
    assert 0 == main(["evaluate", str(EXAMPLE), "--format", "json", "--no-trace"])
    data = json.loads(capsys.readouterr().out)
    assert ("trace" in data, data["outcome"]) == (False, "eligible")

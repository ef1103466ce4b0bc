"""Hostile paths and files: devices, symlinks, foreign encodings, unwritable outputs.

Every one is an EligibilityError (exit 2 on the command line) naming the path and what to
do; none is read into memory before its size is known, none ends in a Python traceback.
"""

import os
from pathlib import Path

import pytest

from eligibility import PolicyError, RequestError, load_policy
from eligibility.cli import main
from eligibility.language import bundled_policy_dir

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "shantou_dibao.yaml"
SHANTOU_TEXT = (bundled_policy_dir() / "shantou.yaml").read_text(encoding="utf-8")
REQUEST = "city: shantou\nas_of: 2021-09-20\nperson: {name: 陈某某, birth_date: 1970-05-01}\n"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture
def zero_link(tmp_path):
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    return link


@pytest.mark.parametrize("name", ["/dev/zero", "link"])
def test_a_request_path_that_is_a_device_is_refused_before_it_is_read(capsys, zero_link, name):
    path = str(zero_link) if name == "link" else name
    code, _, err = run(capsys, "evaluate", path)
    assert (2, True) == (code, "not_a_file" in err and path in err)


def test_a_policy_symlink_to_a_device_is_refused(zero_link):
    with pytest.raises(PolicyError) as caught:
        load_policy(zero_link)
    assert "not_a_file" == caught.value.issues[0].code


def test_a_request_file_over_the_limit_is_refused_before_it_is_read(tmp_path, capsys, monkeypatch):
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(2 * 1024 * 1024)
    monkeypatch.setattr(Path, "read_text", lambda *a, **k: pytest.fail("read a file over the limit"))
    code, _, err = run(capsys, "evaluate", str(big))
    assert (2, True) == (code, "request_too_large" in err)


@pytest.mark.parametrize("encoding, shown", [("gbk", "GB"), ("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"),
                                             ("utf-32", "UTF-32")])
def test_a_request_file_in_another_encoding_names_the_encoding(tmp_path, capsys, encoding, shown):
    request = tmp_path / "request.yaml"
    request.write_bytes(REQUEST.encode(encoding))
    code, _, err = run(capsys, "evaluate", str(request))
    assert (2, True, True) == (code, "bad_encoding" in err, shown in err)
    assert "陈某某" not in err


@pytest.mark.parametrize("encoding, shown", [("gbk", "GB"), ("utf-16", "UTF-16")])
def test_a_policy_file_in_another_encoding_names_the_encoding(tmp_path, encoding, shown):
    policy = tmp_path / "shantou.yaml"
    policy.write_bytes(SHANTOU_TEXT.encode(encoding))
    with pytest.raises(PolicyError) as caught:
        load_policy(policy)
    issue = caught.value.issues[0]
    assert ("bad_encoding", True) == (issue.code, shown in issue.message)


def test_a_utf8_byte_order_mark_is_read_as_utf8(tmp_path):
    policy = tmp_path / "shantou.yaml"
    policy.write_bytes(b"\xef\xbb\xbf" + SHANTOU_TEXT.encode("utf-8"))
    assert "shantou" == load_policy(policy).city


def test_a_case_file_in_gbk_is_a_located_error(tmp_path, capsys):
    cases = tmp_path / "x.cases.yaml"
    cases.write_bytes("policy: shantou\ncases: []\n# 汕头\n".encode("gbk"))
    code, _, err = run(capsys, "test", str(cases))
    assert (2, True) == (code, "bad_encoding" in err)


@pytest.mark.parametrize("argv", [["schema", "--out", "/proc/x"], ["docs", "--out", "/proc/x"],
                                  ["test", "/nonexistent.cases.yaml"], ["test", "/nonexistent/"],
                                  ["check", "/nonexistent.yaml"], ["policies", "--policies", "/nonexistent"]])
def test_every_path_error_exits_2_with_a_message(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert (2, True) == (code, "/nonexistent" in err or "/proc/x" in err)


def test_an_output_directory_that_is_a_file_exits_2(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    code, _, err = run(capsys, "schema", "--out", str(target))
    assert (2, True) == (code, str(target) in err)


def test_an_unknown_policy_directory_is_named(capsys):
    code, _, err = run(capsys, "evaluate", str(EXAMPLE), "--policies", "/nonexistent")
    assert (2, True) == (code, "/nonexistent" in err)


def _policy_with_source(tmp_path, source):
    policy = tmp_path / "shantou.yaml"
    policy.write_text(SHANTOU_TEXT.replace("source: 001_6bdf0655c31c43d6.txt", f"source: {source}"),
                      encoding="utf-8")
    assert policy.read_text(encoding="utf-8") != SHANTOU_TEXT
    return policy


def test_check_sources_with_a_seed_that_is_not_utf8_is_a_located_error(tmp_path, capsys):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "001_6bdf0655c31c43d6.txt").write_bytes("一、汕头".encode("gbk"))
    policy = tmp_path / "shantou.yaml"
    policy.write_text(SHANTOU_TEXT, encoding="utf-8")
    code, _, err = run(capsys, "check", str(policy), "--sources", str(seeds))
    assert (2, True, True) == (code, "bad_encoding" in err, f"{policy}:" in err)


@pytest.mark.parametrize("source", ["../../../../bin/ls", "/bin/ls", "sub/../../x.txt"])
def test_check_sources_refuses_a_seed_outside_the_sources_directory(tmp_path, capsys, source):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    policy = _policy_with_source(tmp_path, source)
    code, _, err = run(capsys, "check", str(policy), "--sources", str(seeds))
    assert (2, True) == (code, "source_not_found" in err and f"{policy}:" in err)


def test_a_json_request_file_is_strict_json(tmp_path, capsys):
    request = tmp_path / "request.json"
    request.write_text('{"city": "shantou", "as_of": "2021-09-20", "person": {"birth_date": "1970-05-01"},}',
                       encoding="utf-8")
    code, _, err = run(capsys, "evaluate", str(request))
    assert (2, True) == (code, "syntax" in err and "JSON" in err)


def test_a_request_read_from_a_fifo_is_refused(tmp_path, capsys):
    fifo = tmp_path / "request.yaml"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "evaluate", str(fifo))
    assert (2, True) == (code, "not_a_file" in err)


def test_request_errors_are_request_errors_in_python(tmp_path):
    from eligibility.contract import load_request_file

    request = tmp_path / "request.yaml"
    request.write_bytes(REQUEST.encode("utf-16"))
    with pytest.raises(RequestError) as caught:
        load_request_file(request)
    assert "bad_encoding" == caught.value.issues[0].code

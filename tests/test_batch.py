"""``eligibility batch``: JSONL, CSV and Parquet in and out, the same decisions whatever the
formats, bad records as error rows in their place, a summary without anybody's data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from eligibility import RecordError, bundled_policies, evaluate_many
from eligibility import batch
from eligibility.batch import write_population
from eligibility.cli import main
from eligibility.columnar import ColumnarResult, decision_row, error_row

EXAMPLE = Path(__file__).parent.parent / "examples" / "shantou_register.csv"
GOOD = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
        "person": {"id_number": "440511197005010022", "name": "陈某某", "hukou": {"region": "440511", "kind": "urban"},
                   "statuses": [{"kind": "dibao", "since": "2021-01-10"}]},
        "parameters": {"individual_premium": "320"}}
OTHER = {"city": "zhengzhou", "as_of": "2020-03-01",
         "person": {"birth_date": "1950-01-01", "hukou": {"region": "410102", "kind": "rural"},
                    "statuses": [{"kind": "tekun", "since": "2020-01-01", "care": "dispersed"}]}}
BAD = {**GOOD, "as_of": "2021-02-30"}


pytestmark = pytest.mark.usefixtures("arrow_allocator_kept")


def _scalar(population: list) -> list[dict]:
    return [error_row(i, r.issues) if isinstance(r, RecordError) else decision_row(i, r)
            for i, r in enumerate(evaluate_many(population))]


def _read(path: Path) -> list[dict]:
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    import csv
    return list(csv.DictReader(path.open(encoding="utf-8")))


@pytest.mark.parametrize("source", ["jsonl", "csv", "parquet"])
def test_every_input_format_gives_the_scalar_decisions(tmp_path, source, capsys):
    population = [GOOD, OTHER, GOOD] * 3
    given = tmp_path / f"in.{source}"
    write_population(population, given)
    out = tmp_path / "out.parquet"
    assert 0 == main(["batch", str(given), "--out", str(out), "--summary", str(tmp_path / "summary.json")])
    assert _scalar(population) == _read(out)
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert 9 == sum(summary["outcomes"].values()) and 0 == summary["rejected"]
    err = capsys.readouterr().err
    assert "records: 9" in err and "decided" not in err.split("\n")[0]


@pytest.mark.parametrize("target", ["jsonl", "csv"])
def test_every_output_format_holds_the_same_rows(tmp_path, target):
    given = tmp_path / "in.jsonl"
    given.write_text(json.dumps(GOOD) + "\n" + json.dumps(BAD) + "\n{not json\n", encoding="utf-8")
    assert 0 == main(["batch", str(given), "--out", str(tmp_path / "out.parquet")])
    assert 0 == main(["batch", str(given), "--out", str(tmp_path / f"out.{target}")])
    typed = _read(tmp_path / "out.parquet")
    rows = _read(tmp_path / f"out.{target}")
    assert [0, 1, 2] == [int(row["record"]) for row in rows]
    assert ["eligible", None, None] == [row["outcome"] or None for row in rows]
    assert "320.00" == str(rows[0]["subsidy_amount"]) == str(typed[0]["subsidy_amount"])
    errors = [json.loads(row["errors"]) if isinstance(row["errors"], str) else row["errors"] for row in rows]
    assert [("as_of", "date_from_datetime_parsing")] == [(e["path"], e["code"]) for e in errors[1]]
    assert ["invalid_json"] == [e["code"] for e in errors[2]]


def test_the_example_register_has_two_error_rows_and_no_id_or_name_in_the_summary(tmp_path, capsys):
    out = tmp_path / "decisions.csv"
    assert 0 == main(["batch", str(EXAMPLE), "--out", str(out), "--summary", str(tmp_path / "s.json")])
    rows = _read(out)
    assert 10_000 == len(rows)
    assert [17, 4242] == [int(r["record"]) for r in rows if r["errors"] != "[]"]
    shown = capsys.readouterr().err + (tmp_path / "s.json").read_text(encoding="utf-8")
    assert "rejected: 2" in shown and "某" not in shown and "4405" not in shown


def test_the_batch_command_takes_arrow_memory_from_the_c_library_unless_told_otherwise(tmp_path, monkeypatch):
    others = [name for name in pa.supported_memory_backends() if name != "system"]
    if not others:
        pytest.skip("this pyarrow has no allocator but the C library's")
    other = others[0]
    given = tmp_path / "in.jsonl"
    given.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    pa.set_memory_pool(getattr(pa, f"{other}_memory_pool")())
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", other)   # told: the command keeps it
    assert 0 == main(["batch", str(given), "--out", str(tmp_path / "kept.parquet")])
    assert (other, other) == (pa.default_memory_pool().backend_name, os.environ["ARROW_DEFAULT_MEMORY_POOL"])
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL")          # not told: the C library's
    assert 0 == main(["batch", str(given), "--out", str(tmp_path / "out.parquet")])
    assert "system" == pa.default_memory_pool().backend_name
    assert "system" == os.environ["ARROW_DEFAULT_MEMORY_POOL"]   # for Arrow's C++, read before pyarrow starts


@pytest.mark.parametrize("command", ["batch", "impact"])
def test_the_population_commands_choose_the_allocator_before_pyarrow_allocates(tmp_path, command):
    """Arrow takes its default pool from the environment when pyarrow is imported, and a
    pool set later from Python leaves some of Arrow's own allocations on it: `eligibility
    batch` and `impact` name it before pyarrow is imported, so pyarrow's default allocator is
    never used."""
    if "mimalloc" not in pa.supported_memory_backends():
        pytest.skip("this pyarrow has no mimalloc to stay away from")
    given = tmp_path / "in.jsonl"
    given.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    reforms = Path(__file__).parent / "reforms"
    args = {"batch": ["batch", str(given), "--out", str(tmp_path / "out.parquet")],
            "impact": ["impact", "shantou", str(reforms / "shantou_premium_380.yaml"), "--population",
                       str(reforms / "population.jsonl"), "--format", "json"]}[command]
    probe = ("import sys, json; from eligibility.cli import main; main(json.loads(sys.argv[1])); "
             "import pyarrow as pa; print(pa.default_memory_pool().backend_name, pa.mimalloc_memory_pool().max_memory(), "
             "pa.system_memory_pool().max_memory() > 0, file=sys.stderr)")
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    shown = subprocess.run([sys.executable, "-c", probe, json.dumps(args)], env=env,
                           capture_output=True, text=True, check=True).stderr.split()[-3:]
    assert shown == ["system", "0", "True"]


def test_chunk_summaries_merge_into_the_summary_of_the_whole():
    first = {"records": 3, "outcomes": {"eligible": 2, "not_eligible": 1}, "rejected": 1,
             "subsidy_by_funding_source": {"medical_assistance_fund": "320.00"}, "scalar_fallback": 1,
             "fallback_reasons": {"may be invalid": 1}}
    second = {"records": 4, "outcomes": {"undetermined": 1, "eligible": 3}, "rejected": 0,
              "subsidy_by_funding_source": {"welfare_lottery_fund": "10.50", "medical_assistance_fund": "0.05"},
              "scalar_fallback": 2, "fallback_reasons": {"may be invalid": 1, "a closing hour on the closing day": 1}}
    assert ColumnarResult.merged([first, second]) == {
        "records": 7, "outcomes": {"eligible": 5, "not_eligible": 1, "undetermined": 1}, "rejected": 1,
        "subsidy_by_funding_source": {"medical_assistance_fund": "320.05", "welfare_lottery_fund": "10.50"},
        "scalar_fallback": 3, "fallback_reasons": {"may be invalid": 2, "a closing hour on the closing day": 1}}
    assert ColumnarResult.merged([]) == {"records": 0, "outcomes": {}, "rejected": 0, "subsidy_by_funding_source": {},
                                         "scalar_fallback": 0, "fallback_reasons": {}}
    merged = ColumnarResult.merged([second])   # (a dict compares equal whatever its order: the order asserted)
    assert list(merged["outcomes"]) == ["eligible", "undetermined"]
    assert list(merged["subsidy_by_funding_source"]) == ["medical_assistance_fund", "welfare_lottery_fund"]


def test_the_jsonl_shape_has_a_parameters_field_where_no_policy_declares_one():
    """A request may send ``parameters`` to a policy declaring none (the contract then refuses
    each name at its path): the reader's shape must hold the field, or it would refuse the block."""
    from types import SimpleNamespace

    from eligibility._jsonl import json_schema
    bare = SimpleNamespace(places=lambda: [(None, SimpleNamespace(parameters=()))])
    schema = json_schema([bare])
    assert pa.struct([]) == schema.field("parameters").type
    assert "individual_premium" in [f.name for f in json_schema(bundled_policies()).field("parameters").type]


def test_an_unknown_format_or_a_missing_file_exits_2(tmp_path, capsys):
    given = tmp_path / "in.jsonl"
    given.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    assert 2 == main(["batch", str(given), "--out", str(tmp_path / "out.xlsx")])
    assert 2 == main(["batch", str(tmp_path / "absent.jsonl"), "--out", str(tmp_path / "out.csv")])
    assert "unknown format" in capsys.readouterr().err


@pytest.mark.parametrize("source", ["jsonl", "parquet", "csv"])
@pytest.mark.parametrize("target", ["parquet", "csv", "jsonl"])
def test_a_file_decided_in_chunks_reads_and_writes_as_one(tmp_path, monkeypatch, source, target):
    """A Parquet file is read a chunk at a time and every output written a chunk at a time
    (memory of one chunk): the rows, their record numbers and the summary are those of the
    file decided as one."""
    from eligibility import batch
    population = [GOOD, OTHER, BAD, GOOD, OTHER] * 5
    given = tmp_path / f"in.{source}"
    write_population(population, given)
    whole = batch.run(given, tmp_path / f"whole.{target}", bundled_policies())
    monkeypatch.setattr(batch, "SLICE_ROWS", 4)   # 25 records: seven chunks (JSONL: blocks of about four)
    told: list[int] = []
    chunked = batch.run(given, tmp_path / f"chunked.{target}", bundled_policies(), progress=told.append)
    assert whole == chunked and 25 == chunked["records"] and 5 == chunked["rejected"]
    assert _read(tmp_path / f"whole.{target}") == _read(tmp_path / f"chunked.{target}")
    assert 25 == told[-1] and told == sorted(told) and len(set(told)) >= (5 if source == "jsonl" else 7)
    if (source, target) == ("jsonl", "parquet"):   # (Parquet cannot hold the bad date 2021-02-30 as it was sent)
        assert _scalar(population) == _read(tmp_path / f"chunked.{target}")


def test_jsonl_blocks_read_narrow_widen_for_new_fields_and_fall_back_alone(tmp_path, monkeypatch):
    """A JSONL file is read in blocks with the request's shape narrowed to the fields used so
    far: a later block with new fields (a name, a care arrangement, a coverage year) is read
    whole and decided as the scalar path decides it, and a line with a null sends its own
    block line by line, not the file."""
    from eligibility import batch
    plain = {"city": "shantou", "as_of": "2021-09-20",
             "person": {"id_number": "440511197005010022", "hukou": {"region": "440511", "kind": "urban"},
                        "statuses": [{"kind": "dibao", "since": "2021-01-10"}]}}
    population = [plain] * 12 + [OTHER, GOOD] * 4 + [{**plain, "program": None}] + [plain] * 8
    given = tmp_path / "in.jsonl"
    write_population(population, given)
    monkeypatch.setattr(batch, "SLICE_ROWS", 4)
    from eligibility import _jsonl
    by_lines: list[int] = []
    loaded = batch.loaded
    monkeypatch.setattr(batch, "loaded", lambda lines: by_lines.append(len(lines)) or loaded(lines))
    shapes: list[set] = []
    parsed = _jsonl.JsonShape._parsed
    monkeypatch.setattr(_jsonl.JsonShape, "_parsed",
                        lambda self, block, schema: shapes.append(set(schema.names)) or parsed(self, block, schema))
    batch.run(given, tmp_path / "out.parquet", bundled_policies())
    assert _scalar(population) == _read(tmp_path / "out.parquet")
    assert 1 == len(by_lines) and by_lines[0] < 8          # the null's block alone, line by line
    assert {"city", "as_of", "person"} == shapes[1]         # narrowed after the first block
    # widened: a later block is read with the narrow shape grown by the new fields (not the whole one)
    assert {"city", "as_of", "person", "coverage_year", "parameters"} in shapes[2:]



def test_jsonl_records_are_its_lines_whatever_pyarrow_makes_of_a_block(tmp_path, monkeypatch):
    """One request a line: a line of two objects and an object over two lines are error rows
    in their places (pyarrow's reader would take them as two and one), blank lines are not
    records, every line is numbered in order across blocks, and a block with no person in it
    (the narrowed shape then has none) is refused line by line, not a crash."""
    from eligibility import batch
    good = json.dumps(GOOD)
    lines = ([json.dumps({"city": "shantou", "as_of": "2021-09-20"})] * 6 + [good] * 5 + [good + " " + good]
             + [good] * 3 + ["", '{"city": "shantou",', '"as_of": "2021-09-20"}'] + [good] * 6 + ["   "] + [good] * 2
             + ["null"] + [good] * 3)   # a bare null: pyarrow 26's reader crashes on it, so it never sees one
    given = tmp_path / "in.jsonl"
    given.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(batch, "SLICE_ROWS", 4)
    monkeypatch.setattr(batch, "CHUNK", 2)   # lines read one by one are decided two at a time
    by_lines: list[int] = []
    loaded = batch.loaded
    monkeypatch.setattr(batch, "loaded", lambda some: by_lines.append(len(some)) or loaded(some))
    summary = batch.run(given, tmp_path / "out.jsonl", bundled_policies())
    assert by_lines and max(by_lines) <= 2
    rows = _read(tmp_path / "out.jsonl")
    requests = [line for line in lines if line.strip()]
    assert list(range(len(requests))) == [r["record"] for r in rows] and summary["records"] == len(requests)
    codes = [[e["code"] for e in r["errors"]] for r in rows]
    assert all(codes[i] == ["missing"] for i in range(6))
    assert [11, 15, 16] == [i for i, c in enumerate(codes) if c == ["invalid_json"]]
    assert codes[25] and codes[25] != ["invalid_json"]   # JSON, but not a request: refused by the contract
    decided = [i for i, c in enumerate(codes) if not c]
    assert [r["outcome"] for r in _scalar([GOOD] * len(decided))] == [rows[i]["outcome"] for i in decided]


def test_a_jsonl_block_whose_counts_agree_by_chance_is_still_read_line_by_line(tmp_path, monkeypatch):
    """A line of two objects beside a blank line, or beside an object over two lines, leaves
    as many line ends as pyarrow finds objects: the block is still read one line at a time,
    each of those lines an error row in its place, with \\n or \\r\\n line ends. A clean block
    with \\r\\n line ends is taken as pyarrow read it, not line by line."""
    good = json.dumps(GOOD)
    over_two = good.replace(', "as_of"', ',\n"as_of"', 1)   # one request, a person and all, over two lines
    after_brace = good.replace('}, "statuses"', '}\n, "statuses"', 1)   # a line break right after a nested }
    brace_next = good.replace('"person": {', '"person":\n{', 1)          # a second line that starts with {
    twice = good + " " + good
    given, out = tmp_path / "in.jsonl", tmp_path / "out.parquet"
    by_lines: list[int] = []
    loaded = batch.loaded
    monkeypatch.setattr(batch, "loaded", lambda some: by_lines.append(len(some)) or loaded(some))
    for text, refused in (("\n".join([good, "", twice, good]) + "\n", [1]),
                          ("\n".join([twice, over_two, good]) + "\n", [0, 1, 2]),
                          ("\n".join([twice, after_brace, good]) + "\n", [0, 1, 2]),
                          ("\n".join([twice, brace_next, good]) + "\n", [0, 1, 2]),
                          ("\n" + twice, [0]),   # a blank first line, no line end at the last
                          ("\r\n".join([good, "", twice, good]) + "\r\n", [1]),
                          ("\r\n".join([good, good, good]) + "\r\n", [])):
        by_lines.clear()
        given.write_bytes(text.encode("utf-8"))
        summary = batch.run(given, out, bundled_policies())
        rows = _read(out)
        texts = [line for line in text.splitlines() if line.strip()]
        assert summary["records"] == len(rows) == len(texts)
        assert refused == [r["record"] for r in rows if [e["code"] for e in r["errors"]] == ["invalid_json"]]
        assert all(r["outcome"] == "eligible" for r in rows if r["record"] not in refused)
        assert bool(by_lines) == bool(refused)   # read line by line exactly where a line is refused
    from eligibility._jsonl import Text   # the lines counted without splitting them, \\r\\n or \\n
    counted = {text: Text(text, 0, len(text))._lines_between_braces()
               for text in (b"{}\r\n{}\r\n", b"{}\n{}", b"{}\r{}\n", b"{}\n\n{}\n", b"{} \n{}\n", b"{}\r\n\r\n")}
    assert list(counted.values()) == [2, 2, None, None, None, None]


def _with_null(pair: tuple[dict, str]) -> dict:
    request, where = pair
    if where in ("name", "statuses"):
        return {**request, "person": {**request["person"], where: None}}
    return {**request, where: None}


def _lines_of(request: dict, shape: str) -> str:
    text = json.dumps(request, ensure_ascii=False)
    return {"line": text, "indented": json.dumps(request, ensure_ascii=False, indent=1), "twice": text + " " + text}[shape]


@pytest.fixture(scope="module")
def jsonl_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("jsonl")


def test_a_jsonl_file_is_decided_as_its_lines_one_by_one(jsonl_folder, monkeypatch):
    """The block reader (pyarrow with narrowed shapes, a block's fallback line by line, blocks
    decided in threads) against reading each non-blank line on its own, as `eligibility
    evaluate` would: requests drawn for every city, some with a null where the contract allows
    one or refuses it, some over several lines or two on a line, blank lines and lines that
    are not JSON, in blocks of about four records. Row for row, the same decisions and errors."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from eligibility import batch
    from eligibility.testing import from_request_schema
    monkeypatch.setattr(batch, "SLICE_ROWS", 4)
    request = from_request_schema()
    line = st.one_of(
        st.tuples(request, st.sampled_from(["line", "line", "line", "indented", "twice"])).map(lambda p: _lines_of(*p)),
        st.tuples(request, st.sampled_from(["program", "coverage_year", "person", "name", "statuses"]))
        .map(_with_null).map(json.dumps),
        st.sampled_from(["", "   ", "{not json", "[]", "null", "{}"]))

    @settings(max_examples=20, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(line, min_size=1, max_size=24), request, st.integers(0, 24), st.integers(0, 24))
    def check(lines, one, at, other):
        # every file holds two objects on a line, a blank line beside them (as many line ends as
        # objects: a count alone is fooled) and a request without a person, which pyarrow would
        # take as it finds them, wherever its blocks are otherwise clean
        lines = list(lines)
        lines.insert(at % (len(lines) + 1), _lines_of(one, "twice"))
        lines.insert(at % (len(lines) + 1), "")
        lines.insert(other % (len(lines) + 1), json.dumps({k: v for k, v in one.items() if k != "person"}))
        given_file = jsonl_folder / "in.jsonl"
        given_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        summary = batch.run(given_file, jsonl_folder / "out.parquet", bundled_policies())
        rows = _read(jsonl_folder / "out.parquet")
        texts = [text for text in "\n".join(lines).splitlines() if text.strip()]
        parsed: list = []
        not_json = object()
        for text in texts:
            try:
                parsed.append(json.loads(text))
            except ValueError:
                parsed.append(not_json)
        assert len(texts) == len(rows) == summary["records"]
        expected = _scalar([{} if p is not_json else p for p in parsed])
        for index, (want, got, p) in enumerate(zip(expected, rows, parsed)):
            if p is not_json:
                assert ["invalid_json"] == [e["code"] for e in got["errors"]] and index == got["record"]
            else:
                assert want == got

    check()



def test_a_jsonl_line_that_is_not_utf8_or_nested_too_deep_is_an_error_row_in_its_place(tmp_path):
    """Bytes that are not UTF-8 inside a text (pyarrow's reader lets them into its table) and a
    line nested deeper than the JSON parser goes are each an error row in their place, as
    `eligibility evaluate` would refuse them; the batch goes on."""
    from eligibility import batch
    good = json.dumps(GOOD, ensure_ascii=False).encode()
    # two files: in one block with the deep line, the bytes would go line by line whatever the check
    for lines, bad in (([good, good.replace("陈某某".encode(), b"\xff\xfe"), good,
                         good.replace(b'"shantou"', b'"shan\xfftou"'), good], [1, 3]),
                       ([good, b"[" * 100_000 + b"]" * 100_000, good], [1])):
        given = tmp_path / "in.jsonl"
        given.write_bytes(b"\n".join(lines) + b"\n")
        summary = batch.run(given, tmp_path / "out.parquet", bundled_policies())
        rows = _read(tmp_path / "out.parquet")
        assert list(range(len(lines))) == [r["record"] for r in rows] and len(bad) == summary["rejected"]
        assert [["invalid_json"] if i in bad else [] for i in range(len(lines))] == [
            [e["code"] for e in r["errors"]] for r in rows]

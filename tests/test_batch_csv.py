"""``eligibility batch`` on CSV: the rows turned into the column layout with array operations,
their JSON cells read by pyarrow, against the reference that reads one row at a time
(``_csv.request``, each cell as ``eligibility impact`` reads it) and decides it with the
scalar evaluator. Row for row, the same decisions and the same errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility import RecordError, bundled_policies, evaluate_many
from eligibility import _csv, batch
from eligibility.columnar import decision_row, error_row
from eligibility.testing import from_request_schema, requests

pq = pytest.importorskip("pyarrow.parquet")
pytestmark = pytest.mark.usefixtures("arrow_allocator_kept")

GOOD = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
        "person": {"id_number": "440511197005010022", "name": "陈某某", "hukou": {"region": "440511", "kind": "urban"},
                   "statuses": [{"kind": "dibao", "since": "2021-01-10"}]},
        "parameters": {"individual_premium": "320"}}


def _cells(request: dict) -> dict[str, str]:
    """A request mapping as CSV cells named by the layout's paths (a value of another type, or
    a field the layout lacks, written as it is: the reader must leave it to the scalar path)."""
    cells: dict[str, str] = {}

    def put(name: str, value: object) -> None:
        if value is None:
            cells[name] = ""
        elif isinstance(value, bool):
            cells[name] = "true" if value else "false"
        elif isinstance(value, (dict, list)):
            cells[name] = json.dumps(value, ensure_ascii=False)
        else:
            cells[name] = str(value)

    for key, value in request.items():
        if key in ("person", "choices", "parameters") and isinstance(value, dict):
            for inner, item in value.items():
                if key == "person" and inner == "hukou" and isinstance(item, dict):
                    for leaf, text in item.items():
                        put(f"person.hukou.{leaf}", text)
                else:
                    put(f"{key}.{inner}", item)
        else:
            put(key, value)
    return cells


def _write(rows: list[dict[str, str]], path: Path, header: list[str] | None = None) -> None:
    names = header or sorted({name for row in rows for name in row})
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(names)
        for row in rows:
            writer.writerow([row.get(name, "") for name in names])


_REQUEST = _csv.request   # the reference, whatever a test counts of the reader's calls


def _reference(path: Path) -> list[dict]:
    """Each row read by Python's csv module (the header: the first line that is not blank), as
    ``_csv.request`` takes it, decided by the scalar evaluator."""
    with open(path, encoding="utf-8-sig", newline="") as file:
        rows = (row for row in csv.reader(file) if row)
        header = next(rows, [])
        mappings = [_REQUEST({k: (v if v != "" else None) for k, v in zip(header, row)}) for row in rows]
    return [error_row(i, r.issues) if isinstance(r, RecordError) else decision_row(i, r)
            for i, r in enumerate(evaluate_many(mappings))]


def _batch(path: Path, out: Path, summary: dict | None = None) -> list[dict]:
    found = batch.run(path, out, bundled_policies())
    rows = pq.read_table(out).to_pylist()
    assert found["records"] == len(rows)
    if summary is not None:
        summary.update(found)
    return rows


# cells the arrays cannot take as the reference does: each row holding one is decided from its mapping
ODD = [("person.hukou.kind", "NA"), ("person.hukou.kind", "null"), ("coverage_year", "--5"),
       ("coverage_year", "+2021"), ("coverage_year", "99999999999999999999"), ("person.student", "1"),
       ("person.student", "True"), ("choices.tier", "٣"),
       ("person.statuses", '[{"kind": "dibao", "since": "2021-01-10", "until": null}]'),
       ("person.statuses", '[{"kind": "entitled_group", "since": "2021-01-10", "class": null}]'),
       ("person.statuses", '[{"kind": "dibao",\n "since": "2021-01-10"}]'),
       ("person.favourite", "tea"), ("parameters.individual_premium", "320 ")]
# JSON cells pyarrow's reader refuses (or reads as other than one list): their chunk is read row by row
REFUSED = [("person.statuses", "[{not json"), ("person.statuses", '{"kind": "dibao", "since": "2021-01-10"}'),
           ("person.statuses", '[]}{"v":[{"kind": "tekun", "since": "2021-01-10"}]'),
           ("person.statuses", '[], "v": [{"kind": "tekun", "since": "2021-01-10"}]'),
           ("person.statuses", '[{"kind": "dibao", "since": "2021-01-10", "colour": "red"}]'),
           ("person.enrollments", '[{"scheme": "resident_medical", "year": "2021"}]')]


@pytest.mark.parametrize("name, text, refused", [(*cell, False) for cell in ODD] + [(*cell, True) for cell in REFUSED])
def test_a_cell_the_arrays_cannot_take_is_decided_as_the_reference_reads_it(tmp_path, monkeypatch, name, text, refused):
    """Among good rows, in chunks of four: "NA" and "null" are values (not absent), integers
    are digits with a minus at most ("--5" was a traceback), booleans are `true`/`false`, a
    JSON cell holding a null, a line break, a key the shape lacks, text that is not one list,
    or a second `"v"` (the reader's own key) is read as the reference reads it."""
    monkeypatch.setattr(batch, "SLICE_ROWS", 4)
    good = _cells(GOOD)
    given_file = tmp_path / "in.csv"
    asked: list[dict] = []
    request = _csv.request
    monkeypatch.setattr(_csv, "request", lambda row: asked.append(row) or request(row))
    _write([good] * 11, given_file)
    assert _reference(given_file) == _batch(given_file, tmp_path / "out.parquet") and [] == asked   # all by arrays
    _write([good] * 5 + [{**good, name: text}] + [good] * 5, given_file)
    expected, asked[:] = _reference(given_file), []
    summary: dict = {}
    assert expected == _batch(given_file, tmp_path / "out.parquet", summary)
    # the odd row (or its chunk of four, where the reader refuses a JSON cell) read row by row, no other
    assert len(asked) == (4 if refused else 1) and summary["scalar_fallback"] <= 1


def test_a_quoted_line_break_in_a_text_cell_is_read_by_the_arrays(tmp_path, monkeypatch):
    asked: list[dict] = []
    request = _csv.request
    monkeypatch.setattr(_csv, "request", lambda row: asked.append(row) or request(row))
    monkeypatch.setattr(_csv, "BLOCK", 4096)   # blocks of the reader end inside some quoted value: not a row's end
    given_file = tmp_path / "in.csv"
    _write([{**_cells(GOOD), "person.name": f"陈\r\n某{i}"} for i in range(100)], given_file)
    rows = _batch(given_file, tmp_path / "out.parquet")
    assert _reference(given_file) == rows and ["eligible"] * 100 == [row["outcome"] for row in rows] and [] == asked


def test_the_reference_is_not_what_the_old_reader_made_of_na_or_a_doubled_minus(tmp_path):
    """The two cells the whole-file reader got wrong: "NA" was read as absent (a lacked fact,
    not the contract's error), "--5" stopped the batch with a traceback."""
    good = _cells(GOOD)
    given_file = tmp_path / "in.csv"
    _write([{**good, "person.hukou.kind": "NA"}, {**good, "coverage_year": "--5"}], given_file)
    rows = _batch(given_file, tmp_path / "out.parquet")
    assert [["person.hukou.kind"], ["coverage_year"]] == [[e["path"] for e in row["errors"]] for row in rows]


def test_a_header_naming_a_column_twice_or_a_row_without_a_person_is_read_row_by_row(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "SLICE_ROWS", 4)
    good = _cells(GOOD)
    given_file = tmp_path / "in.csv"
    _write([good] * 3 + [{k: v for k, v in good.items() if not k.startswith("person.")}] + [good] * 2, given_file)
    assert _reference(given_file) == _batch(given_file, tmp_path / "out.parquet")
    header = sorted(good) + ["city"]
    with open(given_file, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        for city in ("shantou", "shaoguan"):
            writer.writerow([good[name] for name in header[:-1]] + [city])
    rows = _batch(given_file, tmp_path / "out.parquet")
    assert _reference(given_file) == rows
    # the later cell stands, as Python's csv reads it: the second row asks Shaoguan, which has no such premium
    assert ["eligible", "unknown_parameter"] == [rows[0]["outcome"], rows[1]["errors"][0]["code"]]


def test_a_file_of_no_rows_gives_none(tmp_path):
    given_file = tmp_path / "in.csv"
    given_file.write_text("city,as_of\n", encoding="utf-8")
    assert [] == _batch(given_file, tmp_path / "out.parquet")


def test_a_row_of_another_number_of_cells_is_an_error_row_in_its_place(tmp_path, monkeypatch):
    """A row with more or fewer cells than the header names is an error row at its record,
    wherever it falls (first, at the end of a chunk of four, after a quoted line break, last,
    two together); the rows around it are decided as the reference decides them, numbered in
    place. Its cells are not repeated."""
    monkeypatch.setattr(batch, "SLICE_ROWS", 4)
    monkeypatch.setattr(_csv, "BLOCK", 4096)   # the reader's blocks: about fifteen rows each
    good = _cells(GOOD)
    names = sorted(good)
    cells = [good[name] for name in names]
    quoted = [good[name] if name != "person.name" else "陈\n某" for name in names]
    shapes = {0: cells + ["x"], 3: cells[:2], 4: cells[:1], 41: cells[:1], 59: cells + ["440511197005010022"],
              60: cells[:3]}
    records = [shapes.get(at, quoted if at in (8, 30) else cells) for at in range(61)]
    given_file = tmp_path / "in.csv"
    with open(given_file, "w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([names] + records)
    rows = _batch(given_file, tmp_path / "out.parquet")
    assert list(range(61)) == [row["record"] for row in rows]
    for at, row in enumerate(rows):
        if at in shapes:
            assert [("", "invalid_csv_row")] == [(e["path"], e["code"]) for e in row["errors"]]
            assert f"{len(shapes[at])} cell" in row["errors"][0]["message"] and "4405" not in row["errors"][0]["message"]
        else:
            assert "eligible" == row["outcome"]


@pytest.fixture(scope="module")
def csv_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("csv")


def test_a_csv_file_is_decided_as_its_rows_one_by_one(csv_folder, monkeypatch):
    """Drawn rows for every city (requests of the library's strategies and of the request
    schema, some with a cell from ``ODD``), in chunks of four: row for row, the reference's
    decisions and errors."""
    monkeypatch.setattr(batch, "SLICE_ROWS", 4)
    policies = bundled_policies()
    one = st.one_of([from_request_schema()] + [requests(city) for city in policies.cities]).map(_cells)
    odd = st.tuples(one, st.sampled_from(ODD + REFUSED)).map(lambda pair: {**pair[0], pair[1][0]: pair[1][1]})
    text = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=8)

    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(st.one_of(one, one, odd, st.tuples(one, st.sampled_from(sorted(_csv.TYPES)), text).map(
        lambda t: {**t[0], t[1]: t[2]})), min_size=1, max_size=24))
    def check(rows):
        given_file = csv_folder / "in.csv"
        _write(rows, given_file)
        expected = _reference(given_file)
        got = _batch(given_file, csv_folder / "out.parquet")
        assert len(expected) == len(got)
        for want, row in zip(expected, got):
            assert want == row

    check()


def test_a_quoted_crlf_cut_by_the_readers_block_keeps_its_line_feed(tmp_path, monkeypatch):
    """pyarrow's reader (26) drops the line feed of a quoted ``\\r\\n`` whose ``\\r`` ends one of
    its blocks; the file is handed to it in pieces that never end there. A name of 99
    characters and a ``\\r\\n`` is 101 characters, over the contract's 100: an error row, as
    the reference reads it, wherever the blocks fall."""
    monkeypatch.setattr(_csv, "BLOCK", 1024)
    good = _cells(GOOD)
    rows = [{**good, "person.name": "x" * 99 + "\r\n"} for _ in range(10)]
    given_file = tmp_path / "in.csv"
    for pad in range(1024):   # the first row's length, until a name's \r is the last byte of a block
        _write([{**rows[0], "person.favourite": "z" * pad}] + rows[1:], given_file)
        data = given_file.read_bytes()
        if any(at % 1024 == 1023 for at in range(len(data)) if data[at:at + 2] == b"\r\n" and data[at - 1] == 120):
            break
    else:
        raise AssertionError("no layout puts a \\r at the end of a block")
    expected = _reference(given_file)
    assert all(row["errors"] for row in expected)
    assert expected == _batch(given_file, tmp_path / "out.parquet")


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")   # (pyarrow's own, with a traceback)
@pytest.mark.parametrize("case", ["not utf-8", "not utf-8 and ragged", "a row of 600 KiB", "overlapping columns"])
def test_a_file_the_reader_refuses_stops_the_command_with_its_record_and_none_of_its_cells(tmp_path, case, capsys):
    from eligibility.cli import main
    good = _cells(GOOD)
    names = sorted(good)
    line = ",".join(good[name] for name in names)
    lines = [",".join(names)] + [line] * 300
    if case.startswith("not utf-8"):
        lines[250] = line.replace("陈某某", "陈某某".encode("gbk").decode("latin-1")) + (",x" if "ragged" in case else "")
        data = "\n".join(lines).encode("utf-8").replace("陈某某".encode("gbk").decode("latin-1").encode("utf-8"),
                                                      "陈某某".encode("gbk"))
    elif case == "a row of 600 KiB":
        lines[3] = line.replace("陈某某", "长" * 200_000)
        data = "\n".join(lines).encode("utf-8")
    else:
        data = "\n".join([",".join(names + ["person"])] + [line + ",x"] * 3).encode("utf-8")
    given_file = tmp_path / "in.csv"
    given_file.write_bytes(data)
    assert 2 == main(["batch", str(given_file), "--out", str(tmp_path / "out.parquet")])
    said = capsys.readouterr().err
    assert "Traceback" not in said and "4405" not in said and "某" not in said
    assert {"not utf-8": ": not UTF-8 text", "not utf-8 and ragged": ": not UTF-8 text",
            "a row of 600 KiB": "a row longer than the reader's block (256 KiB",
            "overlapping columns": "names both 'person' and 'person.hukou.kind'"}[case] in said
    assert ("in.csv: byte " in said) == case.startswith("not utf-8")   # where, as far as it is known


def test_a_header_that_is_not_utf8_is_refused_with_its_byte(tmp_path):
    """The header is read first, by Python (8 KiB at a time): a byte that is not UTF-8 there is
    named as the reader names one further on."""
    from eligibility.errors import EligibilityError
    given_file = tmp_path / "in.csv"
    given_file.write_bytes(b"city,as_of," + "姓名".encode("gbk") + b"\nshantou,2021-09-20,x\n")
    with pytest.raises(EligibilityError, match="in.csv: byte 11: not UTF-8 text"):
        batch.run(given_file, tmp_path / "out.parquet", bundled_policies())


def test_a_header_longer_than_the_readers_block_is_refused_not_read_as_no_rows(tmp_path, monkeypatch):
    from eligibility.errors import EligibilityError
    monkeypatch.setattr(_csv, "BLOCK", 64)   # pyarrow then finds no row in its first block, as in an empty file
    given_file = tmp_path / "in.csv"
    _write([_cells(GOOD)] * 3, given_file)
    with pytest.raises(EligibilityError, match="not CSV this reader takes"):
        batch.run(given_file, tmp_path / "out.parquet", bundled_policies())


@pytest.mark.parametrize("text", ["", "city,as_of", "\n\ncity,as_of,person.hukou.kind\nshantou,2021-09-20,rural\n"])
def test_an_empty_file_a_header_alone_or_blank_lines_before_it_read_as_the_reference_reads_them(tmp_path, text):
    given_file = tmp_path / "in.csv"
    given_file.write_text(text, encoding="utf-8")
    assert _reference(given_file) == _batch(given_file, tmp_path / "out.parquet")


def test_odd_records_in_a_chunk_decided_in_several_slices_keep_their_places(tmp_path, monkeypatch):
    """A chunk of sixteen records decided in slices of four (a slice's decisions lose their
    not-null ``record`` when the slices are put together): its ragged CSV rows and its JSONL
    lines that are not JSON are error rows in their places, as in a chunk of one slice."""
    from eligibility.columnar import _slices
    monkeypatch.setattr(batch, "SLICE_ROWS", 16)
    monkeypatch.setattr(_slices, "ROWS", 4)
    good = _cells(GOOD)
    names = sorted(good)
    given_file = tmp_path / "in.csv"
    with open(given_file, "w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([names] + [[good[n] for n in names][: 2 if at in (5, 17) else None]
                                              for at in range(20)])
    rows = _batch(given_file, tmp_path / "out.parquet")
    assert [5, 17] == [row["record"] for row in rows if row["errors"]] and list(range(20)) == [r["record"] for r in rows]
    lines = [json.dumps(GOOD)] * 20
    lines[7] = "{not json"
    given_file = tmp_path / "in.jsonl"
    given_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = _batch(given_file, tmp_path / "out.parquet")
    assert [7] == [row["record"] for row in rows if row["errors"]] and list(range(20)) == [r["record"] for r in rows]


@pytest.mark.parametrize("source", ["csv", "jsonl"])
def test_a_lone_surrogate_or_json_nested_too_deep_in_a_cell_is_an_error_row(tmp_path, source):
    """``"\\ud800"`` in a request's JSON is text UTF-8 cannot hold: the row goes to the scalar
    path, whose message quoting it is written escaped; statuses nested deeper than the JSON
    parser goes are refused at their path. The batch goes on."""
    statuses = ['[{"kind": "\\ud800", "since": "2021-01-10"}]', "[" * 3000 + "]" * 3000]
    given_file = tmp_path / f"in.{source}"
    if source == "csv":
        _write([_cells(GOOD)] + [{**_cells(GOOD), "person.statuses": text} for text in statuses], given_file)
        expected = _reference(given_file)
    else:
        body = json.dumps(GOOD)
        lines = [body] + [body.replace(json.dumps(GOOD["person"]["statuses"]), text) for text in statuses]
        given_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        expected = None
    rows = _batch(given_file, tmp_path / "out.parquet")
    assert ["eligible", None, None] == [row["outcome"] for row in rows]
    assert ["person.statuses[0]"] == [e["path"] for e in rows[1]["errors"]]
    assert expected is None or expected == rows


def test_a_lone_surrogate_naming_a_parameter_is_an_error_row_with_its_path_escaped(tmp_path):
    """A parameter named ``"\\ud801"`` cannot name a column: the row goes to the scalar path,
    which refuses the name at its path, written escaped (UTF-8 cannot hold it as it is)."""
    body = json.dumps(GOOD)
    odd = body.replace('"individual_premium"', '"\\ud801"')
    given_file = tmp_path / "in.jsonl"
    given_file.write_text("\n".join([body, odd, body]) + "\n", encoding="utf-8")
    rows = _batch(given_file, tmp_path / "out.parquet")
    assert ["eligible", None, "eligible"] == [row["outcome"] for row in rows]
    assert "parameters.\\ud801" in [e["path"] for e in rows[1]["errors"]]


def test_a_chunk_read_row_by_row_keeps_its_ragged_rows_as_error_rows(tmp_path, monkeypatch):
    """A JSON cell the reader refuses sends its chunk row by row; a ragged row in the same
    chunk is still an error row in its place, not a request of no fields."""
    monkeypatch.setattr(batch, "SLICE_ROWS", 4)
    good = _cells(GOOD)
    names = sorted(good)
    cells = [good[name] for name in names]
    refused = [good[name] if name != "person.statuses" else "[{not json" for name in names]
    given_file = tmp_path / "in.csv"
    with open(given_file, "w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([names, cells, refused, cells[:2], cells, cells])
    rows = _batch(given_file, tmp_path / "out.parquet")
    assert [[], ["person.statuses"], ["invalid_csv_row"], [], []] == [
        [e["path"] or e["code"] for e in row["errors"]] for row in rows]

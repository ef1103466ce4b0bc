"""``eligibility batch``'s CSV reader: a file read by pyarrow's streaming reader a chunk of rows
at a time, every cell text, and turned into the column layout with array operations; the
statuses' and enrolments' JSON cells read by pyarrow's JSON reader (``_jsonl.JsonShape``).

The reference is one row at a time (``request``: a row as a request mapping, as ``eligibility
impact`` reads CSV too). A cell the arrays cannot take as the reference would is left to it:
the row is a *misfit*, and the scalar path decides it from the mapping ``request`` makes of it
(``Rows``), never from the arrays. So are the rows of a chunk whose JSON cells the reader
refuses (that chunk, not the file), and every row of a file whose header names a column twice.
"""

from __future__ import annotations

import codecs
import itertools
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from ._jsonl import JsonShape, Text, as_text
from .columnar import input_schema
from .errors import EligibilityError, FieldIssue

LISTS = tuple(field.name for field in input_schema() if pa.types.is_list(field.type))   # the statuses, the enrolments
BLOCK = 1 << 18   # bytes pyarrow's reader reads at a time: with larger blocks its memory peaks higher (measured)
_INTEGER = "^-?[0-9]+$"   # the text a CSV integer cell holds (else it is sent on as text)
TYPES = dict(zip(input_schema().names, input_schema().types))


def rows(path: str | Path) -> Iterator[list[str]]:
    """The file's rows as Python's csv reads them, blank lines left out: the header first.
    The reference reading (``eligibility impact`` reads CSV this way). A file that is not UTF-8
    text is refused, with the byte where the reader finds it."""
    import csv
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            yield from (row for row in csv.reader(file) if row)
    except UnicodeDecodeError:   # read again as the reader reads it, to name the byte
        source = _Unsplit(path)
        try:
            while source.read(1 << 16):
                pass
        finally:
            source.close()
        raise EligibilityError(f"{path}: {NOT_UTF8}") from None


def names(path: str | Path) -> list[str]:
    """The header's column names (blank lines before it skipped, as pyarrow's reader skips
    them). A file whose names overlap (``person`` beside ``person.name``: no request holds
    both) is refused."""
    found = next(rows(path), [])
    paths = {tuple(_path(name)) for name in found}
    for name in found:
        parts = _path(name)
        for cut in range(1, len(parts)):
            if tuple(parts[:cut]) in paths:
                raise EligibilityError(f"{path}: the header names both {'.'.join(parts[:cut])!r} and {name!r}; "
                                       f"a column holds a value, so no column may be inside another")
    return found


NOT_UTF8 = "not UTF-8 text: save the file as UTF-8 (in Excel, \"CSV UTF-8\")"


def _path(name: str) -> list[str]:
    """A column's path in the request (``person.hukou.region``; a parameter's name may hold dots)."""
    return name.split(".") if name.startswith("person.hukou.") else name.split(".", 2)


def request(row: dict[str, Any]) -> dict[str, Any]:
    """A CSV row (every cell text, empty: absent) as a request mapping, in the layout's types:
    an integer cell of digits (a leading minus allowed) as a number, ``true``/``false`` as a
    boolean, the statuses and enrolments as the JSON they hold; any other text as it is, for
    the request contract to judge."""
    mapping: dict[str, Any] = {}
    for name, text in row.items():
        if text is None or text == "":
            continue
        kind = TYPES.get(name)
        value: Any = text
        if name in LISTS:
            try:
                value = json.loads(text)
            except (ValueError, RecursionError):   # (nested deeper than the parser goes)
                value = text  # not a list: the scalar path says so at this path
        elif kind == pa.bool_() and text in ("true", "false"):
            value = text == "true"
        elif kind == pa.int64() and re.fullmatch(_INTEGER, text):
            value = int(text)
        target = mapping
        parts = _path(name)
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return mapping


def chunks(path: str | Path, size: int) -> Iterator[tuple[pa.Table, dict[int, FieldIssue]]]:
    """The file's records, ``size`` at a time, as tables of text (only an empty cell is null:
    "NA" or "null" is a value, as the request contract sees it; a quoted value may hold a line
    break), and the records of another number of cells than the header: an empty row in the
    table, and the issue to report in its place (their cells are not repeated: they may hold
    an ID number). No table for a file of no rows."""
    header = names(path)
    if not header:   # an empty file: no rows
        return
    source = _Unsplit(path)
    try:
        yield from _read(source, path, header, size)
    finally:
        source.close()


def _read(source: _Unsplit, path: str | Path, header: list[str], size: int
          ) -> Iterator[tuple[pa.Table, dict[int, FieldIssue]]]:
    """``chunks``, read from ``source`` (the file, closed by the caller)."""
    ragged: dict[int, FieldIssue] = {}   # record (0: the first after the header) -> issue

    def skipped(row: Any) -> str:
        cells = f"{row.actual_columns} cell" + ("" if row.actual_columns == 1 else "s")
        ragged[row.number - 2] = FieldIssue("", "invalid_csv_row",
                                            f"{cells} where the header names {row.expected_columns} columns")
        return "skip"
    try:   # (one thread: pyarrow numbers the rows it skips only then)
        reader = pcsv.open_csv(source, read_options=pcsv.ReadOptions(block_size=BLOCK, use_threads=False),
                               parse_options=pcsv.ParseOptions(newlines_in_values=True, invalid_row_handler=skipped),
                               convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()),
                                                                   strings_can_be_null=True, null_values=[""]))
    except pa.ArrowInvalid as exc:
        if "Empty CSV" not in str(exc) or len(list(itertools.islice(rows(path), 2))) == 2:
            raise _refused(path, exc) from None
        return   # the header alone, with no line end
    held: list[pa.RecordBatch] = []
    first, count = 0, 0     # the record of the next table's first row; the rows held
    for part in _batches(reader, path):
        held.append(part)
        count += part.num_rows
        while count >= size:
            table = pa.Table.from_batches(held, schema=reader.schema)
            placed, mine = _with_placeholders(table.slice(0, size), first, ragged, end=False)
            yield placed, mine
            first += placed.num_rows
            held, count = table.slice(size).to_batches(), count - size
    if count or ragged:
        yield _with_placeholders(pa.Table.from_batches(held, schema=reader.schema), first, ragged, end=True)


def _batches(reader: Any, path: str | Path) -> Iterator[pa.RecordBatch]:
    """The reader's batches; what it refuses, refused with the row's number and never its text
    (it may hold an ID number)."""
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise _refused(path, exc) from None


def _refused(path: str | Path, exc: Exception) -> EligibilityError:
    text = str(exc)
    row = re.search(r"Row #(\d+)", text)   # pyarrow counts the header as row 1
    where = f": record {int(row.group(1)) - 2}" if row else ""
    if "UTF8" in text or isinstance(exc, UnicodeDecodeError):
        why = NOT_UTF8
    elif "straddl" in text:
        why = (f"a row longer than the reader's block ({BLOCK // 1024} KiB; one that long may be refused): "
               f"no row of a register is that long; is the file CSV?")
    else:
        why = "not CSV this reader takes (" + text.split(":")[0] + ")"
    return EligibilityError(f"{path}{where}: {why}")


class _Unsplit:
    """A file read in pieces that never end between a carriage return and the byte after it
    (pyarrow's reader, 26, loses the line feed of a quoted ``\r\n`` that its block cuts
    there), and checked to be UTF-8 as it is read: pyarrow, meeting a row of another number of
    cells that is not UTF-8, would fail with the row's text in its error."""

    def __init__(self, path: str | Path):
        self.path, self.file, self.closed = path, open(path, "rb"), False
        self.held, self.at = b"", 0
        self.utf8 = codecs.getincrementaldecoder("utf-8")()

    def read(self, size: int = -1) -> bytes:
        data = self.held + self.file.read(size - len(self.held) if size >= 0 else -1)
        self.held = b""
        if len(data) > 1 and data.endswith(b"\r"):
            data, self.held = data[:-1], data[-1:]
        pending = len(self.utf8.getstate()[0])   # the bytes of a character the last piece cut, counted there
        try:
            self.utf8.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise EligibilityError(f"{self.path}: byte {self.at - pending + exc.start}: {NOT_UTF8}") from None
        self.at += len(data)
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.file.close()
        self.closed = True


def _with_placeholders(valid: pa.Table, first: int, ragged: dict[int, FieldIssue], end: bool
            ) -> tuple[pa.Table, dict[int, FieldIssue]]:
    """The rows read from record ``first`` on, with the ragged records among them (all the
    rest at the ``end``) as empty rows in their places; those records leave ``ragged``."""
    mine: dict[int, FieldIssue] = {}
    for record in sorted(ragged):
        if end or record < first + valid.num_rows + len(mine):
            mine[record - first] = ragged.pop(record)
    if not mine:
        return valid.combine_chunks(), mine
    places = np.full(valid.num_rows + len(mine), -1, dtype=np.int64)
    kept = np.ones(len(places), dtype=bool)
    kept[list(mine)] = False
    places[kept] = np.arange(valid.num_rows)
    return valid.take(pa.array(places, mask=~kept)).combine_chunks(), mine


class Rows(Sequence):
    """A chunk's rows as request mappings (``request``), each made when it is asked for: the
    scalar path asks for the few rows it decides."""

    def __init__(self, table: pa.Table):
        self.table = table

    def __len__(self) -> int:
        return self.table.num_rows

    def __getitem__(self, at: Any) -> Any:
        if isinstance(at, slice):
            start, stop, step = at.indices(len(self))
            if step != 1:
                raise ValueError("rows are sliced in order")
            return Rows(self.table.slice(start, max(stop - start, 0)))
        at = at + len(self) if at < 0 else at
        if not 0 <= at < len(self):
            raise IndexError(at)
        return request(self.table.slice(at, 1).to_pylist()[0])


def layout(table: pa.Table, shapes: dict[str, JsonShape]) -> tuple[pa.Table, np.ndarray] | None:
    """A chunk of text in the column layout, and its misfits (rows the scalar path decides
    from ``request``); None where its JSON cells are refused or its header repeats a name.
    ``shapes``: a ``json_shape`` for each list column, kept from chunk to chunk."""
    if len(set(table.column_names)) < table.num_columns:
        return None
    n = table.num_rows
    misfit = np.zeros(n, dtype=bool)
    person = np.zeros(n, dtype=bool)     # the contract requires a person: a row with no person cell has none
    columns: dict[str, Any] = {}
    for name in table.column_names:
        cells = table[name].combine_chunks()
        given = cells.is_valid().to_numpy(zero_copy_only=False)
        if name.startswith("person."):
            person |= given
        kind = TYPES.get(name)
        if name in LISTS:
            read = _lists(cells, given, shapes[name])
            if read is None:
                return None
            columns[name], doubtful = read
            misfit |= doubtful
        elif kind == pa.int64():
            fits = _flag(pc.match_substring_regex(cells, _INTEGER)) & (
                pc.utf8_length(cells).fill_null(0).to_numpy(zero_copy_only=False) <= 18)   # within int64
            misfit |= given & ~fits
            columns[name] = pc.if_else(pa.array(fits), cells, pa.scalar(None, pa.string())).cast(pa.int64())
        elif kind == pa.bool_():
            fits = _flag(pc.is_in(cells, value_set=pa.array(["true", "false"])))
            misfit |= given & ~fits
            columns[name] = pc.if_else(pa.array(fits), pc.equal(cells, "true"), pa.scalar(None, pa.bool_()))
        else:   # text, dates and amounts as text (the checks cast them), and columns the layout lacks
            columns[name] = cells
    return pa.table(columns), misfit | ~person


def json_shape(kind: pa.DataType) -> JsonShape:
    """The reader of a list column's JSON cells, each as the line ``{"v": cell}``."""
    return JsonShape(pa.schema([pa.field("v", as_text(kind))]), threads=False)


def _flag(array: Any) -> np.ndarray:
    """A boolean column as a mask, null as false (as ``columnar``'s checks read one)."""
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False)


def _lists(cells: pa.Array, given: np.ndarray, shape: JsonShape) -> tuple[pa.Array, np.ndarray] | None:
    """A column of JSON cells read as lists, and the cells left to the scalar path: one with a
    line break, or with ``null`` anywhere (pyarrow reads an explicit null as absent; the
    contract refuses most). None where the reader refuses a cell, or a cell makes other than
    one object of its line (``[]}{"v":[]``)."""
    kind = shape.whole.field("v").type
    doubtful = given & (_flag(pc.match_substring(cells, "null")) | _flag(pc.match_substring_regex(cells, "[\r\n]")))
    lines = pc.if_else(pa.array(given & ~doubtful), pc.binary_join_element_wise('{"v":', cells, "}\n", ""), "{}\n")
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=len(lines) + 1, offset=4 * lines.offset)
    text = lines.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0])).to_pybytes()   # the lines, in order
    read = shape.read(Text(text, 0, len(text)))
    if read is None or read.num_rows != len(cells):
        return None
    if "v" not in read.column_names:   # no cell read (a shape narrowed to no field reads none)
        return pa.nulls(len(cells), kind), doubtful
    return read["v"].combine_chunks(), doubtful

"""``eligibility batch``'s JSONL reader: a file in blocks of whole lines, mapped rather than
copied, each read by pyarrow's JSON reader with the request's shape narrowed to the fields
the file uses; a block holding a null, or one the reader refuses, read line by line as
``eligibility evaluate`` reads it."""

from __future__ import annotations

import json
import mmap
from pathlib import Path
from typing import Any, Iterator, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.json as pj

from .columnar import input_schema
from .errors import FieldIssue
from .language import PolicySet


def json_schema(policies: PolicySet) -> pa.Schema:
    """The request's JSON shape as Arrow, for pyarrow's JSON reader: the column layout
    (``input_schema``) nested again by its dotted names, dates as text."""
    names = {p for policy in policies for _, program in policy.places() for p in
             (parameter.name for parameter in program.parameters)}
    nested: dict[str, Any] = {}
    for field in input_schema(names):
        *path, leaf = field.name.split(".")
        place = nested
        for part in path:
            place = place.setdefault(part, {})
        place[leaf] = as_text(field.type)
    nested.setdefault("parameters", {})   # a request may send none where no policy declares any
    return pa.schema(_fields(nested))


def as_text(kind: pa.DataType) -> pa.DataType:
    """``kind`` with its dates as text, as pyarrow's JSON reader is given them (the checks cast them)."""
    if pa.types.is_list(kind):
        return pa.list_(as_text(kind.value_type))
    if pa.types.is_struct(kind):
        return pa.struct([pa.field(f.name, as_text(f.type)) for f in kind])
    return pa.string() if kind == pa.date32() else kind


def _fields(nested: dict[str, Any]) -> list[pa.Field]:
    return [pa.field(name, pa.struct(_fields(kind)) if isinstance(kind, dict) else kind) for name, kind in nested.items()]


_NEWLINE, _RETURN, _OPEN, _CLOSE = b"\n\r{}"   # a block's line ends, and what they lie between
_LARGEST = 1 << 30   # bytes a block is sized to at most (pyarrow's reader takes blocks under 2 GiB)


def blocks(path: str | Path, rows: int) -> Iterator[Text]:
    """A JSONL file in blocks of whole lines, about ``rows`` records each (the first block's
    bytes a record size the rest), mapped rather than copied: the page cache holds the text,
    and a block's pages leave this process once it is decided."""
    with open(path, "rb") as file:
        try:
            whole: Any = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):   # empty, or not a file that maps (a pipe)
            whole = file.read()
    size, start = rows * 256, 0
    while start < len(whole):
        end = whole.find(b"\n", min(start + size, len(whole)) - 1) + 1 or len(whole)
        text = Text(whole, start, end)
        if start == 0:
            size = min(max((end - start) * rows // max(whole[start:end].count(b"\n"), 1), 1), _LARGEST)
        yield text
        start = end


class Text:
    """The lines from byte ``start`` to ``end`` of a mapped file (or of its bytes)."""

    def __init__(self, whole: Any, start: int, end: int):
        self.whole, self.start, self.end = whole, start, end

    def __contains__(self, part: bytes) -> bool:
        return self.whole.find(part, self.start, self.end) >= 0

    def buffer(self) -> pa.Buffer:
        return pa.py_buffer(memoryview(self.whole)[self.start:self.end])

    def lines(self) -> list[bytes]:
        return [line for line in self.whole[self.start:self.end].splitlines() if line.strip()]

    def holds(self, records: int) -> list[bytes] | None:
        """None where the text is ``records`` lines of one object each, else its non-blank
        lines. In JSON a ``}`` is never followed by ``{`` inside a value, so where every line
        break lies between a ``}`` and a ``{`` no object runs over two lines and no line is
        blank: pyarrow's objects are then the lines exactly when there are as many. Otherwise
        (blank lines, spaces at a line's end, a lone carriage return) the lines are split, and
        stand only where each is one ``{...}`` and they are as many: a count alone is fooled
        where a line of two objects meets a blank line or an object over two lines."""
        between = self._lines_between_braces()
        if between is not None:
            return None if between == records else self.lines()
        lines = self.lines()
        whole = all(line.strip().startswith(b"{") and line.strip().endswith(b"}") for line in lines)
        return None if whole and len(lines) == records else lines

    def _lines_between_braces(self) -> int | None:
        """The number of lines where every line break (``\\n`` or ``\\r\\n``) lies between a
        ``}`` and a ``{``, else None; numpy over the mapped bytes, not a copy of them."""
        text = np.frombuffer(self.whole, dtype=np.uint8, count=self.end - self.start, offset=self.start)
        if text[0] != _OPEN:
            return None
        size = len(text) - int(text[-1] == _NEWLINE)   # without the last line's end
        breaks = np.flatnonzero(text[:size] == _NEWLINE)
        before, last = breaks - 1, size - 1
        if self.whole.find(b"\r", self.start, self.end) >= 0:   # every \r in a \r\n, else split
            returns = text[before] == _RETURN
            final = int(size < len(text) and text[last] == _RETURN)
            before, last = before - returns, last - final
            if np.count_nonzero(text == _RETURN) != np.count_nonzero(returns) + final:
                return None
        if text[last] != _CLOSE or not (text[before] == _CLOSE).all() or not (text[breaks + 1] == _OPEN).all():
            return None
        return len(breaks) + 1

    def done(self) -> None:
        """Its whole pages unmapped from this process (the page cache keeps them). The mapping
        itself is closed when the last block holding it is gone: a file cut short while it is
        mapped ends the process (SIGBUS), so a register must not be rewritten while it is decided."""
        if isinstance(self.whole, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
            first = -(-self.start // mmap.PAGESIZE) * mmap.PAGESIZE
            if self.end - first >= mmap.PAGESIZE:
                self.whole.madvise(mmap.MADV_DONTNEED, first, (self.end - first) // mmap.PAGESIZE * mmap.PAGESIZE)


class JsonShape:
    """Blocks of requests read by pyarrow's reader with the request's shape.

    The reader's time grows with the fields of the shape, and a status has twenty-odd fields
    where a file uses a few: so blocks are read with the shape narrowed to the fields the
    file has used so far, and a block with another field (the reader refuses it) is read
    again with the whole shape, which then widens the narrowed one. A field the request
    does not have is refused by the whole shape too."""

    def __init__(self, schema: pa.Schema, threads: bool = True):
        self.whole, self.threads = schema, threads
        self.used: set[str] = set()
        self.narrow: pa.Schema | None = None

    def read(self, block: Text) -> pa.Table | None:
        """The block as a table; None where the reader refuses it, or where it holds a null:
        pyarrow reads an explicit null as absent, which the contract does not (``"program":
        null`` is refused), and its reader crashes the process on a line that is a bare
        ``null`` (pyarrow 26, a segmentation fault), so such a block is never given to it."""
        if b"null" in block:
            return None
        table = None if self.narrow is None else self._parsed(block, self.narrow)
        if table is None:
            table = self._parsed(block, self.whole)
            if table is None:
                return None
            for column in table.to_struct_array().chunks:
                _used(column, "", self.used)
            self.narrow = pa.schema([pa.field(f.name, _narrowed(f.type, f.name + ".", self.used))
                                     for f in self.whole if f.name in self.used])
        try:   # pyarrow's reader lets bytes that are not UTF-8 into its text (5 ms a block to check)
            table.validate(full=True)
        except pa.ArrowInvalid:
            return None
        return table

    def _parsed(self, block: Text, schema: pa.Schema) -> pa.Table | None:
        # without threads, the block is read as one piece: pieces would be joined again by the
        # checks, and a reading thread beside the deciding one leaves no core to spare (a line
        # longer than a piece, 2 GiB at most, is refused by the reader and read on its own)
        options = pj.ReadOptions() if self.threads else pj.ReadOptions(
            use_threads=False, block_size=min(block.end - block.start + 1, 2**31 - 1))
        try:
            return pj.read_json(pa.BufferReader(block.buffer()), read_options=options,
                                parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error"))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None


class Block(NamedTuple):
    """A JSONL block as read (in the reading thread): its text, and the table pyarrow's reader
    made of it (None where it was not given it or refused it). Whether the table stands for
    the block's lines is judged where the block is decided, so that the reading thread only reads."""
    text: Text
    table: pa.Table | None

    def taken(self) -> tuple[pa.Table | None, list[bytes]]:
        """(the table, no lines) where it stands for the block's lines, one request a line;
        else (None, the non-blank lines) to be read one by one, as ``eligibility evaluate``
        reads them: pyarrow reads a request without a person as one with no facts, and takes
        objects as it finds them, two on a line or one over two lines. The block's pages are
        released either way."""
        try:
            table = self.table
            if table is None or "person" not in table.column_names or table["person"].null_count:
                return None, self.text.lines()
            lines = self.text.holds(table.num_rows)
            return (table, []) if lines is None else (None, lines)
        finally:
            self.text.done()


def _used(array: pa.Array, prefix: str, into: set[str]) -> None:
    """The dotted paths of the struct fields that hold a value somewhere in ``array``."""
    if pa.types.is_struct(array.type):
        for i, field in enumerate(array.type):
            child = array.field(i)
            if child.null_count < len(child):
                into.add(prefix + field.name)
                _used(child, prefix + field.name + ".", into)
    elif pa.types.is_list(array.type):
        _used(array.flatten(), prefix, into)


def _narrowed(kind: pa.DataType, prefix: str, used: set[str]) -> pa.DataType:
    if pa.types.is_struct(kind):
        return pa.struct([pa.field(f.name, _narrowed(f.type, prefix + f.name + ".", used))
                          for f in kind if prefix + f.name in used])
    if pa.types.is_list(kind):
        return pa.list_(_narrowed(kind.value_type, prefix, used))
    return kind


def loaded(lines: list[bytes]) -> list[Any]:
    """Lines parsed one by one (a line that is not JSON kept as ``NotJson``)."""
    requests: list[Any] = []
    for line in lines:
        try:
            requests.append(json.loads(line))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:   # (nested too deep for json)
            requests.append(NotJson(str(exc).split(":")[0]))
    return requests


class Unread:
    """A record that could not be read as a request (a line that is not JSON, a CSV row of
    another number of cells than its header): an error row in its place, with ``issue``."""

    def __init__(self, issue: FieldIssue):
        self.issue = issue


def NotJson(reason: str) -> Unread:
    """A line that is not JSON, and why."""
    return Unread(FieldIssue("", "invalid_json", f"not JSON: {reason}"))

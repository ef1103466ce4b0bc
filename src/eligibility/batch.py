"""``eligibility batch``: a file of requests in, a file of decisions out (JSONL, CSV or
Parquet, by the file names' endings), through the columnar evaluator, in chunks: every input
is read a chunk at a time and every output written a chunk at a time, so a register of any
size is decided in the memory of a couple of chunks.

Inputs: JSONL holds one request per line, as ``eligibility evaluate`` takes it; Parquet and
CSV hold one person a row in the column layout (docs/batch.md), CSV with the statuses and
enrolments as JSON arrays in their two columns. A line or row that is not a request is an
error row in its place. Needs the ``batch`` extra (pyarrow, numpy).
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .columnar import (DECISION_SCHEMA, SLICE_ROWS, ColumnarResult, error_row,
                       evaluate_requests, evaluate_table)
from . import _csv
from ._jsonl import Block, JsonShape, Unread, blocks, json_schema, loaded
from .errors import EligibilityError, FieldIssue
from .language import PolicySet

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
CHUNK = 200_000   # lines of JSONL read one by one, decided together
T = TypeVar("T")


def format_of(path: str | Path) -> str:
    found = FORMATS.get(Path(path).suffix.lower())
    if found is None:
        raise EligibilityError(f"{path}: unknown format; name the file .jsonl, .csv or .parquet")
    return found


def _flat(table: pa.Table) -> pa.Table:
    """Struct columns as dotted columns (``person.hukou.region``); lists stay lists."""
    while any(pa.types.is_struct(field.type) for field in table.schema):
        table = table.flatten()
    return table


def _rows(workers: int) -> int:
    """Records of a table read, decided and written together. One process: one slice of the
    evaluator (the least memory, and measured no slower than larger chunks). Workers: eight
    slices each, so that forking them is paid once for many slices (more memory for less time)."""
    return SLICE_ROWS if workers <= 1 else SLICE_ROWS * 8 * workers


def _inputs(path: str | Path, policies: PolicySet, workers: int) -> Iterator[pa.Table | Block | Laid | list[Any]]:
    """The file's records a chunk at a time, not yet decided: a table in the flat column
    layout, a JSONL block as pyarrow's reader read it, CSV rows in the layout (``_csv``), or
    the requests of CSV rows the layout could not take. In one process a JSONL block or a CSV
    chunk is read by one thread (the reading runs in its own thread beside the deciding one)."""
    rows = _rows(workers)
    kind = format_of(path)
    if kind == "parquet":
        import pyarrow.parquet as pq
        for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
            yield _flat(pa.Table.from_batches([batch]))
        return
    if kind == "jsonl":
        shape = JsonShape(json_schema(policies), threads=workers > 1)
        for text in blocks(path, rows):
            yield Block(text, shape.read(text))
        return
    shapes = {name: _csv.json_shape(_csv.TYPES[name]) for name in _csv.LISTS}
    for chunk, unread in _csv.chunks(path, rows):
        laid = _csv.layout(chunk, shapes)
        if laid is not None:
            yield Laid(_csv.Rows(chunk), *laid, unread)
        else:
            requests: list[Any] = [_csv.request(row) for row in chunk.to_pylist()]
            for at, issue in unread.items():
                requests[at] = Unread(issue)
            yield requests


class Laid(NamedTuple):
    """CSV rows in the column layout: the rows as request mappings, the table, the rows the
    scalar path decides from their mappings (``_csv.layout``), and the rows of another number
    of cells than the header (empty placeholders here; error rows in the result)."""
    rows: _csv.Rows
    table: pa.Table
    misfit: np.ndarray
    unread: dict[int, FieldIssue]


def _ahead(items: Iterator[T]) -> Iterator[T]:
    """``items`` made one ahead in a thread: the next chunk is read and parsed (pyarrow's
    readers release the GIL) while this one is decided."""
    with ThreadPoolExecutor(1, thread_name_prefix="eligibility-read") as thread:
        coming = thread.submit(next, items, None)
        while (item := coming.result()) is not None:
            coming = thread.submit(next, items, None)
            yield item


def read(path: str | Path, policies: PolicySet, workers: int = 1,
         progress: Callable[[int], None] | None = None) -> Iterator[tuple[int, ColumnarResult]]:
    """Decide the file's records in chunks: (first record's position, the chunk's result);
    ``workers`` > 1: slices decided by that many forked processes, else the next chunk read
    in a thread meanwhile. ``progress`` is told the records decided so far, slice by slice.
    Records are numbered by what was decided, chunk after chunk."""
    start = 0
    chunks = _inputs(path, policies, workers)
    for chunk in _ahead(chunks) if workers <= 1 else chunks:
        pieces: Iterator[pa.Table | Laid | list[Any]] = iter([chunk])
        if isinstance(chunk, Block):
            table, lines = chunk.taken()
            pieces = iter([_flat(table)]) if table is not None else \
                (loaded(lines[at:at + CHUNK]) for at in range(0, len(lines), CHUNK))
        for piece in pieces:
            told = None if progress is None else (lambda rows, at=start: progress(at + rows))
            if isinstance(piece, list):
                result = _decide(piece, policies)
                if told is not None:
                    told(len(piece))
            elif isinstance(piece, Laid):
                result = _with_error_rows(evaluate_requests(piece.rows, policies, workers=workers, progress=told,
                                                   layout=(piece.table, ~piece.misfit)), piece.unread)
            else:
                result = evaluate_table(piece, policies, workers=workers, progress=told)
            yield start, result
            start += result.table.num_rows


def _decide(requests: list[Any], policies: PolicySet) -> ColumnarResult:
    result = evaluate_requests([{} if isinstance(r, Unread) else r for r in requests], policies)
    return _with_error_rows(result, {i: r.issue for i, r in enumerate(requests) if isinstance(r, Unread)})


def _with_error_rows(result: ColumnarResult, unread: dict[int, FieldIssue]) -> ColumnarResult:
    """``result`` with the records ``unread`` names (decided as placeholders) as error rows."""
    if not unread:
        return result
    table = result.table.cast(DECISION_SCHEMA)   # (a table put together from slices has lost its not-nulls)
    errors = pa.Table.from_pylist([error_row(i, [issue]) for i, issue in sorted(unread.items())], schema=DECISION_SCHEMA)
    keep = pc.invert(pc.is_in(table["record"], value_set=pa.array(sorted(unread), type=pa.int64())))
    merged = pa.concat_tables([table.filter(keep), errors])
    return ColumnarResult(merged.take(pc.sort_indices(merged["record"])), result.fallback)


def write_population(requests: list[Any], path: str | Path) -> None:
    """Request mappings as a population file: JSONL as they are; CSV and Parquet in the
    column layout (CSV with the statuses and enrolments as JSON arrays)."""
    kind = format_of(path)
    if kind == "jsonl":
        with open(path, "w", encoding="utf-8") as file:
            for request in requests:
                file.write(json.dumps(request, ensure_ascii=False, default=_plain, separators=(",", ":")) + "\n")
        return
    from .columnar import requests_table
    table, _ = requests_table(requests)
    if kind == "parquet":
        import pyarrow.parquet as pq
        pq.write_table(table, path)
        return
    import pyarrow.csv as pcsv
    columns = {name: (_json_cells(table[name], records=True) if name in _csv.LISTS else table[name])
               for name in table.column_names}
    pcsv.write_csv(pa.table(columns), path)


class _Sink:
    """Decision rows written to ``path`` chunk by chunk: Parquet as typed; CSV and JSONL with
    lists as JSON. A file is written even for no rows (Parquet and CSV with their columns)."""

    def __init__(self, path: str | Path):
        self.kind = format_of(path)
        if self.kind == "parquet":
            import pyarrow.parquet as pq
            # statistics for the flat columns only: 0.95 of the writing time with every column's
            # (benchmarks/batch_parts.py), and no reader filters on a list column's statistics
            self.writer: Any = pq.ParquetWriter(str(path), DECISION_SCHEMA, write_statistics=[
                f.name for f in DECISION_SCHEMA if not pa.types.is_list(f.type)])
        elif self.kind == "csv":
            import pyarrow.csv as pcsv
            self.writer = pcsv.CSVWriter(str(path), pa.schema(
                [pa.field(f.name, pa.string()) if pa.types.is_list(f.type) else f for f in DECISION_SCHEMA]))
        else:
            self.writer = open(path, "w", encoding="utf-8")

    def add(self, table: pa.Table) -> None:
        table = table.select(DECISION_SCHEMA.names).cast(DECISION_SCHEMA)
        if self.kind == "parquet":
            self.writer.write_table(table)
        elif self.kind == "csv":
            self.writer.write_table(pa.table({name: (_json_cells(table[name]) if pa.types.is_list(
                table.schema.field(name).type) else table[name]) for name in table.column_names}))
        else:
            self.writer.writelines(json.dumps(row, ensure_ascii=False, default=_plain, separators=(",", ":")) + "\n"
                                   for row in table.to_pylist())

    def close(self) -> None:
        self.writer.close()


def _plain(value: Any) -> str:
    return str(value) if isinstance(value, Decimal) else value.isoformat()


def _json_cells(column: Any, records: bool = False) -> pa.Array:
    """A list column as JSON text per cell (``records``: the nulls of each struct left out)."""
    values = column.to_pylist()
    if records:
        values = [None if v is None else [{k: x for k, x in item.items() if x is not None} for item in v]
                  for v in values]
    return pa.array([None if v is None else json.dumps(v, ensure_ascii=False, default=_plain, separators=(",", ":"))
                     for v in values], type=pa.string())


def run(source: str | Path, target: str | Path, policies: PolicySet,
        progress: Callable[[int], None] | None = None, workers: int = 1) -> dict[str, Any]:
    """Decide every record of ``source`` into ``target``; the summary of the whole batch.
    ``workers`` > 1: slices decided by that many forked processes. In one
    process the next chunk is read, and the last one written, in threads while this one is
    decided; with workers each is done in turn, so that no fork copies a thread in the middle
    of pyarrow's allocator."""
    summaries: list[dict[str, Any]] = []
    sink = _Sink(target)
    threaded = workers <= 1
    writing: Future[None] | None = None

    def written(table: pa.Table, fallback: dict[str, int]) -> None:
        sink.add(table)
        summaries.append(ColumnarResult(table, fallback).summary())

    try:
        with ThreadPoolExecutor(1, thread_name_prefix="eligibility-write") as writer:
            for start, result in read(source, policies, workers, progress):
                table = result.table.set_column(0, "record", pc.add(result.table["record"], start))
                if writing is not None:
                    writing.result()   # one chunk written at a time: only two chunks are held
                if threaded:
                    writing = writer.submit(written, table, result.fallback)
                else:
                    written(table, result.fallback)
            if writing is not None:
                writing.result()
    finally:
        sink.close()
    return ColumnarResult.merged(summaries)


def progress_bar(stream: Any = sys.stderr) -> Callable[[int], None] | None:
    """A records counter on a terminal; None when ``stream`` is not one (a log, a pipe)."""
    if not stream.isatty():
        return None
    return lambda done: print(f"\rdecided {done:,} records", end="", file=stream, flush=True)


def summary_text(summary: dict[str, Any]) -> str:
    """The summary for people: counts, rejected records, subsidy per funding source, fallback."""
    lines = [f"records: {summary['records']:,}   rejected: {summary['rejected']:,}"]
    lines += [f"  {outcome}: {count:,}" for outcome, count in summary["outcomes"].items()]
    lines += ["subsidy by funding source (yuan):"] + [
        f"  {source}: {total}" for source, total in summary["subsidy_by_funding_source"].items()]
    lines.append(f"decided by the scalar evaluator: {summary['scalar_fallback']:,}")
    lines += [f"  {why}: {count:,}" for why, count in summary["fallback_reasons"].items()]
    return "\n".join(lines)


# for readers of the same layout elsewhere (``eligibility impact --population people.parquet``)
flat_table = _flat

"""A population decided in slices of ``ROWS`` rows, in this process or in forked workers.

Slices keep memory bounded by one slice's intermediate arrays and keep those arrays small
enough for the caches. With ``workers`` > 1 the slices are shared out to forked processes
(POSIX ``fork``: the table, the compiled policies and the requests are inherited, never
copied or pickled); each writes its slice's decisions as an Arrow IPC file in shared
memory (``/dev/shm`` where it has room for them, else the temporary folder), which this
process maps without a copy, and the slices are put back in order. A worker that dies (the
out-of-memory killer) fails the call (``BrokenProcessPool``) rather than hanging it; calls
from several threads take turns. Where ``fork`` is not available the slices are decided here.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROWS = 65_536  # rows decided together
# the run the forked workers inherit: ``_decide``'s arguments but the slice, then the folder of slice files
_JOB: tuple[Callable[..., Any], pa.Table, Any, Sequence[Any] | None, np.ndarray | None, str] | None = None


def _decide(decide: Callable[..., Any], table: pa.Table, resolved: Any, requests: Sequence[Any] | None,
            misfit: np.ndarray | None, start: int) -> Any:
    end = start + ROWS
    return decide(table.slice(start, ROWS), resolved, requests[start:end] if requests is not None else None,
                  misfit[start:end] if misfit is not None else None)


_TURNS = threading.Lock()   # one parallel run at a time: the job is this module's
_BYTES_A_ROW = 512          # room asked of shared memory per decision row (they take about 300)


def _folder(rows: int) -> str:
    """A new folder for the slice files: in ``/dev/shm`` when it has room for them all."""
    shared = "/dev/shm"
    try:
        found = os.statvfs(shared)
        roomy = found.f_bavail * found.f_frsize > rows * _BYTES_A_ROW
    except OSError:
        roomy = False
    return tempfile.mkdtemp(prefix="eligibility-", dir=shared if roomy else None)


def _work(start: int) -> tuple[int, str, dict[str, int], dict[str, float]]:
    """In a forked worker: one slice, its table written to an IPC file (its path returned)."""
    assert _JOB is not None
    part = _decide(*_JOB[:-1], start)
    path = os.path.join(_JOB[-1], f"{start}.arrow")
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, part.table.schema) as writer:
        writer.write_table(part.table)
    return start, path, part.fallback, part.seconds


def _mapped(path: str) -> pa.Table:
    """A worker's IPC file, mapped (no copy) and unlinked: the mapping keeps it while in use."""
    try:
        return pa.ipc.open_file(pa.memory_map(path)).read_all()
    finally:
        os.unlink(path)


def in_slices(decide: Callable[..., Any], table: pa.Table, resolved: Any, requests: Sequence[Any] | None,
              misfit: np.ndarray | None, workers: int, progress: Callable[[int], None] | None = None
              ) -> tuple[pa.Table, dict[str, int], dict[str, float]]:
    """``decide`` (a slice, the policies, its requests, its misfits -> a ColumnarResult) over
    every slice; the decisions in record order, the fallback counts and seconds summed.
    ``progress`` is told the rows decided so far after each slice."""
    global _JOB
    starts = range(0, table.num_rows, ROWS)
    parts: list[tuple[int, pa.Table, dict[str, int], dict[str, float]]] = []
    if workers > 1 and len(starts) > 1 and "fork" in multiprocessing.get_all_start_methods():
        with _TURNS:
            folder = _folder(table.num_rows)   # removed whatever happens
            _JOB = (decide, table, resolved, requests, misfit, folder)
            try:
                with ProcessPoolExecutor(min(workers, len(starts)), mp_context=multiprocessing.get_context("fork")
                                         ) as pool:
                    for start, path, fallback, seconds in pool.map(_work, starts):
                        parts.append((start, _mapped(path), fallback, seconds))
                        if progress is not None:
                            progress(min(start + ROWS, table.num_rows))
            finally:
                _JOB = None
                shutil.rmtree(folder, ignore_errors=True)
    else:
        for start in starts:
            part = _decide(decide, table, resolved, requests, misfit, start)
            parts.append((start, part.table, part.fallback, part.seconds))
            if progress is not None:
                progress(min(start + ROWS, table.num_rows))
    tables, fallback, seconds = [], {}, {}
    for start, decided, counts, spent in parts:
        tables.append(decided.set_column(0, "record", pc.add(decided["record"], start)))
        for why, count in counts.items():
            fallback[why] = fallback.get(why, 0) + count
        for name, value in spent.items():
            seconds[name] = seconds.get(name, 0.0) + value
    return pa.concat_tables(tables), fallback, seconds


__all__ = ["ROWS", "in_slices"]

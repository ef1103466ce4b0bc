"""The facts a row lacks, named as the scalar evaluator names them (``person.birth_date``,
``person.statuses[1].certificate_valid_until``), kept sparse: only rows whose result is
unknown have any, so a node's lacks are two parallel arrays (row, fact code) into one table
of fact paths shared by a slice's walk.

The scalar evaluator's rule (``language/kinds/logic.py``): an unknown result names the
facts of its unknown parts, and an undetermined decision lists every fact its unknown rules
lack, sorted, each once. Whether a fact takes a few values (yes/no, an enumeration) decides
whether the scalar evaluator would try it by cases (``engine/_by_cases.py``): a row lacking
such a fact is left to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from ..contract import ENROLLMENT_MODELS, STATUS_ATTRIBUTES, STATUS_KINDS, Choices, Hukou, Person, attribute_values, field_of

Lacks = tuple[np.ndarray, np.ndarray]   # (row, fact code), parallel
NONE: Lacks = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))

_MODELS = {"person": Person, "person.hukou": Hukou, "choices": Choices}
_RECORDS = {"paid_by": ENROLLMENT_MODELS["resident_medical"], "region": ENROLLMENT_MODELS["employee_medical"]}


def _finite(model: Any, name: str) -> bool:
    return attribute_values(model.model_fields[field_of(model, name)].annotation) is not None


class FactTable:
    """Fact paths by code, with whether each takes a few values."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.finite: list[bool] = []
        self._codes: dict[tuple[str, bool], int] = {}

    def code(self, path: str, finite: bool) -> int:
        key = (path, finite)
        found = self._codes.get(key)
        if found is None:
            found = self._codes[key] = len(self.paths)
            self.paths.append(path)
            self.finite.append(finite)
        return found

    def fact(self, path: str) -> int:
        """A fact of the person or the choices (``person.hukou.region``)."""
        parent, _, name = path.rpartition(".")
        return self.code(path, _finite(_MODELS[parent], name))

    def rows(self, rows: np.ndarray, path: str) -> Lacks:
        index = np.flatnonzero(rows)
        return index, np.full(len(index), self.fact(path), dtype=np.int64)

    def statuses(self, records: np.ndarray, parent: np.ndarray, position: np.ndarray, kind_code: np.ndarray,
                 name: str) -> Lacks:
        """Status records ``records`` (a mask) lacking attribute ``name``, as their person's rows
        (``kind_code``: each record's index in ``STATUS_KINDS``)."""
        index = np.flatnonzero(records)
        if not len(index):
            return NONE
        codes = np.empty(len(index), dtype=np.int64)
        for i, (at, of) in enumerate(zip(position[index].tolist(), kind_code[index].tolist())):
            finite = name == "area" or (of >= 0 and STATUS_ATTRIBUTES[STATUS_KINDS[of]].get(name, (None, None))[1]
                                        is not None)
            codes[i] = self.code(f"person.statuses[{at}].{name}", finite)
        return parent[index], codes

    def enrollments(self, records: np.ndarray, parent: np.ndarray, position: np.ndarray, name: str) -> Lacks:
        index = np.flatnonzero(records)
        if not len(index):
            return NONE
        finite = _finite(_RECORDS[name], name)
        codes = np.asarray([self.code(f"person.enrollments[{at}].{name}", finite) for at in position[index].tolist()],
                           dtype=np.int64)
        return parent[index], codes


def joined(parts: list[Lacks], unknown: np.ndarray) -> Lacks:
    """The lacks of ``parts`` on the rows where the whole is ``unknown``."""
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return NONE
    rows = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
    codes = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
    keep = unknown[rows]
    return rows[keep], codes[keep]


def picked(lacks: Lacks, local: np.ndarray) -> Lacks:
    """``lacks`` of the rows a subset keeps, renumbered (``local``: row -> subset row, -1 gone)."""
    rows = local[lacks[0]]
    keep = rows >= 0
    return rows[keep], lacks[1][keep]


def scattered(lacks: Lacks, index: np.ndarray) -> Lacks:
    """A subset's ``lacks`` back on the rows it was taken from (``index``: subset row -> row)."""
    return index[lacks[0]], lacks[1]


def finite_rows(lacks: Lacks, table: FactTable, n: int) -> np.ndarray:
    """Rows lacking a fact the scalar evaluator would try by cases."""
    out = np.zeros(n, dtype=bool)
    if len(lacks[0]):
        finite = np.asarray(table.finite, dtype=bool)
        out[lacks[0][finite[lacks[1]]]] = True
    return out


def listed(lacks: Lacks, table: FactTable, rows: np.ndarray, n: int) -> pa.Array:
    """Per row, its lacked facts sorted, each once, for ``rows`` (a mask); empty elsewhere."""
    keep = rows[lacks[0]]
    by_row: dict[int, set[str]] = {}
    paths = table.paths
    for row, code in zip(lacks[0][keep].tolist(), lacks[1][keep].tolist()):
        by_row.setdefault(row, set()).add(paths[code])
    counts = np.zeros(n, dtype=np.int32)
    values: list[str] = []
    for row in sorted(by_row):
        facts = sorted(by_row[row])
        counts[row] = len(facts)
        values += facts
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, type=pa.string()))

__all__ = ["FactTable", "Lacks", "NONE", "finite_rows", "joined", "listed", "picked", "scattered"]

"""What the columnar walk evaluates against: one group of rows (one version and program of
a policy) as arrays, three-valued results, and date expressions as arrays of days.

Dates are int64 days since 1970-01-01 (numpy); a result is a :class:`Tri` of masks. A row
whose result has no vectorised form is marked ``novec`` with a note saying why, and the
evaluator decides that row with the scalar evaluator.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..contract import STATUS_KINDS
from ..errors import CalendarError
from ..language import DateExpr, MonthDay
from ..workdays import FIRST_YEAR, LAST_YEAR, add_months, is_working_day
from ._lacks import NONE, FactTable, Lacks, picked

EPOCH = dt.date(1970, 1, 1)


def to_day(value: dt.date) -> int:
    return (value - EPOCH).days


def to_date(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def days(array: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """A date32 column as (days, known)."""
    known = pc.is_valid(array).to_numpy(zero_copy_only=False)
    values = pc.fill_null(array.cast(pa.int32()), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    return values, known


_FIRST, _LAST = to_day(dt.date(1890, 1, 1)), to_day(dt.date(2110, 12, 31))  # the contract's dates, and more


@lru_cache(maxsize=1)
def _civil_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of every day from 1890 to 2110, built once: a lookup is one gather."""
    return _civil(np.arange(_FIRST, _LAST + 1, dtype=np.int64))


def year_month_day(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Civil year, month and day of days since 1970: looked up for the days of 1890 to 2110
    (every date the request contract takes, and a margin), computed for any other."""
    values = np.asarray(values)
    if len(values) and values.min() >= _FIRST and values.max() <= _LAST:
        at = values - _FIRST
        year, month, day = _civil_table()
        return year[at], month[at], day[at]
    return _civil(values)


def _civil(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Civil year, month and day of days since 1970 (integer arithmetic: H. Hinnant's algorithm)."""
    z = values.astype(np.int32) + 719468   # 32-bit: the contract's dates are far inside its range
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    return (yoe + era * 400 + (month <= 2)).astype(np.int64), month.astype(np.int64), day.astype(np.int64)


def from_civil(year: np.ndarray, month: Any, day: Any) -> np.ndarray:
    """Days since 1970 of civil dates (each a real day)."""
    y = np.asarray(year, dtype=np.int64) - (np.asarray(month) <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * ((np.asarray(month) + 9) % 12) + 2) // 5 + np.asarray(day) - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def from_year(year: np.ndarray, month: int, day: int) -> np.ndarray:
    """Day ``month``-``day`` of each year (a day every year has): computed once per year in
    the array's range and looked up (a population's coverage years are few)."""
    year = np.asarray(year, dtype=np.int64)
    if not len(year):
        return year
    low, high = int(year.min()), int(year.max())
    if high - low > 400:
        return from_civil(year, month, day)
    return from_civil(np.arange(low, high + 1), month, day)[year - low]


def next_month_start(values: np.ndarray) -> np.ndarray:
    year, month, _ = year_month_day(values)
    return from_civil(year + (month == 12), np.where(month == 12, 1, month + 1), 1)


@lru_cache(maxsize=1)
def _calendar() -> tuple[int, np.ndarray]:
    """The official calendar's first day and its running count of working days, built once."""
    first, last = to_day(dt.date(FIRST_YEAR, 1, 1)), to_day(dt.date(LAST_YEAR, 12, 31))
    working = np.array([is_working_day(to_date(d)) for d in range(first, last + 1)], dtype=np.int64)
    return first, np.cumsum(working)


def add_working(values: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``workdays.add_working_days`` over arrays (the official calendar as a running count of
    working days), and where a day it passes is outside the calendar (the scalar raises)."""
    if count == 0:
        return values, np.zeros(len(values), dtype=bool)
    first, running = _calendar()
    offset = values - first
    inside = (offset >= -1) & (offset < len(running))
    before = np.where(offset >= 0, running[np.clip(offset, 0, len(running) - 1)], 0)
    target = before + count
    found = np.searchsorted(running, target, side="left")
    failed = ~inside | (target > running[-1])
    return np.where(failed, 0, first + found), failed


def mapped(values: np.ndarray, function: Callable[[dt.date], dt.date]) -> tuple[np.ndarray, np.ndarray]:
    """``function`` over the distinct days of ``values`` (a register has few), and where it
    raised CalendarError."""
    unique, inverse = np.unique(values, return_inverse=True)
    out = np.empty(len(unique), dtype=np.int64)
    failed = np.zeros(len(unique), dtype=bool)
    for i, day in enumerate(unique.tolist()):
        try:
            out[i] = to_day(function(to_date(day)))
        except CalendarError:
            failed[i] = True
    return out[inverse], failed[inverse]


class Tri:
    """A condition's result for every row: ``value`` where ``known``; ``novec`` rows are
    unknown because no vectorised form decides them; ``witness`` is the row of the statuses
    table that satisfied a status test (-1: none); ``lacks``: the facts the unknown rows lack."""

    __slots__ = ("value", "known", "novec", "witness", "lacks")

    def __init__(self, value: np.ndarray, known: np.ndarray, novec: np.ndarray | None = None,
                 witness: np.ndarray | None = None, lacks: Lacks = NONE):
        self.value, self.known = value & known, known
        self.novec = novec if novec is not None else np.zeros(len(value), dtype=bool)
        self.witness, self.lacks = witness, lacks

    @property
    def true(self) -> np.ndarray:
        return self.value

    @property
    def false(self) -> np.ndarray:
        return self.known & ~self.value


class Dates:
    """A date expression's value per row: ``day`` where ``valid`` (a missing primary status
    gives no date); ``novec`` rows need the scalar evaluator."""

    __slots__ = ("day", "valid", "novec")

    def __init__(self, day: np.ndarray, valid: np.ndarray, novec: np.ndarray):
        self.day, self.valid, self.novec = day, valid, novec


def of_kinds(kind_code: np.ndarray, codes: Any) -> np.ndarray:
    """Status records whose kind (its index in ``STATUS_KINDS``; -1 none) is one of ``codes``."""
    chosen = np.zeros(len(STATUS_KINDS) + 1, dtype=bool)
    chosen[list(codes)] = True
    return chosen[kind_code]


def first_record(parent: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Per row (of ``n``), the first (lowest) record index where ``mask``; -1 when none. Records
    are ordered by owner, then by their position in the request."""
    out = np.full(n, -1, dtype=np.int64)
    hits = np.flatnonzero(mask)
    if len(hits):
        owners = parent[hits]
        first = np.ones(len(hits), dtype=bool)
        first[1:] = owners[1:] != owners[:-1]
        out[owners[first]] = hits[first]
    return out


class _Picked(dict):
    """A dict of columns at ``index``, each taken when first read (a subset walks few of them)."""

    def __init__(self, source: Any, index: np.ndarray):
        super().__init__()
        self._source, self._index = source, index

    def __missing__(self, key: Any) -> Any:
        found = self[key] = _pick(self._source[key], self._index)
        return found

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self._source else default

    def __contains__(self, key: Any) -> bool:
        return key in self._source

    def items(self) -> Any:
        return ((key, self[key]) for key in self._source)


def _pick(value: Any, index: np.ndarray) -> Any:
    """``value`` (arrays, Arrow arrays, and dicts and tuples of them) at ``index``."""
    if isinstance(value, dict):
        return _Picked(value, index)
    if isinstance(value, tuple):
        return tuple(_pick(item, index) for item in value)
    if isinstance(value, np.ndarray):
        return value[index]
    return value.take(pa.array(index, type=pa.int64()))


_PER_RECORD = ("kinds", "attribute")   # frame.cache entries that are masks of the statuses' records


class Frame:
    """One group's rows and the phase they are evaluated in (matched categories, the
    primary status), with a memo of results by node."""

    def __init__(self, n: int, persons: dict[str, Any], statuses: dict[str, Any], enrollments: dict[str, Any],
                 as_of: np.ndarray, coverage_year: np.ndarray, status_date: np.ndarray, notes: list):
        self.n, self.persons, self.statuses, self.enrollments = n, persons, statuses, enrollments
        self.as_of, self.coverage_year, self.status_date = as_of, coverage_year, status_date
        self.notes = notes                      # (why, rows): rows some node could not decide
        self.matched: dict[str, np.ndarray] = {}
        self.undecided: dict[str, np.ndarray] = {}
        self.undecided_lacks: dict[str, Lacks] = {}
        self.facts = FactTable()                # the paths of lacked facts, shared by every phase
        self.status_rows: np.ndarray | None = None  # a subset: its parent's status records it kept
        self.since: Dates | None = None         # status_since, in the outputs' phase
        self.shifted = False
        self.memo: dict[int, Any] = {}
        self.dates: dict[int, Dates] = {}
        self.cache: dict[Any, Any] = {}         # derived arrays shared by every phase

    def phase(self, **changes: Any) -> "Frame":
        """The same rows in another phase (or on another status date): a fresh memo."""
        copied = object.__new__(Frame)
        copied.__dict__.update(self.__dict__)
        copied.memo, copied.dates = {}, {}
        copied.__dict__.update(changes)
        if "status_date" in changes:
            copied.shifted = True
        return copied

    def subset(self, rows: np.ndarray) -> "Frame":
        """The same phase for ``rows`` only (a search over a few rows need not walk them all)."""
        index = np.flatnonzero(rows)
        local = np.full(self.n, -1, dtype=np.int64)
        local[index] = np.arange(len(index))

        def records(table: dict[str, Any]) -> tuple[dict[str, Any], np.ndarray]:
            owner = local[table["parent"]]
            chosen = np.flatnonzero(owner >= 0)
            picked = _pick(table, chosen)
            picked["parent"] = owner[chosen]
            return picked, chosen
        statuses, chosen = records(self.statuses)
        # the status tests' masks that no date changes (kinds, attributes) are the same records' masks
        cache = {key: _pick(value, chosen) for key, value in self.cache.items()
                 if isinstance(key, tuple) and key[0] in _PER_RECORD}
        copied = self.phase(n=len(index), persons=_pick(self.persons, index), statuses=statuses,
                            enrollments=records(self.enrollments)[0], as_of=self.as_of[index],
                            coverage_year=self.coverage_year[index], status_date=self.status_date[index],
                            matched=_pick(self.matched, index), undecided=_pick(self.undecided, index),
                            undecided_lacks={cid: picked(lacks, local) for cid, lacks in self.undecided_lacks.items()},
                            since=None if self.since is None else Dates(self.since.day[index], self.since.valid[index],
                                                                        self.since.novec[index]),
                            notes=[], cache=cache)
        copied.shifted = self.shifted
        copied.status_rows = chosen   # the parent's status records this subset kept, in order
        return copied

    def civil(self, days_since_1970: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``year_month_day`` of an array this frame holds, computed once per array."""
        key = ("civil", id(days_since_1970))
        found = self.cache.get(key)
        if found is None:  # the array is kept with its result: its id is not reused meanwhile
            found = self.cache[key] = (days_since_1970, year_month_day(days_since_1970))
        return found[1]

    @property
    def as_of_year(self) -> np.ndarray:
        return self.civil(self.as_of)[0]

    def adopt_notes(self, few: "Frame", index: np.ndarray) -> None:
        """The notes of a subset (``few``, of rows ``index``), said of this frame's rows."""
        for why, rows in few.notes:
            hits = self.none()
            hits[index[rows]] = True
            self.note(why, hits)

    def note(self, why: str, rows: np.ndarray) -> np.ndarray:
        if rows.any():
            self.notes.append((why, rows))
        return rows

    def none(self) -> np.ndarray:
        return np.zeros(self.n, dtype=bool)

    def per_status(self, values: np.ndarray) -> np.ndarray:
        return values[self.statuses["parent"]]

    def any_of(self, parent: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        out[parent[mask]] = True
        return out

    def first_of(self, parent: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return first_record(parent, mask, self.n)

    # -- dates --------------------------------------------------------------------------------
    def date(self, expr: DateExpr) -> Dates:
        found = self.dates.get(id(expr))
        if found is None:
            found = self.dates[id(expr)] = self._date(expr)
        return found

    def _date(self, expr: DateExpr) -> Dates:
        start, n = expr.start, self.n
        valid, novec = np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
        if isinstance(start, dt.date):
            day = np.full(n, to_day(start), dtype=np.int64)
        elif isinstance(start, MonthDay):
            year = self.coverage_year if start.year == "coverage_year" else self.as_of_year
            day = from_year(year + start.years_later, start.month, start.day)
        elif isinstance(start, DateExpr):
            inner = self.date(start)
            day, valid, novec = inner.day, inner.valid, inner.novec
        elif start == "as_of":
            day = self.as_of
        elif start == "status_date":
            day = self.status_date
        elif start == "coverage_year_start":
            day = from_year(self.coverage_year, 1, 1)
        elif start == "coverage_year_end":
            day = from_year(self.coverage_year, 12, 31)
        elif self.since is None:  # before the primary category is known: no date, as in the scalar walk
            day, valid = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
        elif not self.shifted:      # status_since in the outputs' phase
            day, valid, novec = self.since.day, self.since.valid, self.since.novec
        else:  # the scalar walk searches the qualifying day again from the shifted date
            day, valid = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
            novec = self.note("status_since on a shifted status date", np.ones(n, dtype=bool))
        for offset in expr.offsets:
            if offset.unit == "days":
                day = day + offset.count
            elif offset.unit in ("next_month_start", "month_end"):
                day = next_month_start(day) - (offset.unit == "month_end")
            else:
                count = offset.count
                day = np.where(valid, day, 0)
                if offset.unit == "months":
                    day, failed = mapped(day, lambda d: add_months(d, count))
                else:
                    day, failed = add_working(day, count)
                failed &= valid
                novec = novec | self.note("working days outside the official calendar", failed)
                valid = valid & ~failed
        return Dates(day, valid, novec)

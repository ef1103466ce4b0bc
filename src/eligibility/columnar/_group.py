"""One group of rows (one version and program of a policy): the scalar evaluator's order
as one pass over arrays.

Preconditions and categories, then exclusions seeing the categories, then the verdict
(``engine.judge``'s precedence, on rows whose every rule result is known), then the outputs.
A row where a result it depends on is unknown (a missing fact, or a node with no vectorised
form) is handed back for the scalar evaluator, with the reason.
"""

from __future__ import annotations

import copy

from typing import Any

import numpy as np
import pyarrow as pa

from ..language import Program, Version
from ._frame import Dates, Frame, Tri, first_record, year_month_day
from ._decisions import empty_lists
from ._lacks import finite_rows, joined
from ._translate import walk

MISSING = "decided by cases or branches (a lacked fact with few values, an unknown higher category) or an unknown output"


def coverage_years(program: Program, as_of: np.ndarray, requested: Any) -> np.ndarray:
    """``Program.coverage_year`` per row: the year requested, else the program's default."""
    year = year_month_day(as_of)[0]
    if program.coverage_default == "next_year":
        default = year + 1
    elif program.coverage_default == "first_ruled" and program.years:
        default = np.full(len(as_of), program.years[0], dtype=np.int64)
    else:
        default = year
    given = requested.is_valid().to_numpy(zero_copy_only=False)
    values = requested.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.where(given, values, default)


def status_dates(program: Program, frame_enrollments: dict[str, Any], as_of: np.ndarray,
                 coverage_year: np.ndarray, n: int) -> np.ndarray:
    """The status date: ``as_of``, or the day the resident insurance for the year was paid."""
    if program.status_date != "registration":
        return as_of
    records = frame_enrollments
    parent = records["parent"]
    paid_on = records["paid_on"]
    paid = paid_on.is_valid().to_numpy(zero_copy_only=False)
    day = paid_on.cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    year, year_known = records["year"]
    resident = records["resident"]
    hits = resident & year_known & paid & (year == coverage_year[parent]) & (day <= as_of[parent])
    out = as_of.copy()
    first = first_record(parent, hits, n)
    out[first >= 0] = day[first[first >= 0]]
    return out


def _always(frame: Frame) -> Tri:
    return Tri(np.ones(frame.n, dtype=bool), np.ones(frame.n, dtype=bool))


def results(rules: Any, frame: Frame) -> list[Tri]:
    return [walk(rule.condition, frame) if rule.condition is not None else _always(frame) for rule in rules]


class Verdicts:
    """Per row of a group: the outcome (``engine._outcome.judge``'s precedence, three-valued),
    the deciding rule, the primary category (index, -1 none), whether the outputs apply, the
    facts the unknown rules lack, and the rows left to the scalar evaluator (``fallback``): a
    node with no vectorised form, an undetermined outcome the scalar evaluator would decide
    by cases (a lacked fact with a few values) or by branches (an unknown category ranked
    above the one that holds)."""

    def __init__(self, program: Program, version: Version, frame: Frame, outside: np.ndarray, closed: np.ndarray):
        self.program, self.version = program, version
        n = frame.n
        pre = results(program.preconditions, frame)
        cats = results(program.categories, frame)
        later = frame.phase(matched={r.id: t.true for r, t in zip(program.categories, cats)},
                            undecided={r.id: ~t.known for r, t in zip(program.categories, cats)},
                            undecided_lacks={r.id: t.lacks for r, t in zip(program.categories, cats)})
        excl = results(program.exclusions, later)
        every = pre + cats + excl
        none = np.zeros(n, dtype=bool)
        novec = np.logical_or.reduce([t.novec for t in every]) if every else none
        self.lacks = joined([t.lacks for t in every], np.ones(n, dtype=bool))
        self.frame, self.categories = later, cats
        self.outcome = np.full(n, -1, dtype=np.int64)     # index into self.names
        self.decided_by = np.full(n, -1, dtype=np.int64)
        self.referred_to = np.full(n, -1, dtype=np.int64)
        self.names: list[str | None] = []
        # a coverage year already over (``enrollment_closed``) or not ruled, before any rule
        self._set(closed, "enrollment_closed", "coverage_year")
        self._set(outside & ~closed, "no_policy_in_force", "coverage_year")
        decided = outside.copy()
        for rule, result in zip(program.preconditions, pre):
            hit = result.false & ~decided
            self._set(hit, rule.outcome or "not_eligible", rule.name.path)
            decided |= hit
        # what an unknown precondition (or an unknown exclusion before the holding one) would decide
        before: dict[str, np.ndarray] = {}
        for rule, result in zip(program.preconditions, pre):
            name = rule.outcome or "not_eligible"
            before[name] = before.get(name, none) | ~result.known

        def other_than(outcome: str, extra: dict[str, np.ndarray]) -> np.ndarray:
            found = none
            for name in set(before) | set(extra):
                if name != outcome:
                    found = found | before.get(name, none) | extra.get(name, none)
            return found
        primary = np.full(n, -1, dtype=np.int64)
        for index in range(len(cats) - 1, -1, -1):
            primary = np.where(cats[index].true, index, primary)
        undetermined = none.copy()
        nocat = ~decided & (primary < 0)
        if nocat.any():
            cat_unknown = np.logical_or.reduce([~t.known for t in cats]) if cats else none
            excluding = none
            for rule, result in zip(program.exclusions, excl):
                if rule.outcome == "not_eligible":
                    excluding = excluding | result.true
            doubt = nocat & ((cat_unknown & ~excluding) | other_than("not_eligible", {}))
            undetermined |= doubt
            self._set(nocat & ~doubt, "not_eligible", "categories")
            decided |= nocat
        found, earlier = none.copy(), {}
        rest = ~decided
        for rule, result in zip(program.exclusions, excl):
            outcome = rule.outcome or "not_eligible"
            hit = rest & result.true & ~found
            if hit.any():
                doubt = hit & other_than(outcome, earlier)
                undetermined |= doubt
                self._set(hit & ~doubt, outcome, rule.name.path, rule.department)
                found |= hit
            earlier[outcome] = earlier.get(outcome, none) | ~result.known
        decided |= found
        rest = ~decided
        unsure = np.logical_or.reduce([~t.known for t in pre + excl]) if pre or excl else none
        above = none
        for index, result in enumerate(cats):
            above = above | (~result.known & (primary > index))
        doubt = rest & (unsure | above)
        undetermined |= doubt
        self.applies = rest & ~doubt
        for index, rule in enumerate(program.categories):
            hit = self.applies & (primary == index)
            outcome = rule.outcome or "eligible"
            self._set(hit, outcome, rule.name.path, rule.department if outcome == "referred" else None)
        self._set(undetermined, "undetermined", None)
        self.undetermined = undetermined
        # the scalar evaluator decides these by branches or by cases (``engine._run.judge``)
        self.fallback = (novec | (doubt & ~unsure & above) | (undetermined & finite_rows(self.lacks, frame.facts, n))
                         ) & ~outside
        self.primary = np.where(self.applies, primary, -1)
        witness = np.full(n, -1, dtype=np.int64)
        for index, result in enumerate(cats):
            if result.witness is not None:
                witness = np.where(self.primary == index, result.witness, witness)
        self.witness = witness

    def subset(self, index: np.ndarray, kept: np.ndarray) -> "Verdicts":
        """The verdicts of the rows ``index``, for the outputs walked on them alone: ``applies``,
        ``primary``, ``outcome`` and ``witness`` (renumbered among the status records ``kept``, a
        subset frame's ``status_rows``) are those rows'; the other per-row fields stay the group's."""
        mine = copy.copy(self)
        mine.applies, mine.primary, mine.outcome = self.applies[index], self.primary[index], self.outcome[index]
        place = np.full(len(self.frame.statuses["parent"]) + 1, -1, dtype=np.int64)   # the last: no witness
        place[kept] = np.arange(len(kept))
        mine.witness = place[self.witness[index]]
        return mine

    def _set(self, rows: np.ndarray, outcome: str, rule: str | None, referred_to: str | None = None) -> None:
        if not rows.any():
            return
        self.outcome[rows] = self._name(outcome)
        if rule is not None:
            self.decided_by[rows] = self._name(rule)
        if referred_to is not None:
            self.referred_to[rows] = self._name(referred_to)

    def _name(self, name: str) -> int:
        if name not in self.names:
            self.names.append(name)
        return self.names.index(name)

    def strings(self, codes: np.ndarray) -> pa.Array:
        return pa.array(self.names + [None], type=pa.string()).take(
            pa.array(np.where(codes >= 0, codes, len(self.names))))

    def outcomes(self) -> np.ndarray:
        return np.asarray(self.names + [None], dtype=object)[np.where(self.outcome >= 0, self.outcome,
                                                                       len(self.names))]

    def since(self, frame: Frame) -> Dates:
        """``status_since`` per row: the primary status's ``since``, or the first day from it
        to the status date on which the primary category holds, found by halving as the
        scalar evaluator does (``engine._run._qualified_on``), all rows at once."""
        records = frame.statuses
        has = self.witness >= 0
        index = np.where(has, self.witness, 0)
        day = records["since"][index] if len(records["since"]) else np.zeros(frame.n, dtype=np.int64)
        day = np.where(has, day, 0)
        held, novec = self._holds(frame, day, has, self.primary)
        search = has & self.applies & (day < frame.status_date) & ~held & ~novec
        if not search.any():
            return Dates(day, has, novec)
        few, primary = frame.subset(search), self.primary[search]  # the search walks these rows only
        low, high = day[search], few.status_date.copy()
        doubted = np.zeros(few.n, dtype=bool)   # a day the arrays could not decide: the scalar path searches
        while True:
            active = high - low > 1
            if not active.any():
                break
            middle = low + (high - low) // 2
            held, unsure = self._holds(few, np.where(active, middle, few.status_date), active, primary)
            doubted |= unsure
            high = np.where(active & held, middle, high)
            low = np.where(active & ~held, middle, low)
        found = day.copy()
        found[search] = high
        searched = np.flatnonzero(search)
        novec[searched[doubted]] = True
        frame.adopt_notes(few, searched)   # why the search could not decide, said of the whole rows
        return Dates(found, has, novec)

    def _holds(self, frame: Frame, day: np.ndarray, rows: np.ndarray, primary: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
        """Whether the primary category holds on ``day`` (per row), for ``rows``; and the rows
        no vectorised form decides there."""
        shifted = frame.phase(status_date=day)
        held, novec = np.zeros(frame.n, dtype=bool), np.zeros(frame.n, dtype=bool)
        for index, rule in enumerate(self.program.categories):
            mine = rows & (primary == index)
            if mine.any() and rule.condition is not None:
                result = walk(rule.condition, shifted)
                held |= mine & result.true
                novec |= mine & result.novec
            elif mine.any():
                held |= mine
        return held, novec


def distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)``; for small non-negative integers by counting,
    not sorting (the signatures and keys of a group take few values)."""
    if values.dtype == np.int64 and len(values) and values.min() >= 0 and values.max() < 1 << 16:
        present = np.zeros(int(values.max()) + 1, dtype=bool)
        present[values] = True
        unique = np.flatnonzero(present)
        rank = np.cumsum(present) - 1
        return unique, rank[values]
    unique, inverse = np.unique(values, return_inverse=True)
    return unique, inverse.reshape(-1)


def lists(masks: list[np.ndarray], items: list[tuple[str, ...]], n: int) -> pa.Array:
    """Per row, the items of every mask that holds, in order, each once: a list column built
    from the few distinct combinations (a bitmask per row)."""
    if not masks:
        return empty_lists(n, pa.list_(pa.string()))
    signature = np.zeros(n, dtype=object if len(masks) > 62 else np.int64)
    for bit, mask in enumerate(masks):
        signature = signature + np.where(mask, 1 << bit, 0)
    unique, inverse = distinct(signature)
    built = []
    for key in unique.tolist():
        seen: list[str] = []
        for bit, names in enumerate(items):
            if key >> bit & 1:
                seen += [name for name in names if name not in seen]
        built.append(seen)
    return pa.array(built, type=pa.list_(pa.string())).take(pa.array(inverse.astype(np.int64)))

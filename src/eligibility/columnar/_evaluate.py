"""The columnar evaluator: a population table in, one decision row per record out.

Rows are grouped by the version in force and the program; each group is one pass over
arrays (``_group``, ``_outputs``). Every row the columnar walk cannot decide exactly as the
scalar evaluator would (it may be invalid, its coverage year is closed or not ruled, a rule
result it depends on is unknown, a node or date has no vectorised form) is decided by the
scalar evaluator (``evaluate_many``) instead, and the result says how many and why.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import Policy, PolicySet, RecordError, bundled_policies, evaluate_many
from ..engine import prepare
from ._checks import conform
from ._decisions import DECISION_SCHEMA, decision_row, empty_lists, error_row, repeated, rows_table
from ._frame import Frame, days, to_day, year_month_day
from ._group import MISSING, Verdicts, coverage_years, lists, status_dates
from ._lacks import listed
from ._layout import requests_table, row_requests
from ._outputs import outputs
from . import _slices

_PERSON = ("person.hukou.region", "person.hukou.kind", "person.sex", "person.student",
           "person.social_security_card", "choices.tier", "choices.pension_grade")
SUSPECT = "may be invalid: parsed and checked by the scalar path"


@dataclass(frozen=True)
class ColumnarResult:
    """The decisions (``table``, in ``DECISION_SCHEMA``, one row per record in order) and
    how many rows the scalar evaluator decided, by reason (``fallback``)."""

    table: pa.Table
    fallback: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict, compare=False)  # columnar, scalar (wall clock)

    def summary(self) -> dict[str, Any]:
        """Counts per outcome, rejected records, total subsidy per funding source (yuan, as
        decimal text), and the rows decided by the scalar path, by reason. No person's data."""
        table = self.table
        outcomes = {row["outcome"]: row["count"] for row in
                    table.group_by("outcome").aggregate([("record", "count")]).rename_columns(
                        ["outcome", "count"]).to_pylist() if row["outcome"] is not None}
        rejected = int(pc.sum(pc.greater(pc.list_value_length(table["errors"]), 0)).as_py() or 0)
        paid = table.select(["funding_source", "subsidy_amount"]).filter(pc.is_valid(table["subsidy_amount"]))
        totals = {row["funding_source"] or "unnamed": str(row["total"] or Decimal("0.00")) for row in
                  paid.group_by("funding_source", use_threads=False).aggregate([("subsidy_amount", "sum")])
                  .rename_columns(["funding_source", "total"]).to_pylist()}
        return {"records": table.num_rows, "outcomes": dict(sorted(outcomes.items())), "rejected": rejected,
                "subsidy_by_funding_source": dict(sorted(totals.items())),
                "scalar_fallback": sum(self.fallback.values()), "fallback_reasons": dict(self.fallback)}

    @staticmethod
    def merged(summaries: Iterable[dict[str, Any]]) -> dict[str, Any]:
        """Several ``summary()`` as one (the chunks of a batch): counts and sums added."""
        whole = ColumnarResult(DECISION_SCHEMA.empty_table()).summary()
        totals: dict[str, Decimal] = {}
        for part in summaries:
            for key in ("records", "rejected", "scalar_fallback"):
                whole[key] += part[key]
            for key in ("outcomes", "fallback_reasons"):
                for name, count in part[key].items():
                    whole[key][name] = whole[key].get(name, 0) + count
            for name, total in part["subsidy_by_funding_source"].items():
                totals[name] = totals.get(name, Decimal(0)) + Decimal(total)
        whole["outcomes"] = dict(sorted(whole["outcomes"].items()))
        whole["subsidy_by_funding_source"] = {name: str(total) for name, total in sorted(totals.items())}
        return whole


def evaluate_requests(requests: Iterable[Any], policies: PolicySet | Policy | None = None, *,
                      workers: int = 1, layout: tuple[pa.Table, Sequence[bool]] | None = None,
                      progress: Callable[[int], None] | None = None) -> ColumnarResult:
    """Request mappings (or Requests), decided columnar; a mapping that does not fit the
    column layout is decided (or refused) by the scalar path from the mapping itself.
    ``workers`` > 1: slices decided by that many forked processes. ``layout``: the table in
    the column layout and whether each request fitted it, where it is at hand (as
    ``requests_table`` makes them, or a reader of the same rows); then ``requests`` may be any
    sequence (a reader's rows, made when asked): it is only indexed, for the rows the scalar
    path decides. ``progress`` is told the rows decided so far."""
    listed = requests if layout is not None and isinstance(requests, Sequence) else list(requests)
    table, fitted = requests_table(listed) if layout is None else layout
    return _evaluate(table, policies, listed, ~np.asarray(fitted, dtype=bool), workers, progress)


def evaluate_table(table: pa.Table, policies: PolicySet | Policy | None = None, *, workers: int = 1,
                   progress: Callable[[int], None] | None = None) -> ColumnarResult:
    """A table in the column layout (docs/batch.md), decided columnar. ``workers`` > 1:
    slices decided by that many forked processes; ``progress`` is told the rows decided so far."""
    return _evaluate(table, policies, None, None, workers, progress)


def _evaluate(table: pa.Table, policies: Any, requests: Sequence[Any] | None, misfit: np.ndarray | None,
              workers: int, progress: Callable[[int], None] | None = None) -> ColumnarResult:
    resolved = bundled_policies() if policies is None else policies
    if table.num_rows <= _slices.ROWS:
        result = _slice(table, resolved, requests, misfit)
        if progress is not None:
            progress(table.num_rows)
        return result
    return ColumnarResult(*_slices.in_slices(_slice, table, resolved, requests, misfit, workers, progress))


def _slice(table: pa.Table, resolved: Any, requests: Sequence[Any] | None, misfit: np.ndarray | None
           ) -> ColumnarResult:
    started = time.perf_counter()
    listed = [resolved] if isinstance(resolved, Policy) else list(resolved)
    cities = {p.city: dict(prepare(p).parameters) for p in listed}
    n = table.num_rows
    data, suspect = conform(table, cities)
    if misfit is not None:
        suspect |= misfit
    reason = np.full(n, -1, dtype=np.int64)
    reasons: list[str] = []

    def fall(rows: np.ndarray, why: str) -> None:
        rows = rows & (reason < 0)
        if rows.any():
            if why not in reasons:
                reasons.append(why)
            reason[rows] = reasons.index(why)

    fall(suspect, SUSPECT)
    as_of, city, program = data["as_of_days"], data["city"], data["program"]
    pieces = []
    for policy in listed:
        here = pc.fill_null(pc.equal(city, policy.city), False).to_numpy(zero_copy_only=False) & (reason < 0)
        taken = np.zeros(n, dtype=bool)
        for version in policy.versions:
            end = to_day(version.effective_to) if version.effective_to else np.iinfo(np.int64).max
            rows = here & ~taken & (as_of >= to_day(version.effective_from)) & (as_of <= end)
            taken |= rows
            ruled = np.zeros(n, dtype=bool)
            for ruled_program in version.programs:
                mine = rows & pc.fill_null(pc.equal(program, ruled_program.name), False).to_numpy(
                    zero_copy_only=False)
                ruled |= mine
                if mine.any():
                    pieces.append(_group(policy, version, ruled_program, np.flatnonzero(mine), data, fall))
            unruled = rows & ~ruled
            if unruled.any():
                pieces.append(_unruled(policy, version, unruled, data, "program"))
        untaken = here & ~taken
        if untaken.any():
            pieces.append(_unruled(policy, None, untaken, data, "version"))
    scalar = np.flatnonzero(reason >= 0)
    columnar_done = time.perf_counter()
    chosen = [requests[i] for i in scalar] if requests is not None else row_requests(table, scalar)
    rows = [error_row(int(i), result.issues) if isinstance(result, RecordError) else decision_row(int(i), result)
            for i, result in zip(scalar, evaluate_many(chosen, policies=resolved))]
    pieces.append(rows_table(rows))
    scalar_done = time.perf_counter()
    pieces = [piece.select(DECISION_SCHEMA.names).cast(DECISION_SCHEMA) for piece in pieces if piece.num_rows]
    out = pa.concat_tables(pieces) if pieces else DECISION_SCHEMA.empty_table()
    if len(pieces) > 1:  # one group of every row in order (one version and program) needs no reordering
        out = out.take(pc.sort_indices(out["record"]))
    counts = np.bincount(reason[scalar], minlength=len(reasons)) if len(scalar) else np.zeros(len(reasons), int)
    return ColumnarResult(out, {why: int(count) for why, count in zip(reasons, counts) if count},
                          {"columnar": columnar_done - started, "scalar": scalar_done - columnar_done})


def _take(values: Any, index: np.ndarray | None) -> Any:
    """``values`` at ``index``; None: all of them, as they are (a group of every row copies nothing)."""
    if index is None:
        return values
    if isinstance(values, np.ndarray):
        return values[index]
    return values.take(pa.array(index, type=pa.int64()))


def _records(records: dict[str, Any], local: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    owner = local[records["parent"]] if len(records["parent"]) else np.zeros(0, dtype=np.int64)
    if (owner >= 0).all():
        return None, owner
    chosen = np.flatnonzero(owner >= 0)
    return chosen, owner[chosen]


def _procedure(policy: Policy, version: Any, program: Any, index: np.ndarray, as_of: np.ndarray,
               coverage_year: Any, outcome: Any, step: str) -> pa.Table:
    """Rows decided by the procedure before any version's rules: no version in force
    (``step`` ``version``), a program the version does not rule (``program``). A coverage year
    already over or not ruled is decided in its group (``Verdicts``)."""
    n = len(index)
    columns: dict[str, Any] = {name: pa.nulls(n, DECISION_SCHEMA.field(name).type) for name in DECISION_SCHEMA.names}
    empty = empty_lists(n, pa.list_(pa.string()))
    columns.update({
        "record": pa.array(index, type=pa.int64()), "outcome": pa.array(outcome, type=pa.string()),
        "eligible": pa.array(np.zeros(n, dtype=bool)),
        "city": repeated(policy.city, n), "as_of": _dates(as_of),
        "program": program, "policy_version": repeated(version.id if version else None, n),
        "coverage_year": coverage_year, "categories": empty, "decided_by": repeated(step, n),
        "flags": empty, "deadlines": empty_lists(n, DECISION_SCHEMA.field("deadlines").type),
        "open_deadlines": empty, "missing": empty, "open": empty, "defaults": empty,
        "errors": empty_lists(n, DECISION_SCHEMA.field("errors").type)})
    return pa.table(columns)


def _unruled(policy: Policy, version: Any, rows: np.ndarray, data: dict[str, Any], step: str) -> pa.Table:
    index = np.flatnonzero(rows)
    return _procedure(policy, version, _take(data["program"], index), index, data["as_of_days"][index],
                      _take(data["coverage_year"], index), ["no_policy_in_force"] * len(index), step)


def _dates(days_since_1970: np.ndarray) -> pa.Array:
    return pa.array(days_since_1970.astype(np.int32), type=pa.int32()).cast(pa.date32())


def _group(policy: Policy, version: Any, program: Any, index: np.ndarray, data: dict[str, Any], fall: Any
           ) -> pa.Table:
    as_of = data["as_of_days"][index]
    coverage_year = coverage_years(program, as_of, _take(data["coverage_year"], index))
    year = year_month_day(as_of)[0]
    closed = coverage_year < year
    outside = closed | (coverage_year > year + 1)
    if program.years is not None:
        outside |= ~np.isin(coverage_year, list(program.years))
    # rows whose coverage year is over or not ruled are decided before any rule (``Verdicts``):
    # they stay in the group, so a slice of one version and program needs no reordering
    n = len(index)
    local = np.full(len(data["as_of_days"]), -1, dtype=np.int64)
    local[index] = np.arange(n)
    every = None if n == len(local) else index  # the whole table is one group: nothing to copy
    persons = {name: _take(data[name], every) for name in _PERSON}
    birth, known = data["birth"]
    persons["birth"] = (_take(birth, every), _take(known, every))
    chosen, owner = _records(data["statuses"], local)
    source = data["statuses"]
    fields = {name: _take(values, chosen) for name, values in source["fields"].items()}
    statuses = {"parent": owner, "position": _take(source["position"], chosen), "kind": _take(source["kind"], chosen),
                "kind_code": _take(source["kind_code"], chosen),
                "fields": fields,
                "since": _take(source["since"], chosen), "until": _take(source["until"], chosen),
                "until_known": _take(source["until_known"], chosen),
                "dates": {name: days(fields[name]) for name in ("certificate_valid_until", "woman_birth_date")}}
    chosen, owner = _records(data["enrollments"], local)
    source = data["enrollments"]
    end, end_known = source["to"]
    year_of, year_known = source["year"]
    enrollments = {"parent": owner, "position": _take(source["position"], chosen),
                   "scheme": _take(source["scheme"], chosen), "from": _take(source["from"], chosen),
                   "to": (_take(end, chosen), _take(end_known, chosen)),
                   "year": (_take(year_of, chosen), _take(year_known, chosen)),
                   "region": _take(source["region"], chosen), "paid_by": _take(source["paid_by"], chosen),
                   "paid_on": _take(source["paid_on"], chosen)}
    enrollments["resident"] = pc.fill_null(pc.equal(enrollments["scheme"], "resident_medical"), False).to_numpy(
        zero_copy_only=False)
    status_date = status_dates(program, enrollments, as_of, coverage_year, n)
    fallback_defaults = np.zeros(n, dtype=bool)
    defaulted = []   # the law's defaults fill the facts a row leaves out, listed as the scalar lists them
    for default in program.defaults:
        column = persons.get(default.fact)
        if column is None:  # a fact the person columns do not hold: every row by the scalar path
            defaulted.append(np.zeros(n, dtype=bool))
            fallback_defaults = np.ones(n, dtype=bool)
            continue
        left_out = ~column.is_valid().to_numpy(zero_copy_only=False)
        persons[default.fact] = pc.fill_null(column, pa.scalar(default.value, type=column.type))
        defaulted.append(left_out)
    frame = Frame(n, persons, statuses, enrollments, as_of, coverage_year, status_date, notes=[])
    conditions = {rule.id: rule.condition for rule in program.categories}
    frame.category, frame.category_ids = conditions.get, tuple(conditions)
    frame.program = program   # thresholds that are parameters are read per coverage year
    verdicts = Verdicts(program, version, frame, outside, closed)
    fallback = verdicts.fallback | frame.note("a law default for a fact with no column", fallback_defaults & ~outside)
    parameters = {name: _take(values, every) for name, values in data["parameters"].items()}
    columns = outputs(verdicts, verdicts.frame, parameters, fallback)
    for why, rows in frame.notes:
        hits = np.zeros(len(local), dtype=bool)
        hits[index[rows & fallback]] = True
        fall(hits, why)
    hits = np.zeros(len(local), dtype=bool)
    hits[index[fallback]] = True
    fall(hits, MISSING)
    outcome = verdicts.strings(verdicts.outcome)
    categories = [rule.id for rule in program.categories]
    empty = empty_lists(n, pa.list_(pa.string()))
    table = pa.table({
        "record": pa.array(index, type=pa.int64()), "outcome": outcome,
        "eligible": pc.fill_null(pc.equal(outcome, "eligible"), False),
        "city": repeated(policy.city, n),
        "as_of": _dates(as_of),
        "program": repeated(program.name, n),
        "policy_version": repeated(version.id, n),
        "coverage_year": pa.array(coverage_year, type=pa.int64()),
        "primary_category": pa.array(categories + [None], type=pa.string()).take(
            pa.array(np.where(verdicts.primary >= 0, verdicts.primary, len(categories)))),
        "categories": lists([c.true & ~outside for c in verdicts.categories], [(c,) for c in categories], n),
        "decided_by": verdicts.strings(verdicts.decided_by), "referred_to": verdicts.strings(verdicts.referred_to),
        **columns, "open_deadlines": empty, "missing": listed(verdicts.lacks, frame.facts, verdicts.undetermined, n),
        # a decided outcome lists the categories it left unknown (``engine._run._open_categories``)
        "open": lists([~c.known & ~verdicts.undetermined & ~outside for c in verdicts.categories],
                      [(rule.name.path,) for rule in program.categories], n),
        "defaults": lists([rows & ~outside for rows in defaulted], [(d.fact,) for d in program.defaults], n),
        "errors": empty_lists(n, DECISION_SCHEMA.field("errors").type),
    })
    return table.filter(pa.array(~fallback)) if fallback.any() else table


__all__ = ["ColumnarResult", "evaluate_requests", "evaluate_table"]

"""The outputs of a group's eligible and referred rows, as columns: ``engine/_outputs.py``
over arrays (first applying output wins a single-valued field, lists accumulate in policy
order, the subsidy is share × premium rounded half-up to the fen by ``engine.money``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..engine import money
from ..language import DateExpr
from ..language.kinds import kind_of, walk as nodes
from ._decisions import AMOUNT, DEADLINE, empty_lists
from ._frame import Frame, from_year, to_date
from ._group import Verdicts, distinct, lists, results


def uses_status_since(program: Any) -> bool:
    """Whether an output reads ``status_since`` (then the primary status's date is needed)."""
    exprs: list[DateExpr] = []
    for output in program.outputs:
        exprs += [e for e in (output.benefit_start, output.benefit_end) if e is not None]
        exprs += [d.due for d in output.deadlines]
        if output.rule.condition is not None:
            for node in nodes(output.rule.condition):
                exprs += kind_of(node).dates(node)
    return any("status_since" in expr.anchors() for expr in exprs)


def outputs(verdicts: Verdicts, frame: Frame, parameters: dict[str, Any], fallback: np.ndarray) -> dict[str, Any]:
    """The output columns of a group; ``fallback`` gains the rows an output could not decide.
    Outputs apply to the eligible and referred rows only: where those are fewer than three
    rows in four, the outputs are walked on them alone and the columns spread back (empty
    lists and nulls elsewhere, as a row no output reaches has)."""
    applies = verdicts.applies & ~fallback
    if applies.sum() * 4 >= frame.n * 3:
        return _outputs(verdicts, frame, parameters, fallback)
    index = np.flatnonzero(applies)
    few = frame.subset(applies)
    mine = verdicts.subset(index, few.status_rows)
    undecided = fallback[index]
    columns = _outputs(mine, few, {name: values.take(pa.array(index)) for name, values in parameters.items()},
                       undecided)
    fallback[index] |= undecided
    frame.adopt_notes(few, index)
    mask = pa.array(applies)
    at = np.zeros(frame.n, dtype=np.int64)
    at[index] = np.arange(len(index))
    places = pa.array(at, mask=~applies)
    return {name: _spread(column, index, mask, places) for name, column in columns.items()}


def _spread(column: Any, index: np.ndarray, mask: pa.Array, places: pa.Array) -> Any:
    """A column of the rows ``index`` (ascending; ``mask`` marks them among all rows, and
    ``places`` gives each marked row its place in ``column``, null elsewhere) as a column of
    every row: a list column with empty lists elsewhere (its items stay as they are), any
    other with nulls. Text is taken by place, other values put in the marked places (each the
    faster for its kind, measured)."""
    n = len(mask)
    if pa.types.is_list(column.type):
        lengths = np.zeros(n, dtype=np.int32)
        lengths[index] = pc.list_value_length(column).to_numpy(zero_copy_only=False)
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        return pa.ListArray.from_arrays(pa.array(offsets), column.flatten())
    if pa.types.is_string(column.type):
        return column.take(places)
    return pc.replace_with_mask(pa.nulls(n, column.type), mask, column)


def _outputs(verdicts: Verdicts, frame: Frame, parameters: dict[str, Any], fallback: np.ndarray) -> dict[str, Any]:
    program, n = verdicts.program, frame.n
    applies = verdicts.applies & ~fallback
    if uses_status_since(program):
        frame = frame.phase(since=verdicts.since(frame))
    conditions = results([o.rule for o in program.outputs], frame)
    for result in conditions:
        fallback |= applies & ~result.known
    applies &= ~fallback
    chosen: dict[str, np.ndarray] = {}          # field -> index of the output that set it (-1: none)
    dates: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    masks = []
    deadlines: list[tuple[np.ndarray, np.ndarray, str, str]] = []
    hits = [applies & result.true for result in conditions]
    rank = program.output_precedence()
    # a single-valued field: the applying output of best precedence (``overrides``, else policy order)
    for index in sorted(range(len(hits)), key=lambda i: rank[program.outputs[i].rule.id]):
        output, hit = program.outputs[index], hits[index]
        for name, _ in output.sets:
            current = chosen.setdefault(name, np.full(n, -1, dtype=np.int64))
            current[hit & (current < 0)] = index
        for name in ("benefit_start", "benefit_end"):
            expr = getattr(output, name)
            if expr is not None:
                day, valid, has = dates.setdefault(name, (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool),
                                                          np.zeros(n, dtype=bool)))
                when = frame.date(expr)
                take = hit & ~has
                fallback |= take & when.novec
                day[take], valid[take] = when.day[take], when.valid[take]
                has |= take
    for index, output in enumerate(program.outputs):   # lists accumulate in policy order
        hit = hits[index]
        masks.append(hit)
        for deadline in output.deadlines:
            due = frame.date(deadline.due)
            fallback |= hit & due.novec
            rows = hit & due.valid
            deadlines.append((np.flatnonzero(rows), due.day[rows], deadline.action, output.rule.id))
    eligible = verdicts.outcomes() == "eligible"
    columns = {"flags": lists(masks, [o.flags for o in program.outputs], n),
               "deadlines": _deadlines(deadlines, n, frame.as_of)}
    start, start_valid, _ = dates.get("benefit_start", (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool), None))
    end, end_valid, _ = dates.get("benefit_end", (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool), None))
    empty = start_valid & end_valid & (start > end)  # benefits would start after the year ends: none
    for name, day, valid in (("benefit_start", start, start_valid & ~empty), ("benefit_end", end, end_valid & ~empty)):
        columns[name] = pa.array(day.astype(np.int32), type=pa.int32(), mask=~valid).cast(pa.date32())
    columns["benefit_note"] = pa.array(["no_benefit_days_in_coverage_year", None], type=pa.string()).take(
        pa.array(np.where(empty, 0, 1)))

    def value(name: str, rows: np.ndarray | None = None, kind: pa.DataType = pa.string()) -> pa.Array:
        """The value the first applying output gave ``name``, per row (null where none did)."""
        at = chosen.get(name, np.full(n, -1, dtype=np.int64))
        if rows is not None:
            at = np.where(rows, at, -1)
        values = [dict(o.sets).get(name) for o in program.outputs] + [None]
        if kind == pa.int64():
            values = [v if not isinstance(v, str) else None for v in values]
        return pa.array(values, type=kind).take(pa.array(np.where(at >= 0, at, len(program.outputs))))

    columns.update(_subsidy(program, frame, chosen, parameters, eligible & applies))
    columns["funding_source"] = value("funding_source", eligible & applies)
    columns["payment"] = value("payment", eligible & applies)
    # `tier: chosen` is the request's choice
    at = chosen.get("tier", np.full(n, -1, dtype=np.int64))
    by_choice = np.asarray([dict(o.sets).get("tier") == "chosen" for o in program.outputs] + [False])[
        np.where(at >= 0, at, len(program.outputs))]
    columns["tier_level"] = pc.if_else(pa.array(by_choice), frame.persons["choices.tier"],
                                       value("tier", kind=pa.int64()))
    columns["enrollment_unit"] = value("enrollment_unit")
    columns["responsible_region"] = _region(value("responsible_region"), verdicts, frame)
    return columns


def _region(how: pa.Array, verdicts: Verdicts, frame: Frame) -> pa.Array:
    hukou = frame.persons["person.hukou.region"]
    approving = pc.fill_null(pc.equal(how, "approving_region"), False).to_numpy(zero_copy_only=False) & (
        verdicts.witness >= 0)
    approved = frame.statuses["fields"]["approved_by"]
    if len(approved):
        by = approved.take(pa.array(np.where(approving, verdicts.witness, 0)))
        region = pc.if_else(pa.array(approving), pc.coalesce(by, hukou), hukou)
    else:
        region = hukou
    return pc.if_else(pc.is_valid(how), region, pa.nulls(frame.n, pa.string()))


def _deadlines(found: list[tuple[np.ndarray, np.ndarray, str, str]], n: int, as_of: np.ndarray) -> pa.Array:
    """Deadlines per row, by due date then action, as a list of structs (passed: due before as_of)."""
    if not found:
        return empty_lists(n, pa.list_(DEADLINE))
    rows = np.concatenate([f[0] for f in found])
    due = np.concatenate([f[1] for f in found])
    actions = np.concatenate([np.full(len(f[0]), i, dtype=np.int64) for i, f in enumerate(found)])
    names = [f[2] for f in found]
    rank = {name: r for r, name in enumerate(sorted(set(names)))}
    by_action = np.asarray([rank[names[a]] for a in range(len(found))], dtype=np.int64)[actions]
    low, span = (int(due.min()), int(due.max() - due.min()) + 1) if len(due) else (0, 1)
    # one int64 key: row, then due date, then action (a stable sort of it is the three-key order)
    order = np.argsort((rows * span + (due - low)) * len(rank) + by_action, kind="stable")
    rows, due, actions = rows[order], due[order], actions[order]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=n), out=offsets[1:])
    items = pa.StructArray.from_arrays(
        [pa.array(names).take(pa.array(actions)),
         pa.array(due.astype(np.int32), type=pa.int32()).cast(pa.date32()),
         pa.array([f[3] for f in found]).take(pa.array(actions)), pa.array(due < as_of[rows])],
        fields=list(DEADLINE))
    return pa.ListArray.from_arrays(pa.array(offsets), items)


def _parameter(program: Any, name: str, supplied: Any, coverage_year: int) -> Decimal | None:
    if supplied is not None:
        return Decimal(supplied)
    parameter = program.parameter(name)
    current = parameter.value_on(to_date(int(from_year(np.asarray([coverage_year]), 1, 1)[0])))
    return current.value if current is not None else None


def _subsidy(program: Any, frame: Frame, chosen: dict[str, np.ndarray], parameters: dict[str, Any],
             rows: np.ndarray) -> dict[str, pa.Array]:
    """Amount, share and premium per row, computed once per distinct (choice, year, supplied value)."""
    n = frame.n
    names = sorted({v for o in program.outputs for k, v in o.sets if k in ("amount", "premium")})
    keys = [np.where(rows, 1, 0), frame.coverage_year]
    keys += [chosen.get(field, np.full(n, -1, dtype=np.int64)) for field in ("amount", "share", "premium")]
    texts = {}
    for name in names:
        column = parameters.get(name, pa.nulls(n, pa.string()))
        unique = pc.unique(column).to_pylist()
        texts[name] = unique
        index = pc.index_in(column, value_set=pa.array(unique, type=pa.string())).to_numpy(zero_copy_only=False)
        keys.append(np.nan_to_num(index, nan=-1).astype(np.int64))
    combined = np.zeros(n, dtype=np.int64)
    for column in keys:  # one int64 key per row from the few values of each part
        values, codes = distinct(column - (column.min() if len(column) else 0))
        combined = combined * len(values) + codes
    unique, inverse = distinct(combined)
    first = np.zeros(len(unique), dtype=np.int64)
    first[inverse] = np.arange(n)  # a row of each key (every row of a key has the same values)
    amount, share, premium = [], [], []
    for key in [[int(column[i]) for column in keys] for i in first.tolist()]:
        if not key[0]:
            amount.append(None), share.append(None), premium.append(None)
            continue
        year, at = key[1], dict(zip(("amount", "share", "premium"), key[2:5]))
        supplied = {name: (texts[name][code] if code >= 0 else None) for name, code in zip(names, key[5:])}

        def use(field: str) -> Decimal | None:
            name = dict(program.outputs[at[field]].sets)[field]
            return _parameter(program, name, supplied.get(name), year)
        if at["amount"] >= 0:
            amount.append(money(use("amount"))), share.append(None), premium.append(None)
            continue
        rate = dict(program.outputs[at["share"]].sets)["share"] if at["share"] >= 0 else None
        paid = use("premium") if at["premium"] >= 0 else None
        amount.append(money(rate * paid) if rate is not None and paid is not None else None)
        share.append(str(rate) if rate is not None else None)
        premium.append(money(paid))
    take = pa.array(inverse.reshape(-1).astype(np.int64))
    return {"subsidy_amount": pa.array([None if a is None else Decimal(a) for a in amount], type=AMOUNT).take(take),
            "subsidy_share": pa.array(share, type=pa.string()).take(take),
            "subsidy_premium": pa.array([None if p is None else Decimal(p) for p in premium], type=AMOUNT).take(take)}


__all__ = ["outputs", "uses_status_since"]

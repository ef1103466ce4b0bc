"""One translator per condition kind: a node of the IR as a vectorised, three-valued test
over a frame's columns, with the scalar kind's semantics (``language/kinds/<kind>.py``).

A status test is a filtered semi-join of the statuses table (held on the day, attributes
passing) grouped back to the person; an age is computed from birth dates; a hukou test is
a prefix match. A kind with no translator here is unknown (``novec``) on every row, and
those rows go to the scalar evaluator.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..contract import STATUS_KINDS
from ..language.kinds import kind_of
from ..language.kinds import age, category, choice, coverage, date, enrolled, hukou, logic, person, status
from ..workdays import add_months
from ._frame import Frame, Tri, mapped, of_kinds
from ._lacks import Lacks, joined, scattered

Walk = Callable[[Any, Frame], Tri]


def _mask(array: Any) -> np.ndarray:
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False)


def _known(array: Any) -> np.ndarray:
    return pc.is_valid(array).to_numpy(zero_copy_only=False)


def _is_in(array: Any, allowed: Any) -> np.ndarray:
    values = [v for v in allowed if isinstance(v, bool) == pa.types.is_boolean(array.type)]
    return _mask(pc.is_in(array, value_set=pa.array(values, type=array.type)))


def _starts(array: Any, prefixes: tuple[str, ...]) -> np.ndarray:
    found = None
    for prefix in prefixes:
        hit = _mask(pc.starts_with(array, prefix))
        found = hit if found is None else found | hit
    return found if found is not None else np.zeros(len(array), dtype=bool)


def _ages(frame: Frame, born: np.ndarray, day: np.ndarray) -> np.ndarray:
    by, bm, bd = frame.civil(born)
    y, m, d = frame.civil(day)
    return y - by - ((m * 100 + d) < (bm * 100 + bd))


def _per_person(frame: Frame, parent: np.ndarray, true: np.ndarray, unknown: np.ndarray, novec: np.ndarray,
                lacks: list[Lacks], witness: bool = False) -> Tri:
    """Records grouped back to their person: true when one holds, else unknown when one may
    (lacking the facts its unknown records lack: ``lacks``, by person)."""
    held = frame.any_of(parent, true)
    known = (held | ~frame.any_of(parent, unknown)) & ~novec
    return Tri(held, known, novec & ~held, frame.first_of(parent, true) if witness else None,
               joined(lacks, ~known))


# --- the kinds ------------------------------------------------------------------------------

def _logic(node: Any, frame: Frame, walk: Walk) -> Tri:
    if isinstance(node, logic.Not):
        part = walk(node.part, frame)
        return Tri(part.false, part.known, part.novec, part.witness, part.lacks)
    if isinstance(node, logic.AllOf):
        parts: list[Tri] = []
        alive = None    # rows no earlier part has made false
        for part in node.parts:
            if alive is not None and _costly(part) and alive.sum() * 2 < frame.n:
                parts.append(_on_rows(part, frame, alive))
            else:
                parts.append(walk(part, frame))
            alive = ~parts[-1].false if alive is None else alive & ~parts[-1].false
    else:
        parts = [walk(p, frame) for p in node.parts]
    novec = np.logical_or.reduce([p.novec for p in parts])
    witness = np.full(frame.n, -1, dtype=np.int64)
    if isinstance(node, logic.AllOf):
        false = np.logical_or.reduce([p.false for p in parts])
        true = np.logical_and.reduce([p.true for p in parts])
        known = false | true
        for part in reversed(parts):  # the first part naming a status names it for the whole
            if part.witness is not None:
                witness = np.where(part.witness >= 0, part.witness, witness)
    else:
        true = np.logical_or.reduce([p.true for p in parts])
        known = true | np.logical_and.reduce([p.known for p in parts])
        for part in reversed(parts):  # the first true part naming a status decides
            if part.witness is not None:
                witness = np.where(part.true & (part.witness >= 0), part.witness, witness)
    return Tri(true, known, novec & ~known, witness, joined([p.lacks for p in parts], ~known))


def _costly(node: Any) -> bool:
    """A part worth walking on the rows that still matter only: the categories on another day."""
    while isinstance(node, logic.Not):
        node = node.part
    return isinstance(node, category.CategoryHeldOn)


def _on_rows(node: Any, frame: Frame, rows: np.ndarray) -> Tri:
    """``node`` walked on ``rows`` only; elsewhere false (the ``all`` it stands in is false
    there already). Never memoised: the same node may matter on other rows elsewhere."""
    index = np.flatnonzero(rows)
    few = frame.subset(rows)
    part = walk(node, few)
    value, known, novec = frame.none(), np.ones(frame.n, dtype=bool), frame.none()
    value[index], known[index], novec[index] = part.value, part.known, part.novec
    frame.adopt_notes(few, index)
    return Tri(value, known, novec, lacks=scattered(part.lacks, index))


def _status(node: Any, frame: Frame, walk: Walk) -> Tri:
    records = frame.statuses
    parent = records["parent"]
    if node.held_on is not None:
        when = frame.date(node.held_on)
        day, valid, novec = when.day, when.valid, when.novec
    else:
        day, valid, novec = frame.status_date, None, frame.none()
    key = ("kinds", node.kinds)
    of_kind = frame.cache.get(key)
    if of_kind is None:
        of_kind = frame.cache[key] = of_kinds(records["kind_code"],
                                              [STATUS_KINDS.index(kind) for kind in node.kinds if kind in STATUS_KINDS])
    key = ("in force", id(day), id(valid))   # every status test on one day shares this
    found = frame.cache.get(key)
    if found is None:
        on = day[parent]
        in_force = (records["since"] <= on) & (~records["until_known"] | (on <= records["until"]))
        if node.held_on is not None:
            in_force &= valid[parent]
        found = frame.cache[key] = (day, valid, on, in_force)  # the arrays kept: their ids stay theirs
    on, in_force = found[2], found[3]
    held = of_kind & in_force
    false = np.zeros(len(parent), dtype=bool)
    unknown = np.zeros(len(parent), dtype=bool)
    lacking: list[tuple[str, np.ndarray]] = []   # (attribute, records lacking it)
    for name, allowed in node.tests:
        key = ("attribute", name, allowed)   # the same on every date: once per frame
        found = frame.cache.get(key)
        if found is None:
            column = records["fields"][name]
            known = _known(column)
            found = frame.cache[key] = (known & ~_is_in(column, allowed), ~known)
        fails, lacks_it = found
        false |= fails
        unknown |= lacks_it
        lacking.append((name, lacks_it))
    if node.area is not None:
        area = frame.cache.get("area")
        if area is None:
            area = frame.cache["area"] = pc.coalesce(records["fields"]["area"],
                                                     frame.persons["person.hukou.kind"].take(pa.array(parent)))
        known = _known(area)
        false |= known & ~_is_in(area, node.area)
        unknown |= ~known
        lacking.append(("area", ~known))
    if node.certificate_valid:
        until, known = records["dates"]["certificate_valid_until"]
        false |= known & (until < on)
        unknown |= ~known
        lacking.append(("certificate_valid_until", ~known))
    if node.woman_age is not None:
        born, known = records["dates"]["woman_birth_date"]
        ages = _ages(frame, born, on)
        at_least, under = node.woman_age
        false |= known & (((ages < at_least) if at_least is not None else False)
                          | ((ages >= under) if under is not None else False))
        unknown |= ~known
        lacking.append(("woman_birth_date", ~known))
    for op, expr in node.since:
        bound = frame.date(expr)
        novec = novec | bound.novec
        since, limit = records["since"], bound.day[parent]
        passes = {"before": since < limit, "on_or_before": since <= limit, "after": since > limit,
                  "on_or_after": since >= limit}[op]
        false |= ~bound.valid[parent] | ~passes
    passing = held & ~false
    doubtful = passing & unknown
    lacks = [frame.facts.statuses(doubtful & lacks_it, parent, records["position"], records["kind_code"], name)
             for name, lacks_it in lacking] if doubtful.any() else []
    return _per_person(frame, parent, passing & ~unknown, doubtful, novec, lacks, witness=True)


def _threshold(value: Any, frame: Frame, absent: int) -> Any:
    """A threshold per row: a literal as it is, a parameter's value in each row's coverage year
    (``absent`` where a year has none: the scalar test then has no bound)."""
    if isinstance(value, int):
        return value
    key = ("threshold", value, absent)
    found = frame.cache.get(key)
    if found is None:
        years = frame.coverage_year
        first = int(years.min()) if len(years) else 0
        ruled = np.full(int(years.max()) - first + 1 if len(years) else 0, absent, dtype=np.int64)
        for year in np.flatnonzero(np.bincount(years - first)) if len(years) else ():
            bound = frame.program.threshold(value, int(year) + first)
            ruled[year] = absent if bound is None else bound
        found = frame.cache[key] = ruled[years - first]
    return found


def _age(node: Any, frame: Frame, walk: Walk) -> Tri:
    when = frame.date(node.on)
    born, known = frame.persons["birth"]
    ages = _ages(frame, born, when.day)
    ok = np.ones(frame.n, dtype=bool)
    if node.at_least is not None:
        ok &= ages >= _threshold(node.at_least, frame, -1)
    if node.under is not None:
        ok &= ages < _threshold(node.under, frame, 1000)
    # no birth date: unknown; no date to count to: false (the scalar test's order)
    return Tri(ok & when.valid, known & ~when.novec, when.novec & known,
               lacks=frame.facts.rows(~known, "person.birth_date"))


def _hukou(node: Any, frame: Frame, walk: Walk) -> Tri:
    false, unknown = frame.none(), frame.none()
    lacking = []
    if node.regions:
        region = frame.persons["person.hukou.region"]
        known = _known(region)
        false |= known & ~_starts(region, node.regions)
        unknown |= ~known
        lacking.append(("person.hukou.region", ~known))
    if node.kind:
        kind = frame.persons["person.hukou.kind"]
        known = _known(kind)
        false |= known & ~_is_in(kind, (node.kind,))
        unknown |= ~known
        lacking.append(("person.hukou.kind", ~known))
    doubtful = ~false & unknown
    return Tri(~false & ~unknown, false | ~unknown,
               lacks=joined([frame.facts.rows(doubtful & rows, path) for path, rows in lacking], doubtful))


def _person(node: Any, frame: Frame, walk: Walk) -> Tri:
    column = frame.persons[f"person.{node.name}"]
    known = _known(column)
    return Tri(_is_in(column, (node.expected,)), known, lacks=frame.facts.rows(~known, f"person.{node.name}"))


def _category(node: Any, frame: Frame, walk: Walk) -> Tri:
    if isinstance(node, category.CategoryTest):
        matched = [frame.matched[i] for i in node.ids if i in frame.matched]
        undecided = [frame.undecided[i] for i in node.ids if i in frame.undecided]
        true = np.logical_or.reduce(matched) if matched else frame.none()
        unknown = np.logical_or.reduce(undecided) if undecided else frame.none()
        lacks = [frame.undecided_lacks[i] for i in node.ids if i in frame.undecided_lacks]
        return Tri(true, true | ~unknown, lacks=joined(lacks, ~true & unknown))
    when = frame.date(node.on)
    shifted = frame.phase(status_date=np.where(when.valid, when.day, 0))
    parts = [walk(frame.category(cid), shifted) for cid in (node.ids or frame.category_ids)]
    true = np.logical_or.reduce([p.true for p in parts]) & when.valid
    known = (true | np.logical_and.reduce([p.known for p in parts]) | ~when.valid) & ~when.novec
    novec = (np.logical_or.reduce([p.novec for p in parts]) | when.novec) & ~known
    return Tri(true, known, novec, lacks=joined([p.lacks for p in parts], ~known))


def _coverage(node: Any, frame: Frame, walk: Walk) -> Tri:
    if isinstance(node, coverage.CoverageYearTest):
        value = np.isin(frame.coverage_year, sorted(node.years))
    else:
        value = (frame.coverage_year > frame.as_of_year) == (node.mode == "full_year")
    return Tri(value, np.ones(frame.n, dtype=bool))


def _date(node: Any, frame: Frame, walk: Walk) -> Tri:
    bound = frame.date(node.bound)
    when = frame.status_date if node.of == "status_date" else frame.as_of
    op = node.op if node.bound_time is None else _INCLUSIVE[node.op]
    value = {"before": when < bound.day, "on_or_before": when <= bound.day, "after": when > bound.day,
             "on_or_after": when >= bound.day}[op] & bound.valid
    novec = bound.novec
    if node.bound_time is not None:  # the closing day itself depends on the hour
        novec = novec | frame.note("a closing hour on the closing day", bound.valid & (when == bound.day))
    return Tri(value, ~novec, novec)


_INCLUSIVE = {"before": "on_or_before", "on_or_before": "on_or_before", "after": "on_or_after",
              "on_or_after": "on_or_after"}


def _choice(node: Any, frame: Frame, walk: Walk) -> Tri:
    column = frame.persons[f"choices.{node.name}"]
    unique = pc.unique(column).to_pylist()
    passes = []
    for value in unique:
        if value is None:
            passes.append(False)
            continue
        if node.name == "pension_grade":
            try:
                value = Decimal(value)
            except InvalidOperation:
                passes.append(False)
                continue
        passes.append((node.allowed is None or value in node.allowed)
                      and (node.at_least is None or value >= node.at_least)
                      and (node.at_most is None or value <= node.at_most))
    index = pc.index_in(column, value_set=pa.array(unique, type=column.type)).to_numpy(zero_copy_only=False)
    value = np.asarray(passes, dtype=bool)[np.nan_to_num(index, nan=0).astype(np.int64)] if unique else frame.none()
    known = _known(column)
    return Tri(value, known, lacks=frame.facts.rows(~known, f"choices.{node.name}"))


def _enrolled(node: Any, frame: Frame, walk: Walk) -> Tri:
    records = frame.enrollments
    parent = records["parent"]
    candidate = _is_in(records["scheme"], (node.scheme,))
    novec = frame.none()
    if node.scheme == "resident_medical":
        year, year_known = records["year"]
        hit = candidate & ((year_known & (year == frame.coverage_year[parent])) if node.year is not None else True)
        unknown = np.zeros(len(parent), dtype=bool)
        if node.paid_by is not None:
            paid_by = records["paid_by"]
            known = _known(paid_by)
            unknown = hit & ~known
            hit = hit & known & _is_in(paid_by, (node.paid_by,))
        lacks = [frame.facts.enrollments(unknown, parent, records["position"], "paid_by")] if unknown.any() else []
        return _per_person(frame, parent, hit, unknown, novec, lacks)
    region_unknown = np.zeros(len(parent), dtype=bool)
    if node.region:
        region = records["region"]
        known = _known(region)
        candidate &= ~known | _starts(region, node.region)
        region_unknown = ~known
    when = frame.date(node.on)
    novec = when.novec
    on = when.day[parent]
    candidate &= when.valid[parent]
    start, (end, end_known) = records["from"], records["to"]
    if node.ended_within_months is None:
        hit = candidate & (start <= on) & (~end_known | (on <= end))
    else:
        months = node.ended_within_months
        latest, _ = mapped(np.where(end_known, end, 0), lambda day: add_months(day, months))
        hit = candidate & end_known & (end < on) & (on <= latest)
    doubtful = hit & region_unknown
    lacks = [frame.facts.enrollments(doubtful, parent, records["position"], "region")] if doubtful.any() else []
    return _per_person(frame, parent, hit & ~region_unknown, doubtful, novec, lacks)


TRANSLATORS: dict[Any, Callable[[Any, Frame, Walk], Tri]] = {
    logic.KIND: _logic, status.KIND: _status, age.KIND: _age, hukou.KIND: _hukou, person.KIND: _person,
    category.KIND: _category, coverage.KIND: _coverage, date.KIND: _date, choice.KIND: _choice,
    enrolled.KIND: _enrolled,
}


def walk(node: Any, frame: Frame) -> Tri:
    """``node`` over ``frame``, once per phase (a node standing at several places is shared)."""
    found = frame.memo.get(id(node))
    if found is None:
        kind = kind_of(node)
        translate = TRANSLATORS.get(kind)
        if translate is None:
            rows = frame.note(f"no vectorised form for `{kind.keys[0]}`", np.ones(frame.n, dtype=bool))
            found = Tri(frame.none(), ~rows, rows)
        else:
            found = translate(node, frame, walk)
        frame.memo[id(node)] = found
    return found


__all__ = ["TRANSLATORS", "walk"]

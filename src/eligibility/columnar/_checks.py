"""Reading a table in the layout: its columns cast to their types, and the rows the scalar
path must decide because they may be invalid (vectorised checks of the request contract).

The checks are the contract's (``contract/_request.py``, ``_records.py``, ``_fields.py``):
types, ranges, values, date order, the ID number's check character and birth date. A row
any check doubts is *suspect*: the scalar path parses it with ``parse_request`` and either
decides it or reports every problem with its path and code, so the columnar path never
writes an error message of its own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..contract import (EARLIEST_DATE, ID_CHECK_CHARACTERS, ID_WEIGHTS, LATEST_DATE, MAX_AMOUNT, MAX_ENROLLMENTS,
                        MAX_STATUSES, SCHEMES, STATUS_ATTRIBUTES, STATUS_KINDS)
from ._frame import from_civil, of_kinds, year_month_day
from ._layout import COLUMNS, ENROLLMENT_TYPE, ENROLLMENTS, PARAMETER, STATUS_TYPE, STATUSES

# the request contract's limits, in the units the arrays use (days since 1970)
_EARLIEST, _LATEST = ((day - dt.date(1970, 1, 1)).days for day in (EARLIEST_DATE, LATEST_DATE))
_LIMIT = min(MAX_STATUSES, MAX_ENROLLMENTS)  # statuses or enrolments a request may hold


def _nonnull(array: Any) -> np.ndarray:
    nulls = array.null_count
    if nulls == 0 or nulls == len(array):   # no bitmap to read
        return np.full(len(array), nulls == 0, dtype=bool)
    return pc.is_valid(array).to_numpy(zero_copy_only=False)


def _flag(array: Any) -> np.ndarray:
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False)


def _cast(array: Any, kind: pa.DataType) -> tuple[Any, np.ndarray]:
    """``array`` as ``kind``, and the rows whose value did not fit (left null)."""
    if array.type == kind:
        return array, np.zeros(len(array), dtype=bool)
    if kind == pa.date32() and pa.types.is_string(array.type):
        try:   # Arrow's cast takes YYYY-MM-DD and nothing else, so most columns are cast whole
            cast = array.cast(pa.date32())
        except pa.ArrowInvalid:   # some value is not a day: the others cast, it left null
            shaped = pc.if_else(pc.match_substring_regex(array, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), array, None)
            try:
                cast = shaped.cast(pa.date32())
            except pa.ArrowInvalid:  # a day that does not exist (2023-02-30): read one value at a time
                cast = pa.array([_iso_day(text) for text in shaped.to_pylist()], type=pa.date32())
    elif pa.types.is_string(kind) and (pa.types.is_decimal(array.type) or pa.types.is_integer(array.type)):
        cast = array.cast(kind)
    else:
        try:
            cast = array.cast(kind, safe=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            cast = pa.nulls(len(array), kind)
    return cast, _nonnull(array) & ~_nonnull(cast)


def _iso_day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text is not None else None
    except ValueError:
        return None


def _records(column: Any, kind: pa.StructType) -> tuple[Any, np.ndarray, np.ndarray, dict[str, Any]]:
    """A list-of-struct column flattened: (owner row, suspect records, suspect rows of the
    list itself, the fields cast)."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not (pa.types.is_list(column.type) or pa.types.is_large_list(column.type)) or \
            not pa.types.is_struct(column.type.value_type):
        return (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool), _nonnull(column),
                {f.name: pa.nulls(0, f.type) for f in kind})
    items = pc.list_flatten(column)
    parent = pc.list_parent_indices(column).to_numpy(zero_copy_only=False).astype(np.int64)
    suspect = ~_nonnull(items)
    fields = {}
    present = {items.type.field(i).name: i for i in range(items.type.num_fields)}
    for name in present:
        if kind.get_field_index(name) < 0:
            suspect |= _nonnull(items.field(present[name]))
    for field in kind:
        if field.name in present:
            fields[field.name], bad = _cast(items.field(present[field.name]), field.type)
            suspect |= bad
        else:
            fields[field.name] = pa.nulls(len(items), field.type)
    counts = pc.fill_null(pc.list_value_length(column), 0).to_numpy(zero_copy_only=False)
    return parent, suspect, counts > _LIMIT, fields


def positions(parent: np.ndarray, n: int) -> np.ndarray:
    """Each record's index in its person's list (records are in order of person, then list)."""
    counts = np.bincount(parent, minlength=n)
    return np.arange(len(parent), dtype=np.int64) - (np.cumsum(counts) - counts)[parent]


def _out_of_range(array: Any) -> np.ndarray:
    days = pc.fill_null(array.cast(pa.int32()), 0).to_numpy(zero_copy_only=False)
    return (days < _EARLIEST) | (days > _LATEST)


def _not_in(array: Any, allowed: Any) -> np.ndarray:
    return _nonnull(array) & ~_flag(pc.is_in(array, value_set=pa.array(list(allowed), type=array.type)))


def _bad_amounts(array: Any, positive: bool = False) -> np.ndarray:
    """Decimal text that is not a plain amount the contract takes."""
    unique = pc.unique(array).to_pylist()
    bad = []
    for text in unique:
        try:
            amount = Decimal(text) if text is not None else Decimal(0)
            fine = amount.is_finite() and (amount > 0 if positive and text is not None else amount >= 0) \
                and amount <= MAX_AMOUNT and amount.as_tuple().exponent >= -8 and text == text.strip() \
                if text is not None else True
        except (InvalidOperation, ValueError):
            fine = False
        bad.append(not fine)
    if not unique:
        return np.zeros(len(array), dtype=bool)
    index = pc.index_in(array, value_set=pa.array(unique, type=pa.string())).to_numpy(zero_copy_only=False)
    return np.asarray(bad)[np.nan_to_num(index, nan=0).astype(np.int64)] & _nonnull(array)


def _fixed(array: Any, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a string column: whether it is ``width`` bytes long, and those bytes as one
    (n, ``width``) block (zeros elsewhere), read from the column's buffers without a copy of
    the text or a regular expression."""
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    n = len(array)
    block = np.zeros((n, width), dtype=np.uint8)
    if n == 0 or array.null_count == n:
        return np.zeros(n, dtype=bool), block
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32, count=n + 1, offset=4 * array.offset)
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)
    lengths = np.diff(offsets)
    fits = (lengths == width) & _nonnull(array)
    if ((lengths == 0) | fits).all():  # every text of that width: they lie side by side in the buffer
        block[fits] = data[offsets[0]:offsets[0] + width * int(fits.sum())].reshape(-1, width)
    else:
        block[fits] = data[offsets[:-1][fits][:, None] + np.arange(width)]
    return fits, block


def _digits(block: np.ndarray) -> np.ndarray:
    """Rows of ``block`` (bytes) that are ASCII digits throughout: a byte minus "0" wraps
    round above 9 unless it is one; column by column (a row-wise reduction is slower)."""
    ok = np.ones(len(block), dtype=bool)
    for at in range(block.shape[1]):
        ok &= (block[:, at] - np.uint8(48)) < 10
    return ok


def _regions(array: Any) -> np.ndarray:
    """Rows holding a text that is not a six-digit region code (``REGION_PATTERN``)."""
    fits, block = _fixed(array, 6)
    return _nonnull(array) & ~(fits & _digits(block))


def _ids(array: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bad, birth day, has a birth date) for an ID number column (17 digits and a check
    character, a digit or X in either case)."""
    given = _nonnull(array)
    fits, block = _fixed(array, 18)
    last = block[:, 17]
    last = np.where(last == ord("x"), ord("X"), last)
    shaped = fits & _digits(block[:, :17]) & (((last >= 48) & (last <= 57)) | (last == ord("X")))
    digits = block[:, 6:14].astype(np.int64) - 48  # the birth date's (anything where not ``shaped``: masked)
    # the weighted sum, column by column in 32-bit integers (a matrix product would call BLAS, whose
    # threads cost more than they give at this size)
    total = np.zeros(len(block), dtype=np.int32)
    for at, weight in enumerate(ID_WEIGHTS):
        total += (block[:, at].astype(np.int32) - 48) * weight
    check = total.astype(np.int64) % 11
    check = np.where(shaped, check, 0)
    expected = np.frombuffer(ID_CHECK_CHARACTERS.encode("ascii"), dtype=np.uint8)[check]
    year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    month, day = digits[:, 4] * 10 + digits[:, 5], digits[:, 6] * 10 + digits[:, 7]
    plausible = shaped & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & (year >= 1)
    born_days = from_civil(np.where(plausible, year, 1970), np.where(plausible, month, 1),
                           np.where(plausible, day, 1))
    again = year_month_day(born_days)  # a real day comes back as itself (not 31 April)
    has_born = shaped & plausible & (again[0] == year) & (again[1] == month) & (again[2] == day)
    bad = given & ~(shaped & (expected == last) & has_born)
    return bad, born_days, has_born


def conform(table: pa.Table, cities: dict[str, dict[str, frozenset[str]]]) -> tuple[dict[str, Any], np.ndarray]:
    """The table's columns cast to the layout, the statuses and enrolments flattened, and
    the suspect rows. ``cities``: city -> program -> declared parameter names."""
    n = table.num_rows
    suspect = np.zeros(n, dtype=bool)
    out: dict[str, Any] = {}
    for name in table.column_names:
        if name not in COLUMNS and not name.startswith(PARAMETER):
            suspect |= _nonnull(table[name])  # a field the request contract does not have
    for name, kind in COLUMNS.items():
        if name in (STATUSES, ENROLLMENTS):
            continue
        column = table[name].combine_chunks() if name in table.column_names else pa.nulls(n, kind)
        out[name], bad = _cast(column, kind)
        suspect |= bad
    parameters = {}
    for name in table.column_names:
        if name.startswith(PARAMETER):
            parameters[name[len(PARAMETER):]], bad = _cast(table[name].combine_chunks(), pa.string())
            suspect |= bad | _bad_amounts(parameters[name[len(PARAMETER):]])
    out["parameters"] = parameters
    city, program = out["city"], pc.fill_null(out["program"], "resident_medical")
    out["program"] = program
    suspect |= ~_nonnull(city) | ~_nonnull(out["as_of"]) | _nonnull(out["as_of_time"])
    known = np.zeros(n, dtype=bool)
    for name, programs in cities.items():
        here = _flag(pc.equal(city, name))
        for program_name, declared in programs.items():
            rows = here & _flag(pc.equal(program, program_name))
            known |= rows
            for parameter, values in parameters.items():
                if parameter not in declared:
                    suspect |= rows & _nonnull(values)
    suspect |= ~known
    for name in ("as_of", "person.birth_date"):
        suspect |= _out_of_range(out[name])
    year = pc.fill_null(out["coverage_year"], 2000).to_numpy(zero_copy_only=False)
    suspect |= (year < 1990) | (year > 2100)
    suspect |= _not_in(out["person.sex"], ("female", "male")) | _not_in(out["person.hukou.kind"], ("rural", "urban"))
    suspect |= _regions(out["person.hukou.region"])
    suspect |= _flag(pc.greater(pc.utf8_length(out["person.name"]), 100))
    suspect |= _not_in(out["choices.tier"], (1, 2)) | _bad_amounts(out["choices.pension_grade"], positive=True)
    bad_id, id_born, has_id_born = _ids(out["person.id_number"])
    birth_days = pc.fill_null(out["person.birth_date"].cast(pa.int32()), 0).to_numpy(zero_copy_only=False)
    birth_given = _nonnull(out["person.birth_date"])
    suspect |= bad_id | (birth_given & has_id_born & (birth_days != id_born))
    birth = np.where(birth_given, birth_days, id_born).astype(np.int64)
    birth_known = birth_given | has_id_born
    as_of = pc.fill_null(out["as_of"].cast(pa.int32()), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    suspect |= birth_known & (birth > as_of)
    out["birth"] = (birth, birth_known)
    out["as_of_days"] = as_of
    suspect |= _statuses(table, out, as_of) | _enrollments(table, out)
    return out, suspect


def _statuses(table: pa.Table, out: dict[str, Any], as_of: np.ndarray) -> np.ndarray:
    n = table.num_rows
    column = table[STATUSES] if STATUSES in table.column_names else pa.nulls(n, pa.list_(STATUS_TYPE))
    parent, bad, too_many, fields = _records(column, STATUS_TYPE)
    kind = fields["kind"]
    kind_code = pc.fill_null(pc.index_in(kind, value_set=pa.array(STATUS_KINDS)), -1).to_numpy(zero_copy_only=False)
    bad |= (kind_code < 0) | ~_nonnull(fields["since"])   # no kind, or one the contract does not have
    bad |= _not_in(fields["area"], ("rural", "urban"))
    bad |= _regions(fields["approved_by"])
    for name, values in fields.items():
        if pa.types.is_date32(values.type):
            bad |= _out_of_range(values)
    since = pc.fill_null(fields["since"].cast(pa.int32()), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    until = pc.fill_null(fields["until"].cast(pa.int32()), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    until_known = _nonnull(fields["until"])
    bad |= (until_known & (until < since)) | (since > as_of[parent])
    for name in fields:
        if name in ("kind", "since", "until", "approved_by", "area"):
            continue
        values = fields[name]
        given = _nonnull(values)
        if not given.any():
            continue
        by_values: dict[tuple, list[int]] = {}
        for code, status_kind in enumerate(STATUS_KINDS):
            carried = STATUS_ATTRIBUTES[status_kind].get(name)
            if carried is not None:
                by_values.setdefault(carried[1] or (), []).append(code)
        carriers = [code for codes in by_values.values() for code in codes]
        at = np.flatnonzero(given)   # the records that give the attribute (few, for most attributes)
        codes_at = kind_code[at]
        values_at = values.take(pa.array(at)) if len(at) < len(values) else values
        wrong = ~of_kinds(codes_at, carriers)  # an attribute the status kind does not carry
        for allowed, codes in by_values.items():
            if allowed:
                fits = [v for v in allowed if isinstance(v, bool) == pa.types.is_boolean(values.type)]
                wrong |= of_kinds(codes_at, codes) & _not_in(values_at, fits)
        bad[at] |= wrong
    out["statuses"] = {"parent": parent, "position": positions(parent, n), "kind_code": kind_code.astype(np.int64),
                       "fields": fields, "since": since,
                       "until": until,
                       "until_known": until_known, "kind": kind}
    rows = np.zeros(n, dtype=bool)
    rows[parent[bad]] = True
    return rows | too_many


def _enrollments(table: pa.Table, out: dict[str, Any]) -> np.ndarray:
    n = table.num_rows
    column = table[ENROLLMENTS] if ENROLLMENTS in table.column_names else pa.nulls(n, pa.list_(ENROLLMENT_TYPE))
    parent, bad, too_many, fields = _records(column, ENROLLMENT_TYPE)
    scheme = fields["scheme"]
    bad |= ~_nonnull(scheme) | _not_in(scheme, SCHEMES)
    resident = _flag(pc.equal(scheme, "resident_medical"))
    employee = ~resident
    for name in ("from", "to", "paid_on"):
        bad |= _out_of_range(fields[name])
    start = pc.fill_null(fields["from"].cast(pa.int32()), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    end = pc.fill_null(fields["to"].cast(pa.int32()), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    end_known = _nonnull(fields["to"])
    bad |= employee & (~_nonnull(fields["from"]) | (end_known & (end < start)))
    bad |= _regions(fields["region"])
    for name in ("year", "tier", "paid_by", "paid_on"):
        bad |= employee & _nonnull(fields[name])
    for name in ("from", "to", "region"):
        bad |= resident & _nonnull(fields[name])
    year = pc.fill_null(fields["year"], 0).to_numpy(zero_copy_only=False)
    bad |= resident & ((year < 1990) | (year > 2100))
    bad |= _not_in(fields["tier"], (1, 2)) | _not_in(fields["paid_by"], ("self", "government"))
    out["enrollments"] = {"parent": parent, "position": positions(parent, n), "fields": fields, "from": start, "to": (end, end_known),
                          "year": (year, _nonnull(fields["year"])), "scheme": scheme,
                          "region": fields["region"], "paid_by": fields["paid_by"],
                          "paid_on": fields["paid_on"]}
    rows = np.zeros(n, dtype=bool)
    rows[parent[bad]] = True
    return rows | too_many

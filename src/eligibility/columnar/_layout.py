"""The column layout of a population: one row a person, named by the request's paths.

Scalar fields are columns named by their path in the request (``as_of``,
``person.hukou.region``, ``parameters.individual_premium``); a person's statuses and
enrolments are two list-of-struct columns (``person.statuses``, ``person.enrollments``) whose
struct fields are the request's field names (``kind``, ``since``, ``class``; ``from``,
``to``). Dates are ``date32`` or ISO text, amounts decimal text or ``decimal128``. A null is
an absent field. The layout is read from the request contract (``contract.STATUS_MODELS``),
so a status attribute added there is a column here.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from decimal import Decimal
from typing import Any, Iterable

import pyarrow as pa
from pydantic import BaseModel

from ..contract import ENROLLMENT_MODELS, STATUS_COMMON_FIELDS, STATUS_MODELS, Choices, Hukou, Person, Request, \
    attribute_values

STATUSES, ENROLLMENTS = "person.statuses", "person.enrollments"


def _attribute_type(annotation: Any) -> pa.DataType:
    values = attribute_values(annotation)
    if values is None:
        return pa.date32()
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    return pa.string()


def _status_fields() -> list[pa.Field]:
    fields = {"kind": pa.string(), "since": pa.date32(), "until": pa.date32(), "approved_by": pa.string(),
              "area": pa.string()}
    for model in STATUS_MODELS.values():
        for name, info in model.model_fields.items():
            if name not in STATUS_COMMON_FIELDS:
                fields.setdefault(info.alias or name, _attribute_type(info.annotation))
    return [pa.field(name, kind) for name, kind in fields.items()]


STATUS_TYPE = pa.struct(_status_fields())
ENROLLMENT_TYPE = pa.struct([pa.field("scheme", pa.string()), pa.field("from", pa.date32()),
                             pa.field("to", pa.date32()), pa.field("region", pa.string()),
                             pa.field("year", pa.int64()), pa.field("tier", pa.int64()),
                             pa.field("paid_by", pa.string()), pa.field("paid_on", pa.date32())])

# every column but the parameters (``parameters.<name>``: decimal text), in this order
COLUMNS: dict[str, pa.DataType] = {
    "city": pa.string(), "as_of": pa.date32(), "as_of_time": pa.string(), "coverage_year": pa.int64(),
    "program": pa.string(), "person.id_number": pa.string(), "person.name": pa.string(),
    "person.birth_date": pa.date32(), "person.sex": pa.string(), "person.hukou.region": pa.string(),
    "person.hukou.kind": pa.string(), "person.student": pa.bool_(), "person.social_security_card": pa.bool_(),
    STATUSES: pa.list_(STATUS_TYPE), ENROLLMENTS: pa.list_(ENROLLMENT_TYPE),
    "choices.tier": pa.int64(), "choices.pension_grade": pa.string(),
}
PARAMETER = "parameters."


def input_schema(parameters: Iterable[str] = ()) -> pa.Schema:
    """The layout as an Arrow schema, with a column for each parameter name."""
    return pa.schema([pa.field(name, kind) for name, kind in COLUMNS.items()]
                     + [pa.field(PARAMETER + name, pa.string()) for name in sorted(parameters)])


_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _tag(kind: pa.DataType) -> str:
    if kind == pa.date32():
        return "date"
    if kind == pa.bool_():
        return "bool"
    return "int" if kind == pa.int64() else "text"


def _plain(value: Any, tag: str) -> tuple[Any, bool]:
    """``value`` as a column of ``tag`` takes it, and whether it fit (a misfit is left to the scalar path)."""
    if value is None:
        return None, True
    if tag == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value, True
        if isinstance(value, str) and _ISO.fullmatch(value):
            try:
                return dt.date.fromisoformat(value), True
            except ValueError:
                return None, False
        return None, False
    if tag == "bool":
        return (value, True) if isinstance(value, bool) else (None, False)
    if tag == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) and -2**62 < value < 2**62
        return (value, True) if ok else (None, False)
    if isinstance(value, str):
        return value, True
    # an amount (the contract's Decimal) may be a number; a text field may not ("name": 123 is refused)
    if tag == "amount" and (isinstance(value, Decimal) or (isinstance(value, int) and not isinstance(value, bool))):
        return str(value), True
    return None, False


def _amounts(model: type[BaseModel], prefix: str) -> dict[str, str]:
    """The fields of ``model`` the contract reads as a ``Decimal``: tagged ``amount``."""
    return {prefix + (field.alias or name): "amount" for name, field in model.model_fields.items()
            if Decimal in (field.annotation, *typing.get_args(field.annotation))}


_TAGS = {name: _tag(kind) for name, kind in COLUMNS.items()} | _amounts(Choices, "choices.")
_FIELD_TAGS = {STATUSES: {f.name: _tag(f.type) for f in STATUS_TYPE},
               ENROLLMENTS: {f.name: _tag(f.type) for f in ENROLLMENT_TYPE}}


def _nullable(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` that may be sent as an explicit null (read as absent): those
    whose type admits None. A null for any other field, or for a field the model does not
    have, is refused by the contract, so a mapping holding one is left to the scalar path."""
    def admits(annotation: Any) -> bool:
        return annotation is None or annotation is type(None) or (
            isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union) and \
            type(None) in typing.get_args(annotation)
    return frozenset(field.alias or name for name, field in model.model_fields.items() if admits(field.annotation))


_NULLABLE = {"": _nullable(Request), "person.": _nullable(Person), "person.hukou.": _nullable(Hukou),
             "choices.": _nullable(Choices)}
_RECORD_NULLABLE = {STATUSES: ("kind", {kind: _nullable(model) for kind, model in STATUS_MODELS.items()}),
                    ENROLLMENTS: ("scheme", {scheme: _nullable(model) for scheme, model in ENROLLMENT_MODELS.items()})}


def _record(raw: Any, tags: dict[str, str], nullable: tuple[str, dict[str, frozenset[str]]]
            ) -> tuple[dict[str, Any] | None, bool]:
    if not isinstance(raw, dict):
        return None, False
    out, ok = {}, True
    key_name, by_kind = nullable
    kind = raw.get(key_name)
    admits_null = by_kind.get(kind, ()) if isinstance(kind, str) else ()
    for key, value in raw.items():
        tag = tags.get(key)
        if tag is None or (value is None and key not in admits_null):
            ok = False
            continue
        out[key], fits = _plain(value, tag)
        ok = ok and fits
    return out, ok


def requests_table(requests: Iterable[Any]) -> tuple[pa.Table, list[bool]]:
    """Request mappings as a table in the layout, and for each whether it fitted the layout
    (a misfit's values are nulls here; the scalar path decides it from the mapping itself)."""
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    parameters: dict[str, list[Any]] = {}
    fitted: list[bool] = []
    for row, request in enumerate(requests):
        if hasattr(request, "model_dump"):
            request = request.model_dump(by_alias=True, exclude_none=True)
        ok = isinstance(request, dict)
        flat: dict[str, Any] = {}
        # the contract requires a person; a dotted key ("choices.tier") is not a path to it
        ok = ok and isinstance(request.get("person"), dict)
        for key, value in (request.items() if ok else ()):
            if key in ("person", "choices", "parameters") and isinstance(value, dict):
                for inner, item in value.items():
                    ok = ok and (key == "parameters" or "." not in inner)
                    if key == "person" and inner == "hukou" and isinstance(item, dict):
                        flat.update({f"person.hukou.{k}": v for k, v in item.items()})
                    else:
                        flat[f"{key}.{inner}"] = item
            elif key in ("person", "choices", "parameters"):
                ok = False   # not a mapping (a null included): the contract refuses it
            else:
                ok = ok and "." not in key
                flat[key] = value
        for name, value in flat.items():
            if name.startswith(PARAMETER):
                amount, fits = _plain(value, "amount")   # decimal text, or a number as text
                named = _encodable(name)   # else no column can be named so
                if named:
                    parameters.setdefault(name, [None] * row).append(amount)
                ok = ok and fits and amount is not None and named
                continue
            tag = _TAGS.get(name)
            if value is None:   # absent where the contract's type admits None, else refused ("program": null)
                prefix, _, leaf = name.rpartition(".")
                ok = ok and tag is not None and leaf in _NULLABLE.get(prefix + "." if prefix else "", ())
            elif tag is None:
                ok = False
            elif name in _FIELD_TAGS:
                listed = isinstance(value, (list, tuple))
                items = [_record(item, _FIELD_TAGS[name], _RECORD_NULLABLE[name]) for item in value] if listed else []
                ok = ok and listed and all(fits for _, fits in items)
                flat[name] = [item for item, _ in items if item is not None]
            else:
                flat[name], fits = _plain(value, tag)
                ok = ok and fits
        for name, values in columns.items():
            values.append(flat.get(name))
        for name, values in parameters.items():
            if len(values) == row:
                values.append(None)
        fitted.append(ok)
    arrays = {name: _array(values, COLUMNS[name], fitted) for name, values in columns.items()}
    arrays.update({name: _array(values, pa.string(), fitted) for name, values in sorted(parameters.items())})
    return pa.table(arrays), fitted


def _array(values: list[Any], kind: pa.DataType, fitted: list[bool]) -> pa.Array:
    """``values`` as a column; a value holding text UTF-8 cannot (a lone surrogate, ``"\\ud800"``
    in JSON) is left out, and its row to the scalar path."""
    try:
        return pa.array(values, type=kind)
    except UnicodeEncodeError:
        for row, value in enumerate(values):
            if not _encodable(value):
                values[row], fitted[row] = None, False
        return pa.array(values, type=kind)


def _encodable(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_encodable(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_encodable(v) for v in value)
    return True


def row_requests(table: pa.Table, indices: Any) -> list[dict[str, Any]]:
    """Rows ``indices`` of a table in the layout as request mappings (nulls left out)."""
    return [_request(row) for row in table.take(pa.array(indices, type=pa.int64())).to_pylist()]


def row_request(table: pa.Table, index: int) -> dict[str, Any]:
    """Row ``index`` of a table in the layout as a request mapping (nulls left out)."""
    return row_requests(table, [index])[0]


def _request(row: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {}
    for name, value in row.items():
        if value is None:
            continue
        if name in (STATUSES, ENROLLMENTS):
            value = [{k: v for k, v in item.items() if v is not None} for item in value]
        target = request
        *parents, leaf = name.split(".", 2) if not name.startswith("person.hukou.") else name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return request

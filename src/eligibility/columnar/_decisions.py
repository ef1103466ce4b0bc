"""The decision columns: one row a record, typed, the same values as the scalar ``Decision``.

``decision_row`` writes a scalar decision in this layout and ``error_row`` a record that got
none; the columnar evaluator fills the same columns from arrays, so the two paths meet in
one table and a differential test compares them field by field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable

import numpy as np
import pyarrow as pa

from ..contract import Decision
from ..errors import FieldIssue

AMOUNT = pa.decimal128(18, 2)
DEADLINE = pa.struct([pa.field("action", pa.string()), pa.field("due", pa.date32()), pa.field("rule", pa.string()),
                      pa.field("passed", pa.bool_())])
ISSUE = pa.struct([pa.field("path", pa.string()), pa.field("code", pa.string()), pa.field("message", pa.string())])

DECISION_SCHEMA = pa.schema([
    pa.field("record", pa.int64(), nullable=False),
    pa.field("outcome", pa.string()),
    pa.field("eligible", pa.bool_()),
    pa.field("city", pa.string()),
    pa.field("as_of", pa.date32()),
    pa.field("program", pa.string()),
    pa.field("policy_version", pa.string()),
    pa.field("coverage_year", pa.int64()),
    pa.field("primary_category", pa.string()),
    pa.field("categories", pa.list_(pa.string())),
    pa.field("decided_by", pa.string()),
    pa.field("referred_to", pa.string()),
    pa.field("subsidy_amount", AMOUNT),
    pa.field("subsidy_share", pa.string()),
    pa.field("subsidy_premium", AMOUNT),
    pa.field("funding_source", pa.string()),
    pa.field("payment", pa.string()),
    pa.field("flags", pa.list_(pa.string())),
    pa.field("tier_level", pa.int64()),
    pa.field("benefit_start", pa.date32()),
    pa.field("benefit_end", pa.date32()),
    pa.field("benefit_note", pa.string()),
    pa.field("deadlines", pa.list_(DEADLINE)),
    pa.field("open_deadlines", pa.list_(pa.string())),
    pa.field("responsible_region", pa.string()),
    pa.field("enrollment_unit", pa.string()),
    pa.field("missing", pa.list_(pa.string())),
    pa.field("open", pa.list_(pa.string())),
    pa.field("defaults", pa.list_(pa.string())),
    pa.field("errors", pa.list_(ISSUE)),
])
COLUMNS = tuple(DECISION_SCHEMA.names)


def decided_by(decision: Decision) -> str | None:
    """The rule that decided: the primary category, a failed precondition, an exclusion, the
    procedure (``version``, ``program``, ``coverage_year``), ``categories`` when none holds,
    None while undetermined."""
    outcome = decision.outcome
    if outcome == "undetermined":
        return None
    if decision.primary_category is not None:
        return f"categories.{decision.primary_category}"
    if outcome in ("no_policy_in_force", "enrollment_closed"):
        return decision.reasons[0].rule if decision.reasons else None
    if not decision.categories:
        # no category held; a failed precondition is the first reason whenever one decided
        first = decision.reasons[0] if decision.reasons else None
        return first.rule if first is not None and first.code == "precondition_failed" else "categories"
    return decision.reasons[0].rule if decision.reasons else None


def _amount(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def decision_row(record: int, decision: Decision) -> dict[str, Any]:
    """``decision`` in the decision columns."""
    subsidy, tier = decision.subsidy, decision.tier
    return {
        "record": record, "outcome": decision.outcome, "eligible": decision.eligible, "city": decision.city,
        "as_of": decision.as_of, "program": decision.program,
        "policy_version": decision.policy.version if decision.policy is not None else None,
        "coverage_year": decision.coverage_year, "primary_category": decision.primary_category,
        "categories": [ref.id for ref in decision.categories], "decided_by": decided_by(decision),
        "referred_to": decision.referred_to,
        "subsidy_amount": _amount(subsidy.amount) if subsidy else None,
        "subsidy_share": subsidy.share if subsidy else None,
        "subsidy_premium": _amount(subsidy.premium) if subsidy else None,
        "funding_source": subsidy.funding_source if subsidy else None,
        "payment": subsidy.payment if subsidy else None,
        "flags": list(decision.flags), "tier_level": tier.level if tier is not None else None,
        "benefit_start": decision.benefit_start, "benefit_end": decision.benefit_end,
        "benefit_note": decision.benefit_note,
        "deadlines": [{"action": d.action, "due": d.due, "rule": d.rule, "passed": d.passed}
                      for d in decision.deadlines],
        "open_deadlines": [d.action for d in decision.open_deadlines],
        "responsible_region": decision.responsible_region, "enrollment_unit": decision.enrollment_unit,
        "missing": list(decision.missing), "open": [part.part for part in decision.open],
        "defaults": [default.fact for default in decision.defaults], "errors": [],
    }


def error_row(record: int, issues: Iterable[FieldIssue]) -> dict[str, Any]:
    """A record that got no decision: every column null but ``record`` and ``errors``."""
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row["record"] = record
    row["errors"] = [{"path": _utf8(issue.path), "code": issue.code, "message": _utf8(issue.message)} for issue in issues]
    return row


def _utf8(text: str) -> str:
    """``text`` as UTF-8 can hold it: a lone surrogate a request sent (``"\\ud800"`` in its
    JSON), which a message may quote, escaped rather than failing the file it is written to."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def empty_lists(n: int, kind: pa.DataType) -> pa.Array:
    """``n`` empty lists of ``kind`` (a list type), built from their offsets, not from Python lists."""
    return pa.ListArray.from_arrays(pa.array(np.zeros(n + 1, dtype=np.int32)), pa.array([], type=kind.value_type))


def repeated(value: str | None, n: int) -> pa.Array:
    """``value`` (text, or null) ``n`` times."""
    return pa.repeat(pa.scalar(value, type=pa.string()), n)


def rows_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=DECISION_SCHEMA)


__all__ = ["COLUMNS", "DECISION_SCHEMA", "decided_by", "decision_row", "empty_lists", "error_row", "repeated",
           "rows_table"]

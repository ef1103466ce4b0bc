"""The people a reform leaves as they are, found by the columnar evaluator.

An impact compares two decisions of every person. Most people of a population decide the
same under a reform, and for them the comparison needs nothing but their counts. Both
policies decide the whole chunk as columns (``eligibility.columnar``); the people whose
decision columns are equal under both are tallied from those columns, and only the others
(and any row the columns cannot vouch for: a refused record, or a decision that may carry tier
benefits, which the columns do not hold: a tier level, or an eligible or referred person of a
program where an output gives benefits) go through the scalar comparison with its traces and
attribution.
The decision columns equal the scalar decisions field by field (``tests/test_columnar.py``),
so a person found unchanged here is one the scalar comparison would find unchanged.

Needs the ``batch`` extra (pyarrow, numpy); without it every person goes the scalar way.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from .language import Policy

# the decision columns an impact compares (``engine.summary(exact=True)``), tier benefits aside
_COMPARED = ("outcome", "primary_category", "categories", "subsidy_amount", "funding_source", "payment", "flags",
             "tier_level", "benefit_start", "benefit_end", "deadlines", "responsible_region", "enrollment_unit",
             "referred_to")


def available() -> bool:
    try:
        import numpy  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _giving_benefits(policy: Policy) -> set[str]:
    """The programs of ``policy`` where some output gives tier benefits."""
    return {program.name for _, program in policy.places() if any(output.benefits for output in program.outputs)}


def _comparable(column: Any) -> Any:
    """A column as values ``pc.equal`` compares: lists as their items joined in one text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_list(column.type):
        return column
    items = pc.list_flatten(column)
    if pa.types.is_struct(items.type):   # a deadline: its action, date and rule (``passed`` is not compared)
        items = pc.binary_join_element_wise(items.field("action"), items.field("due").cast(pa.string()),
                                            items.field("rule"), "|")
    offsets = pc.subtract(column.offsets, column.offsets[0])
    return pc.binary_join(pa.ListArray.from_arrays(offsets, items, mask=column.is_null()), "\x1f")


def _same(before: Any, after: Any) -> Any:
    """Per row: the two columns hold the same value (both null counts as the same)."""
    import pyarrow.compute as pc

    a, b = _comparable(before), _comparable(after)
    return pc.fill_null(pc.equal(a, b), pc.and_(pc.is_null(a), pc.is_null(b)))


def screen(requests: list[Any], base: Policy, reform: Policy) -> tuple[list[bool], dict[str, Any]]:
    """Which of ``requests`` (mappings, or JSON text) decide the same under both policies, and
    the tally of those: people, transitions, per-category eligible counts, subsidy totals per
    funding source and the eligible people whose amount is unknown."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from .columnar import evaluate_requests, requests_table

    parsed: list[Any] = []
    readable = np.ones(len(requests), dtype=bool)
    for index, raw in enumerate(requests):
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                readable[index], raw = False, {}
        parsed.append(raw)
    laid = requests_table(parsed)   # laid out once for both policies
    before, after = (evaluate_requests(parsed, policy, layout=laid).table for policy in (base, reform))
    same = readable & (pc.list_value_length(before["errors"]).to_numpy(zero_copy_only=False) == 0)
    same &= pc.is_null(before["tier_level"]).to_numpy(zero_copy_only=False)
    giving = sorted(_giving_benefits(base) | _giving_benefits(reform))   # outputs with benefits, even with no tier
    for table in (before, after):
        reached = pc.is_in(table["outcome"], value_set=pa.array(["eligible", "referred"]))
        same &= ~pc.fill_null(pc.and_(reached, pc.is_in(table["program"], value_set=pa.array(giving, pa.string()))),
                              False).to_numpy(zero_copy_only=False)
    for name in _COMPARED:
        same &= _same(before[name], after[name]).to_numpy(zero_copy_only=False)
    kept = before.filter(pa.array(same)).select(["outcome", "primary_category", "subsidy_amount", "funding_source"])
    tally: dict[str, Any] = {"people": kept.num_rows, "transitions": {}, "categories": {}, "totals": Decimal(0),
                             "sources": {}, "unknown": 0}
    groups = kept.group_by(["outcome", "primary_category", "funding_source"], use_threads=False).aggregate(
        [([], "count_all"), ("subsidy_amount", "sum"), ("subsidy_amount", "count")])
    for row in groups.to_pylist():
        count, outcome = row["count_all"], row["outcome"]
        paid = row["subsidy_amount_sum"]
        tally["transitions"][f"{outcome} -> {outcome}"] = tally["transitions"].get(f"{outcome} -> {outcome}", 0) + count
        category = row["primary_category"] or "(none)"   # listed even when no one of it is eligible
        tally["categories"][category] = tally["categories"].get(category, 0) + (count if outcome == "eligible" else 0)
        if outcome == "eligible":
            tally["unknown"] += count - row["subsidy_amount_count"]
        if row["subsidy_amount_count"]:
            tally["totals"] += paid
            source = row["funding_source"] or "(none)"
            tally["sources"][source] = tally["sources"].get(source, Decimal(0)) + paid
    return same.tolist(), tally


__all__ = ["available", "screen"]

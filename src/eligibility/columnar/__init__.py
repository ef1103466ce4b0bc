"""The columnar evaluator: a population as Arrow columns, decided in one pass over arrays,
compiled from the same IR as the scalar evaluator (one translator per condition kind).

::

    from eligibility.columnar import evaluate_table
    result = evaluate_table(pyarrow.parquet.read_table("people.parquet"))
    result.table        # one row per person, DECISION_SCHEMA
    result.summary()    # counts per outcome, subsidy per funding source, rows decided by the scalar path

Rows the columnar walk cannot decide exactly (a row that may be invalid, a missing fact, a
node or date with no vectorised form) are decided by the scalar evaluator, row by row.
The column layouts are in docs/batch.md. Needs the ``batch`` extra (pyarrow, numpy).
"""

from ._decisions import DECISION_SCHEMA, decided_by, decision_row, error_row
from ._evaluate import ColumnarResult, evaluate_requests, evaluate_table
from ._layout import ENROLLMENT_TYPE, STATUS_TYPE, input_schema, requests_table, row_request
from ._slices import ROWS as SLICE_ROWS  # rows decided together

__all__ = ["ColumnarResult", "DECISION_SCHEMA", "SLICE_ROWS", "ENROLLMENT_TYPE", "STATUS_TYPE", "decided_by", "decision_row",
           "error_row", "evaluate_requests", "evaluate_table", "input_schema", "requests_table", "row_request"]

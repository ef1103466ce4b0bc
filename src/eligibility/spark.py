"""Spark: decide a DataFrame of requests with ``mapInArrow``, each partition's Arrow batches
through the columnar evaluator (extra ``[spark]``, on the driver and the executors).

::

    from eligibility.spark import evaluate_dataframe
    people = spark.read.parquet("hdfs:///registers/shantou_2024.parquet")   # the column layout
    decisions = evaluate_dataframe(people, key="person_key")
    decisions.write.parquet("hdfs:///decisions/shantou_2024.parquet")

The input is the column layout of docs/batch.md (dotted column names) or the request's own
nested shape (``spark.read.json`` of JSONL requests: ``person`` a struct, dates as text).
The policies travel once, as their YAML source in a broadcast variable, and are compiled
once per executor process. A record that is not a valid request is an error row (its
``errors`` column set), never a failed task. The output schema is ``output_schema(key)``:
the decision columns of docs/batch.md without ``record``, after the ``key`` column if given.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterator

import pyarrow as pa

from . import bundled_policies, evaluate_many, loads_policy
from .batch import flat_table
from .columnar import SLICE_ROWS, DECISION_SCHEMA, decision_row, error_row, evaluate_table, row_request
from .errors import FieldIssue
from .language import Policy, PolicySet

def output_schema(key: str | None = None, key_type: pa.DataType = pa.string()) -> pa.Schema:
    """The Arrow schema of the decisions (Spark's is derived from it)."""
    fields = [f for f in DECISION_SCHEMA if f.name != "record"]
    return pa.schema(([pa.field(key, key_type)] if key else []) + fields)


def _policies(sources: dict[str, str]) -> PolicySet:
    return _compiled(tuple(sorted(sources.items())))


@lru_cache(maxsize=4)
def _compiled(sources: tuple[tuple[str, str], ...]) -> PolicySet:
    """The policies compiled from their sources, once per executor process."""
    return PolicySet({city: loads_policy(text, file=f"{city}.yaml") for city, text in sources})


_DOT = "__"  # Spark resolves a dotted column name as a struct's field: the layout's names travel with this


def _flat(batch: pa.RecordBatch) -> pa.Table:
    table = pa.Table.from_batches([batch])
    return flat_table(table.rename_columns([name.replace(_DOT, ".") for name in table.column_names]))


def _gathered(batches: Iterator[pa.RecordBatch], rows: int = SLICE_ROWS) -> Iterator[pa.Table]:
    """Spark's Arrow batches (10,000 rows by default) gathered into tables of about ``rows``:
    each decision pass has a cost of its own, paid once a slice instead of once a batch."""
    held: list[pa.Table] = []
    count = 0
    for batch in batches:
        held.append(_flat(batch))
        count += batch.num_rows
        if count >= rows:
            yield pa.concat_tables(held, promote_options="permissive")
            held, count = [], 0
    if held:
        yield pa.concat_tables(held, promote_options="permissive")


def decide_batches(batches: Iterator[pa.RecordBatch], sources: dict[str, str], key: str | None,
                   schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """What each Spark task runs: its Arrow batches in, decision batches out."""
    policies = _policies(sources)
    for table in _gathered(batches):
        keys = table[key] if key else None
        if key:
            table = table.drop_columns([key])
        try:
            decided = evaluate_table(table, policies).table
        except Exception as exc:  # never a failed task: row by row, each failure an error row
            decided = _row_by_row(table, policies, type(exc).__name__)
        columns = [decided[name] for name in schema.names if name != key]
        if key:
            columns = [keys] + columns
        yield from pa.Table.from_arrays(columns, schema=schema).to_batches()


def _row_by_row(table: pa.Table, policies: PolicySet, why: str) -> pa.Table:
    rows = []
    for index in range(table.num_rows):
        try:
            result = next(evaluate_many([row_request(table, index)], policies=policies))
            rows.append(decision_row(index, result) if hasattr(result, "outcome") else error_row(index, result.issues))
        except Exception as exc:  # noqa: BLE001 - a record the library cannot decide is a row that says so
            rows.append(error_row(index, [FieldIssue("", "evaluation_failed",
                                                     f"the record could not be decided ({type(exc).__name__}; "
                                                     f"the batch failed with {why})")]))
    return pa.Table.from_pylist(rows, schema=DECISION_SCHEMA)


def evaluate_dataframe(frame: Any, policies: PolicySet | Policy | None = None, *, key: str | None = None) -> Any:
    """``frame`` (a Spark DataFrame of requests) decided: a DataFrame of decisions, one row
    per request (``key``, a column passed through, tells them apart)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    resolved = bundled_policies() if policies is None else policies
    listed = [resolved] if isinstance(resolved, Policy) else list(resolved)
    sources = {policy.city: policy.text for policy in listed}
    shipped = frame.sparkSession.sparkContext.broadcast(sources)   # once per executor, not per task
    key_type = pa.string()
    if key:
        from pyspark.sql.pandas.types import to_arrow_type
        key_type = to_arrow_type(frame.schema[key].dataType)
    schema = output_schema(key, key_type)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return decide_batches(batches, shipped.value, key, schema)
    safe = frame.toDF(*[name.replace(".", _DOT) for name in frame.columns])
    return safe.mapInArrow(run, from_arrow_schema(schema))


__all__ = ["decide_batches", "evaluate_dataframe", "output_schema"]

"""eligibility.spark on a real local Spark session (``local[2]``): the decisions of the
scalar evaluator for a few thousand generated people, a bad record an error row."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

if os.environ.get("ELIGIBILITY_SPARK_TESTS") == "required":  # .ci/run: a missing extra or Java fails, never skips
    import pyspark  # noqa: F401
    assert shutil.which("java"), "the Spark tests need Java (17) on the PATH"
else:
    pytest.importorskip("pyspark", reason="the spark extra: pip install '.[test,spark]' (.ci/run installs it)")
    if not shutil.which("java"):
        pytest.skip("the Spark tests need Java", allow_module_level=True)

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from eligibility import RecordError, bundled_policies, evaluate_many  # noqa: E402
from eligibility.batch import write_population  # noqa: E402
from eligibility.columnar import decision_row, error_row  # noqa: E402
from eligibility.spark import evaluate_dataframe  # noqa: E402
from eligibility.testing import from_request_schema, requests  # noqa: E402

DRAWS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                 suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers: this environment's Python
    session = (SparkSession.builder.master("local[2]").appName("eligibility-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.execution.arrow.maxRecordsPerBatch", "500").getOrCreate())
    yield session
    session.stop()


def _population() -> list:
    population: list = []
    cities = bundled_policies().cities
    one = st.one_of([from_request_schema(city=c) for c in cities] + [requests(c) for c in cities])

    @DRAWS
    @given(st.lists(one, min_size=50, max_size=50))
    def collect(drawn):
        population.extend(drawn)
    collect()
    return population


def test_a_dataframe_is_decided_as_the_scalar_evaluator_decides_each_request(spark, tmp_path):
    population = _population()
    population[7] = {**population[7], "city": "shantuo"}  # a bad record: an error row, not a failed job
    path = tmp_path / "people.parquet"
    write_population(population, path)
    frame = spark.read.parquet(str(path))
    from pyspark.sql import functions as F
    frame = frame.withColumn("person_key", F.monotonically_increasing_id())
    rows = evaluate_dataframe(frame.repartition(4), key="person_key").toArrow().to_pylist()
    keys = frame.select("person_key").toArrow()["person_key"].to_pylist()
    position = {key: index for index, key in enumerate(keys)}
    by_record = sorted(rows, key=lambda row: position[row.pop("person_key")])
    expected = [error_row(i, r.issues) if isinstance(r, RecordError) else decision_row(i, r)
                for i, r in enumerate(evaluate_many(population))]
    for row in expected:
        row.pop("record")
    assert len(population) == len(by_record)
    assert expected == by_record
    assert "unknown_city" == by_record[7]["errors"][0]["code"]

"""Decide a register on a Spark cluster: spark-submit this file (docs/batch.md#spark).

    spark-submit --master yarn --deploy-mode cluster --archives env.tar.gz#env \
      --conf spark.pyspark.python=./env/bin/python \
      examples/spark_decide_register.py hdfs:///registers/shantou_2024.parquet hdfs:///decisions/shantou_2024

The register is a Parquet file in the column layout of docs/batch.md (or JSONL requests, read
with ``spark.read.json``); the decisions are written as Parquet, one row per person, the
register's ``person_key`` column first when it has one.
"""

import sys

from pyspark.sql import SparkSession

from eligibility.spark import evaluate_dataframe


def main(source: str, target: str) -> None:
    spark = SparkSession.builder.appName("eligibility-register").getOrCreate()
    reader = spark.read.json if source.endswith((".jsonl", ".json")) else spark.read.parquet
    people = reader(source)
    key = "person_key" if "person_key" in people.columns else None
    evaluate_dataframe(people, key=key).write.mode("overwrite").parquet(target)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""Populations, side by side in one run: the columnar evaluator vs OpenFisca's vectorised
simulation of the same Shantou rules, ``eligibility batch`` end to end, Spark local[2], and
how time and memory grow with the number of people (the evaluator on a whole table, and the
streaming batch command).

    pip install -e '.[bench,batch,spark]'
    python benchmarks/compare_populations.py              # 1,000,000 people, 3 rounds (~15 min on 2 cores)
    python benchmarks/compare_populations.py --quick      # 100,000 people, 1 round
    python benchmarks/compare_populations.py --growth 10000,100000,1000000,10000000
    python benchmarks/compare_populations.py --lean lean/bin/python   # also the batch command in a lean environment

The people: ``shantou_population.population(1000)`` (the engines comparison's 1,000), tiled to
the size asked, so OpenFisca (``shantou_openfisca``, its arrays tiled as in
``compare_shantou.py``) and eligibility see the same people. Every figure is measured in a fresh
subprocess (its own peak RSS, ``ru_maxrss``), in rounds, the engines in rotated order; the table
reports medians. Figures:

- columnar: ``evaluate_table`` of the population read from Parquet (the column layout, typed),
  after the load; split into the columnar walk and the rows decided by the scalar evaluator
  (``ColumnarResult.seconds``); its peak RSS split into what the process held before the
  load and after it, so that what the evaluator adds is seen apart from what reading adds;
  and once more with Arrow's system allocator, as ``eligibility batch`` chooses it;
- OpenFisca: building the simulation from arrays and calculating every output (the arrays
  built beforehand, as in ``compare_shantou.py``);
- batch: ``eligibility batch people.jsonl --out decisions.parquet``, a subprocess, wall time
  (and from Parquet, and from CSV: the same people in the column layout);
  also with ``ARROW_DEFAULT_MEMORY_POOL=mimalloc`` (pyarrow's default, which the command
  replaces by the C library's allocator unless told), to show what the allocator changes;
  with ``--lean PYTHON``, also run by that interpreter: an environment with the ``batch`` extra
  alone, as docs/batch.md advises for a batch machine (``python -m venv lean &&
  lean/bin/pip install '.[batch]'``). The environment this script needs has pandas (OpenFisca's
  and Spark's dependency), which pyarrow imports the first time it builds an array from a list;
- Spark: ``evaluate_dataframe`` of the Parquet file on ``local[2]``, written to Spark's
  ``noop`` sink, wall time after the session started; per-row overhead = (Spark - columnar) / rows.

Agreement: on the 1,000, the columnar table equals the scalar decisions written in the same
columns, field by field (OpenFisca's agreement with the scalar evaluator is checked by
``compare_shantou.py``). Exits 1 on a difference.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _rss() -> int:
    """Peak RSS of this process in MiB: VmHWM, not ru_maxrss (which keeps the parent's peak
    across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _cpu() -> float:
    """CPU seconds of this process and its finished children (forked workers), all threads."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def people(n: int):
    import pyarrow as pa

    from eligibility.columnar import requests_table
    from shantou_population import population
    base, _ = requests_table(population(1000))
    return pa.concat_tables([base] * (n // 1000)).combine_chunks()


def worker(kind: str, n: int, folder: Path) -> dict:
    """One measurement in this (fresh) process."""
    if kind in ("columnar", "columnar2", "columnar_system"):
        if kind == "columnar_system":  # as `eligibility batch` chooses, before pyarrow is imported
            from eligibility._memory import frugal_memory
            frugal_memory()
        import pyarrow.parquet as pq

        from eligibility import bundled_policies
        from eligibility.columnar import evaluate_table
        policies = bundled_policies()
        evaluate_table(pq.read_table(folder / "people_1000.parquet"), policies)  # warm: imports, calendars
        warm = _rss()
        started = time.perf_counter()
        table = pq.read_table(folder / f"people_{n}.parquet")
        loaded, cpu, load_rss = time.perf_counter(), _cpu(), _rss()
        result = evaluate_table(table, policies, workers=2 if kind == "columnar2" else 1)
        done = time.perf_counter()
        return {"load": loaded - started, "evaluate": done - loaded, "cpu": _cpu() - cpu, **result.seconds,
                "fallback": sum(result.fallback.values()), "rss": _rss(), "warm_rss": warm, "load_rss": load_rss,
                "worker_rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024}
    if kind == "openfisca":
        import numpy as np

        import shantou_openfisca
        from shantou_population import population
        requests = population(1000)
        slots = shantou_openfisca.slots_for(requests)
        system = shantou_openfisca.build_system(slots)
        inputs = {k: np.tile(v, n // 1000) for k, v in shantou_openfisca.arrays(requests, slots).items()}
        shantou_openfisca.simulate(system, {k: v[:1000] for k, v in inputs.items()})
        started, cpu = time.perf_counter(), _cpu()
        shantou_openfisca.simulate(system, inputs)
        return {"evaluate": time.perf_counter() - started, "cpu": _cpu() - cpu, "rss": _rss()}
    if kind in ("batch", "batch2", "batch_parquet", "batch_mimalloc", "batch_parquet_mimalloc", "batch_lean",
                "batch_parquet_lean", "batch_csv"):
        source = folder / (f"people_{n}.parquet" if kind.startswith("batch_parquet") else
                           f"people_{n}.csv" if kind == "batch_csv" else f"people_{n}.jsonl")
        python = os.environ["LEAN_PYTHON"] if kind.endswith("_lean") else sys.executable
        # the command's own allocator (the C library's), or pyarrow's default named (as before round four)
        pool = {"ARROW_DEFAULT_MEMORY_POOL": "mimalloc"} if kind.endswith("_mimalloc") else {}
        started = time.perf_counter()
        subprocess.run([python, "-m", "eligibility.cli", "batch", str(source),
                        "--out", str(folder / "decisions.parquet"), "--workers", "2" if kind == "batch2" else "1"],
                       check=True, stderr=subprocess.DEVNULL,
                       env={**{k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}, **pool})
        return {"evaluate": time.perf_counter() - started,
                "rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024}
    if kind == "spark":
        os.environ["PYSPARK_PYTHON"] = sys.executable
        from pyspark.sql import SparkSession

        from eligibility.spark import evaluate_dataframe
        spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
                 .config("spark.driver.memory", "4g").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        evaluate_dataframe(spark.read.parquet(str(folder / "people_1000.parquet"))).write.format("noop") \
            .mode("overwrite").save()
        started = time.perf_counter()
        evaluate_dataframe(spark.read.parquet(str(folder / f"people_{n}.parquet"))).write.format("noop") \
            .mode("overwrite").save()
        elapsed = time.perf_counter() - started
        spark.stop()
        return {"evaluate": elapsed}
    raise SystemExit(f"unknown worker {kind}")


def measure(kind: str, n: int, folder: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", kind, str(n), str(folder)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def agreement() -> int:
    from eligibility import RecordError, evaluate_many
    from eligibility.columnar import decision_row, error_row, evaluate_requests
    from shantou_population import population
    people = population(1000)
    expected = [error_row(i, r.issues) if isinstance(r, RecordError) else decision_row(i, r)
                for i, r in enumerate(evaluate_many(people))]
    actual = evaluate_requests(people).table.to_pylist()
    return sum(1 for want, got in zip(expected, actual) if want != got)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "N", "DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="100,000 people, 1 round")
    parser.add_argument("--people", type=int, help="people (default 1,000,000; --quick 100,000)")
    parser.add_argument("--rounds", type=int, help="rounds (default 3; --quick 1)")
    parser.add_argument("--growth", default="10000,100000,1000000", help="sizes for the growth figure")
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--lean", metavar="PYTHON",
                        help="also run the batch command by this interpreter (an environment with the batch extra alone)")
    args = parser.parse_args()
    if args.worker:
        kind, n, folder = args.worker
        print(json.dumps(worker(kind, int(n), Path(folder))))
        return 0
    n = args.people or (100_000 if args.quick else 1_000_000)
    rounds = args.rounds or (1 if args.quick else 3)
    growth = [int(x) for x in args.growth.split(",") if x]
    bad = agreement()
    print(f"# Populations, {time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} cores")
    print(f"agreement on the 1,000 (columnar == scalar, every decision column): {1000 - bad}/1000")
    if bad:
        return 1
    import pyarrow.parquet as pq
    from eligibility.batch import _json_cells  # noqa: F401  (the batch extra is installed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sizes = sorted({1000, n, *growth})
        for size in sizes:
            table = people(size)
            pq.write_table(table, folder / f"people_{size}.parquet")
            del table  # the measuring subprocesses start from a small parent
        from shantou_population import population
        lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in population(1000)]
        with open(folder / f"people_{n}.jsonl", "w", encoding="utf-8") as file:
            for _ in range(n // 1000):
                file.write("\n".join(lines) + "\n")
        from eligibility.batch import write_population
        write_population(population(1000), folder / "people_1000.csv")
        header, *rows = (folder / "people_1000.csv").read_text(encoding="utf-8").splitlines(keepends=True)
        with open(folder / f"people_{n}.csv", "w", encoding="utf-8") as file:
            file.write(header)
            for _ in range(n // 1000):
                file.writelines(rows)
        kinds = ["columnar", "columnar2", "columnar_system", "openfisca", "batch", "batch2", "batch_parquet",
                 "batch_csv", "batch_mimalloc", "batch_parquet_mimalloc"] + (
            [] if args.no_spark else ["spark"]) + (["batch_lean", "batch_parquet_lean"] if args.lean else [])
        if args.lean:
            os.environ["LEAN_PYTHON"] = args.lean   # the measuring subprocesses inherit it
        results: dict[str, list[dict]] = {k: [] for k in kinds}
        for r in range(rounds):
            for kind in kinds[r % len(kinds):] + kinds[:r % len(kinds)]:
                results[kind].append(measure(kind, n, folder))
        grown = {size: [measure("columnar", size, folder) for _ in range(max(1, rounds if size <= n else 1))]
                 for size in growth}
        streamed = {size: [measure("batch_parquet", size, folder) for _ in range(max(1, rounds if size <= n else 1))]
                    for size in growth}

    def med(kind: str, key: str, found: dict | None = None) -> float:
        return statistics.median(r[key] for r in (found or results)[kind])
    col, of = med("columnar", "evaluate"), med("openfisca", "evaluate")
    print(f"\n## {n:,} Shantou people, medians of {rounds} round(s)\n")
    print("| figure | time | per person | peak RSS |\n|---|---|---|---|")
    print(f"| columnar `evaluate_table`, after the Parquet load ({med('columnar', 'load'):.2f} s; "
          f"CPU {med('columnar', 'cpu'):.2f} s) | {col:.2f} s | {col / n * 1e6:.2f} µs | {med('columnar', 'rss'):.0f} MiB |")
    print(f"| of which the columnar walk | {med('columnar', 'columnar'):.2f} s | "
          f"{med('columnar', 'columnar') / n * 1e6:.2f} µs | |")
    print(f"| of which the scalar evaluator, {med('columnar', 'fallback'):,.0f} rows it decides by cases or "
          f"branches | {med('columnar', 'scalar'):.2f} s | | |")
    print(f"| of the peak RSS: the interpreter, policies and a warm-up | | | {med('columnar', 'warm_rss'):.0f} MiB |")
    print(f"| of the peak RSS: the same and reading the Parquet file (`pq.read_table`) | | | "
          f"{med('columnar', 'load_rss'):.0f} MiB |")
    print(f"| the same with Arrow's system allocator (as `eligibility batch` uses) | "
          f"{med('columnar_system', 'evaluate'):.2f} s | | {med('columnar_system', 'rss'):.0f} MiB "
          f"({med('columnar_system', 'load_rss'):.0f} after the load) |")
    col2 = med("columnar2", "evaluate")
    print(f"| columnar, 2 forked workers (peak of the largest worker: {med('columnar2', 'worker_rss'):.0f} MiB; "
          f"CPU {med('columnar2', 'cpu'):.2f} s) | "
          f"{col2:.2f} s | {col2 / n * 1e6:.2f} µs | {med('columnar2', 'rss'):.0f} MiB |")
    print(f"| OpenFisca simulation from arrays (CPU {med('openfisca', 'cpu'):.2f} s) | {of:.2f} s | "
          f"{of / n * 1e6:.2f} µs | {med('openfisca', 'rss'):.0f} MiB |")
    print(f"| ratio columnar / OpenFisca | {col / of:.2f} | | {med('columnar', 'rss') / med('openfisca', 'rss'):.2f} |")
    print(f"| ratio columnar with 2 workers / OpenFisca | {col2 / of:.2f} | | |")
    for kind, workers, formats in (("batch", 1, "JSONL → Parquet"), ("batch2", 2, "JSONL → Parquet"),
                                   ("batch_parquet", 1, "Parquet → Parquet"),
                                   ("batch_csv", 1, "CSV → Parquet"),
                                   ("batch_mimalloc", 1, "JSONL → Parquet, pyarrow's default allocator (mimalloc)"),
                                   ("batch_parquet_mimalloc", 1, "Parquet → Parquet, pyarrow's default allocator"),
                                   ("batch_lean", 1, "JSONL → Parquet, the `batch` extra alone (no pandas)"),
                                   ("batch_parquet_lean", 1, "Parquet → Parquet, the `batch` extra alone")):
        if kind not in results:
            continue
        batch = med(kind, "evaluate")
        print(f"| `eligibility batch --workers {workers}` {formats}, end to end | {batch:.2f} s | "
              f"{n / batch:,.0f} records/s | {med(kind, 'rss'):.0f} MiB |")
    if "spark" in results:
        spark = med("spark", "evaluate")
        print(f"| Spark local[2] `evaluate_dataframe` → noop | {spark:.2f} s | overhead over columnar "
              f"{(spark - col) / n * 1e6:.2f} µs/row | |")
    print("\n## Growth\n\n| people | columnar `evaluate_table`, after load | per person | peak RSS | "
          "`eligibility batch` Parquet → Parquet, end to end | records/s | peak RSS |\n|---|---|---|---|---|---|---|")
    for size, found in grown.items():
        t = statistics.median(r["evaluate"] for r in found)
        b = statistics.median(r["evaluate"] for r in streamed[size])
        print(f"| {size:,} | {t:.2f} s | {t / size * 1e6:.2f} µs | "
              f"{statistics.median(r['rss'] for r in found):.0f} MiB | {b:.2f} s | {size / b:,.0f} | "
              f"{statistics.median(r['rss'] for r in streamed[size]):.0f} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

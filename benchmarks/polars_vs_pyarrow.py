"""Polars against pyarrow compute + numpy (the evaluator's choice) on the columnar evaluator's work.

Side by side in one run, medians of interleaved rounds, the same people both ways.

    pip install polars
    PYTHONPATH=src:benchmarks python benchmarks/polars_vs_pyarrow.py                # 1,000,000 people, 7 rounds
    PYTHONPATH=src:benchmarks python benchmarks/polars_vs_pyarrow.py --people 100000 --rounds 3

The people: ``requests_table(population(1000))`` tiled to the size asked, as in
``compare_populations.py``: one pyarrow Table in the project's column layout. The pyarrow side
starts from that table and works as ``columnar/`` does (flattened records with parent indices,
numpy masks, the project's own ``of_kinds``, ``year_month_day`` and ``lists``); the Polars side
starts from ``pl.from_arrow(table)`` (timed on its own row) and uses the lazy expression API.
Each task ends in the same result both ways, checked equal before anything is timed:

1. status held on ``as_of``: per person, a status of kind dibao or tekun with
   ``since <= as_of`` and (``until`` null or ``until >= as_of``): the statuses list flattened,
   filtered, and "any" per person (numpy scatter; Polars explode + group_by);
2. ages: whole years on ``as_of`` from ``person.birth_date`` (null: unknown, with a known
   mask), and age >= 60;
3. hukou: ``person.hukou.region`` starts with "4405" (and the known mask);
4. a list column: per person the flags "A" where (1) holds, then "B" where (2) holds, from the
   two masks, as an Arrow ``list<string>`` column (Polars: each row's combination looked up by
   ``replace_strict``; row 4b: ``concat_list`` of ``when``s, nulls dropped, the plainer idiom);
5. 1-4 as one pass (shared ``as_of`` days; Polars: one lazy query, collected once).

Rows also give ``pl.from_arrow(table)`` and, back, ``to_arrow()`` of task 5's output; Polars
writes ``large_list<large_string>``, and the cast to the project's ``list<string>`` has a row.

Threads: the script runs itself twice, in subprocesses (``--worker``) whose environment is set
before they start, so before ``polars`` is imported there (Polars sizes its pool once): first
``POLARS_MAX_THREADS=1`` and pyarrow's CPU pool at 1 (the per-core comparison; the kernels of
the pyarrow side are single-threaded anyway), then Polars' default pool. In each, every
function runs once (the equality check, also the warm-up), then each round runs every task
both ways, the order swapped every other round. Medians; the ratio is the median of the rounds'
Polars/pyarrow ratios. Wall time (``time.perf_counter``).

A measurement, not a test: it exits 1 only when the two ways disagree.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl  # its pool follows POLARS_MAX_THREADS, which the parent sets for each worker
import pyarrow as pa
import pyarrow.compute as pc

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from batch_parts import clock
from compare_populations import people

from eligibility.columnar._frame import days, of_kinds, year_month_day
from eligibility.columnar._group import lists
from eligibility.contract import STATUS_KINDS

KINDS = ("dibao", "tekun")


# --- pyarrow compute + numpy, as columnar/ does it ------------------------------------------

def pa_held(table, as_of):
    """_checks._records / _statuses, then _translate._status and Frame.any_of."""
    column = table["person.statuses"].combine_chunks()
    items = pc.list_flatten(column)
    parent = pc.list_parent_indices(column).to_numpy(zero_copy_only=False).astype(np.int64)
    kind_code = pc.fill_null(pc.index_in(items.field("kind"), value_set=pa.array(STATUS_KINDS)), -1)
    since, until = items.field("since"), items.field("until")
    since = pc.fill_null(since.cast(pa.int32()), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    until_known = pc.is_valid(until).to_numpy(zero_copy_only=False)
    until = pc.fill_null(until.cast(pa.int32()), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    of_kind = of_kinds(kind_code.to_numpy(zero_copy_only=False).astype(np.int64),
                       [STATUS_KINDS.index(k) for k in KINDS])
    on = as_of[parent]
    in_force = (since <= on) & (~until_known | (on <= until))
    held = np.zeros(len(as_of), dtype=bool)
    held[parent[of_kind & in_force]] = True
    return held


def pa_age(table, as_of):
    """_translate._age: civil dates by the project's lookup, whole years, the threshold."""
    born, known = days(table["person.birth_date"])
    by, bm, bd = year_month_day(born)
    y, m, d = year_month_day(as_of)
    ages = y - by - ((m * 100 + d) < (bm * 100 + bd))
    return ages, known, (ages >= 60) & known


def pa_hukou(table):
    region = table["person.hukou.region"]
    return (pc.fill_null(pc.starts_with(region, "4405"), False).to_numpy(zero_copy_only=False),
            pc.is_valid(region).to_numpy(zero_copy_only=False))


def pa_flags(held, at_60):
    return lists([held, at_60], [("A",), ("B",)], len(held))


def pa_all(table) -> dict:
    as_of = days(table["as_of"])[0]
    held, (ages, known, at_60), (hukou, region_known) = pa_held(table, as_of), pa_age(table, as_of), pa_hukou(table)
    return {"held": held, "age": ages, "known": known, "at_60": at_60, "hukou": hukou,
            "region_known": region_known, "flags": pa_flags(held, at_60)}


# --- Polars, lazy expressions ---------------------------------------------------------------

def pl_held(lf):
    """One column ``held``, a row a person in order: the three fields taken out of the structs,
    exploded (null and empty lists keep their row), tested, any() per person."""
    statuses, as_of = pl.col("person.statuses"), pl.col("as_of")
    test = (pl.col("kind").is_in(KINDS) & (pl.col("since") <= as_of)
            & (pl.col("until").is_null() | (pl.col("until") >= as_of)))
    return (lf.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"), "as_of",
                      *[statuses.list.eval(pl.element().struct.field(f)).alias(f) for f in ("kind", "since", "until")])
            .explode("kind", "since", "until", empty_as_null=True).set_sorted("row")
            .group_by("row", maintain_order=True).agg(held=test.fill_null(False).any()).select("held"))


def pl_age_exprs() -> list:
    born, on = pl.col("person.birth_date"), pl.col("as_of")

    def month_day(day):
        return day.dt.month().cast(pl.Int32) * 100 + day.dt.day()
    age = (on.dt.year() - born.dt.year() - (month_day(on) < month_day(born)).cast(pl.Int32)).alias("age")
    return [age, born.is_not_null().alias("known"), (age >= 60).fill_null(False).alias("at_60")]


def pl_hukou_exprs() -> list:
    region = pl.col("person.hukou.region")
    return [region.str.starts_with("4405").fill_null(False).alias("hukou"), region.is_not_null().alias("region_known")]


def pl_flags_expr(plain: bool = False):
    """The flags of each row: its bitmask of the two masks looked up in the lists of the four
    combinations (as ``_group.lists`` does); ``plain``: a list of ``when``s, nulls dropped
    (the obvious idiom, slower: its own row)."""
    flags = (("held", "A"), ("at_60", "B"))
    if plain:
        return pl.concat_list([pl.when(c).then(pl.lit(f)) for c, f in flags]).list.drop_nulls().alias("flags")
    signature = sum(pl.col(c).cast(pl.UInt8) * (1 << bit) for bit, (c, _) in enumerate(flags))
    combinations = {key: [f for bit, (_, f) in enumerate(flags) if key >> bit & 1] for key in range(1 << len(flags))}
    return signature.replace_strict(combinations, return_dtype=pl.List(pl.String)).alias("flags")


def pl_all(df):
    lf = df.lazy()
    persons = lf.select(*pl_age_exprs(), *pl_hukou_exprs())
    return pl.concat([pl_held(lf), persons], how="horizontal").with_columns(pl_flags_expr()).collect()


# --- the run --------------------------------------------------------------------------------

def agree(mine: dict, theirs, n: int) -> list[str]:
    """The names of the results (pyarrow ``mine``, Polars frame ``theirs``) that differ."""
    bad = [name for name in ("held", "known", "at_60", "hukou", "region_known")
           if name in mine and not np.array_equal(mine[name], theirs[name].to_numpy())]
    if "age" in mine and not np.array_equal(mine["age"][mine["known"]], theirs["age"].drop_nulls().to_numpy()):
        bad.append("age")
    if "flags" in mine and not mine["flags"].equals(theirs["flags"].to_arrow().cast(pa.list_(pa.string()))):
        bad.append("flags")
    return bad + (["length"] if theirs.height != n else [])


def worker(n: int, rounds: int) -> dict:
    if os.environ.get("POLARS_MAX_THREADS") == "1":
        pa.set_cpu_count(1)
    table = people(n)
    n = table.num_rows
    df = pl.from_arrow(table)
    first = pa_all(table)
    held, at_60 = first["held"], first["at_60"]          # the inputs of task 4, both ways
    marks = pl.DataFrame({"held": held, "at_60": at_60})
    pairs = {
        "1. status held on as_of": (lambda: {"held": pa_held(table, days(table["as_of"])[0])},
                                    lambda: pl_held(df.lazy()).collect()),
        "2. age and age >= 60": (lambda: dict(zip(("age", "known", "at_60"), pa_age(table, days(table["as_of"])[0]))),
                   lambda: df.lazy().select(pl_age_exprs()).collect()),
        "3. hukou prefix 4405": (lambda: dict(zip(("hukou", "region_known"), pa_hukou(table))),
                   lambda: df.lazy().select(pl_hukou_exprs()).collect()),
        "4. flags list column": (
            lambda: {"flags": pa_flags(held, at_60)}, lambda: marks.lazy().select(pl_flags_expr()).collect()),
        "4b. the same, Polars by concat_list + drop_nulls": (
            lambda: {"flags": pa_flags(held, at_60)}, lambda: marks.lazy().select(pl_flags_expr(True)).collect()),
        "5. 1-4 in one pass": (lambda: pa_all(table), lambda: pl_all(df)),
    }
    for label, (ours, theirs) in pairs.items():
        bad = agree(ours(), theirs(), n)
        if bad:
            return {"disagree": f"{label}: {', '.join(bad)}"}
    out = pl_all(df)
    extra = {"pl.from_arrow(table)": lambda: pl.from_arrow(table),
             "task 5's output .to_arrow()": lambda: out.to_arrow(),
             "flags large_list<large_string> -> list<string> cast": lambda: out["flags"].to_arrow().cast(
                 pa.list_(pa.string()))}
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in pairs}
    extra_times: dict[str, list[float]] = {label: [] for label in extra}
    for r in range(rounds):
        for label, (ours, theirs) in pairs.items():
            if r % 2:
                b, a = clock(theirs, time.perf_counter), clock(ours, time.perf_counter)
            else:
                a, b = clock(ours, time.perf_counter), clock(theirs, time.perf_counter)
            times[label].append((a, b))
        for label, function in extra.items():
            extra_times[label].append(clock(function, time.perf_counter))
    return {"threads": pl.thread_pool_size(), "polars": pl.__version__, "pyarrow": pa.__version__,
            "rows": [(label, statistics.median(a for a, _ in found), statistics.median(b for _, b in found),
                      statistics.median(b / a for a, b in found)) for label, found in times.items()],
            "extra": {label: statistics.median(found) for label, found in extra_times.items()}}


def measure(n: int, rounds: int, threads: str | None) -> dict:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("POLARS_MAX_THREADS", None)
    if threads:
        env["POLARS_MAX_THREADS"] = threads
    done = subprocess.run([sys.executable, __file__, "--worker", "--people", str(n), "--rounds", str(rounds)],
                          env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.people, args.rounds)))
        return 0
    one, default = measure(args.people, args.rounds, "1"), measure(args.people, args.rounds, None)
    for found in (one, default):
        if "disagree" in found:
            print(f"the two ways disagree: {found['disagree']}")
            return 1
    print(f"# Polars {one['polars']} vs pyarrow {one['pyarrow']} compute + numpy, {args.people:,} Shantou people, "
          f"medians of {args.rounds} rounds, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores\n")
    print("every task's results checked equal both ways before timing\n")
    print("| task | pyarrow + numpy | Polars | ratio Polars/pyarrow |\n|---|---|---|---|")
    runs = ((one, "1 thread"), (default, f"Polars' default pool, {default['threads']} threads"))
    for found, how in runs:
        for (label, a, b, ratio) in found["rows"]:
            print(f"| {label} ({how}) | {a * 1e3:.1f} ms | {b * 1e3:.1f} ms | {ratio:.2f} |")
    for found, how in runs:
        for label, seconds in found["extra"].items():
            print(f"| conversion: {label} ({how}) | | {seconds * 1e3:.1f} ms | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

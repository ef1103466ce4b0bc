"""The columnar evaluator of this tree beside another tree's, in one run: each round decides
the same Shantou people (``shantou_population.py``'s 1,000, tiled) in a fresh process with
this tree and one with the other (``PYTHONPATH=SRC``), alternating; prints the median time of
each and the median of the per-round ratios, in CPU seconds of the process (what other
programs on a shared machine disturb least) and in wall seconds. For judging one change
against the commit before.

    git worktree add --detach ../before HEAD~1
    python benchmarks/compare_columnar.py --old ../before/src                # 262,144 people, 5 rounds
    python benchmarks/compare_columnar.py --old ../before/src --people 524288 --rounds 9
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def worker(people: int) -> tuple[float, float]:
    """One timing in this (fresh) process: evaluate_table of ``people``, after a warm-up
    (CPU seconds, wall seconds)."""
    sys.path.insert(0, str(HERE))
    import pyarrow as pa

    from eligibility import bundled_policies
    from eligibility.columnar import evaluate_table, requests_table
    from shantou_population import population
    base, _ = requests_table(population(1000))
    table = pa.concat_tables([base] * (people // 1000 + 1)).slice(0, people).combine_chunks()
    policies = bundled_policies()
    evaluate_table(table.slice(0, 1000), policies)
    cpu, started = time.process_time(), time.perf_counter()
    evaluate_table(table, policies)
    return time.process_time() - cpu, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", metavar="SRC", help="the other tree's src folder")
    parser.add_argument("--people", type=int, default=262_144)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(*worker(args.worker))
        return 0
    if not args.old:
        parser.error("--old SRC is required")
    command = [sys.executable, __file__, "--worker", str(args.people)]
    new_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    old_env = {**new_env, "PYTHONPATH": str(Path(args.old).resolve())}
    new, old = [], []
    for _ in range(args.rounds):
        for found, env in ((new, new_env), (old, old_env)):
            out = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout.split()
            found.append((float(out[0]), float(out[1])))
    print(f"{args.people:,} people, {args.rounds} rounds:")
    for at, name in ((0, "CPU"), (1, "wall")):
        mine, theirs = [t[at] for t in new], [t[at] for t in old]
        ratios = [a / b for a, b in zip(mine, theirs)]
        print(f"  {name}: this tree {statistics.median(mine):.3f} s, the other {statistics.median(theirs):.3f} s, "
              f"ratio (median of rounds) {statistics.median(ratios):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

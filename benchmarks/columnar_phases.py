"""Where the columnar evaluator's time goes, phase by phase (wall clock, one process, one
worker): the request checks, the rules' verdicts, the outputs (and within them their
conditions, the day each primary status began to qualify, deadlines, subsidy, flags), and
building the decision columns. A profile of one version, not a comparison: use it to choose
what to speed up, and compare versions with a side-by-side script.

    python benchmarks/columnar_phases.py                # 524,288 Shantou people (8 slices)
    python benchmarks/columnar_phases.py --people 131072
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=524_288)
    args = parser.parse_args()
    import pyarrow as pa

    from eligibility import bundled_policies
    from eligibility.columnar import _evaluate, _group, _outputs, evaluate_table, requests_table
    from shantou_population import population

    spent: collections.Counter[str] = collections.Counter()

    def timed(owner: object, name: str, label: str) -> None:
        function = getattr(owner, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - started
        setattr(owner, name, wrapper)

    for owner, name, label in ((_evaluate, "conform", "request checks"), (_evaluate, "Verdicts", "verdicts"),
                               (_evaluate, "outputs", "outputs"), (_outputs, "results", "outputs: conditions"),
                               (_group.Verdicts, "since", "outputs: qualifying day"),
                               (_outputs, "_deadlines", "outputs: deadlines"), (_outputs, "_subsidy", "outputs: subsidy"),
                               (_evaluate, "_group", "rules and columns")):
        timed(owner, name, label)
    base, _ = requests_table(population(1000))
    table = pa.concat_tables([base] * (args.people // 1000 + 1)).slice(0, args.people).combine_chunks()
    policies = bundled_policies()
    evaluate_table(table.slice(0, 1000), policies)  # warm: imports, calendars
    spent.clear()
    started = time.perf_counter()
    evaluate_table(table, policies)
    total = time.perf_counter() - started
    spent["decision columns"] = spent["rules and columns"] - spent["outputs"] - spent["verdicts"]
    print(f"{args.people:,} Shantou people: {total:.2f} s")
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<24} {seconds:6.3f} s  {100 * seconds / total:5.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Where the columnar evaluator's time goes, phase by phase (wall clock, one process, one
worker): the request checks, the rules' verdicts, the outputs (and within them their
conditions, the day each primary status began to qualify, deadlines, subsidy, flags), and
building the decision columns. A profile of one version, not a comparison: use it to choose
what to speed up, and compare versions with a side-by-side script.

Then two parts of the contract that are not rules, each timed alone (this implementation's
costs, not proven minima):
- the request checks alone (``conform``: every record checked and its columns cast), by slice;
- building the decision table's columns from per-row codes: each column taken from its own
  distinct values by an index per row (``take``), best of three: what writing these types
  (text, lists, structs, decimals) row by row costs pyarrow, whatever computed the codes.

    python benchmarks/columnar_phases.py                # 524,288 Shantou people (8 slices)
    python benchmarks/columnar_phases.py --people 1000000
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
    alone(table, policies)
    return 0


def alone(table: object, policies: object) -> None:
    """The two parts timed alone (the module's docstring), printed."""
    import numpy as np
    import pyarrow as pa

    from eligibility.columnar import _checks, _evaluate, _slices, evaluate_table
    cities = {p.city: dict(_evaluate.prepare(p).parameters) for p in policies}
    started = time.perf_counter()
    for start in range(0, table.num_rows, _slices.ROWS):
        _checks.conform(table.slice(start, _slices.ROWS), cities)
    checks = time.perf_counter() - started
    decided = evaluate_table(table, policies).table
    built = 0.0
    for name in decided.column_names:
        values = decided[name].to_pylist()
        codes: dict[str, int] = {}
        index = np.fromiter((codes.setdefault(repr(v), len(codes)) for v in values), dtype=np.int64, count=len(values))
        first = dict.fromkeys(index.tolist())
        for value, code in zip(values, index.tolist()):
            if first[code] is None:
                first[code] = (value,)
        distinct = pa.array([first[code][0] for code in range(len(codes))], type=decided.schema.field(name).type)
        taken = pa.array(index)
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            distinct.take(taken)
            best = min(best, time.perf_counter() - started)
        built += best
    print(f"timed alone, for {table.num_rows:,} people: the request checks {checks:.3f} s; "
          f"the {decided.num_columns} decision columns built from per-row codes {built:.3f} s")


if __name__ == "__main__":
    sys.exit(main())

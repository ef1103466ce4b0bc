"""Two versions of eligibility side by side, in one run: before and after a change.

    python benchmarks/compare_versions.py --old /path/to/old/python --new /path/to/new/python [--rounds 7]

Each interpreter has its own eligibility installed (e.g. a venv with the commit before the
change, one with the working tree). Rounds alternate the two, in a rotating order: per round,
each runs a worker subprocess that times, on the 1,000 Shantou people of
``shantou_population`` (and the same people with 64 statuses each): ``evaluate(dict,
trace=False)``, ``evaluate(dict, trace=True).trace``, and ``parse_request``; then the
start-up of each: ``import eligibility``, ``load_policies()`` after the import, and the CLI
``eligibility evaluate examples/shantou_dibao.yaml --no-trace``. The table gives each
figure's median over rounds and the median of the per-round ratio new / old.
Measured, not asserted: no test depends on these numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def worker() -> None:
    sys.path.insert(0, str(HERE))
    from shantou_population import population, with_status_count

    from eligibility import bundled_policies, evaluate, parse_request

    policies = bundled_policies()
    people = population(1000)
    many = with_status_count(people, 64)
    one = with_status_count(people, 1)

    def per_person(function, requests, repeat=3):
        for request in requests[:50]:
            function(request)
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            for request in requests:
                function(request)
            best = min(best, (time.perf_counter() - start) / len(requests) * 1e6)
        return best

    out = {
        "untraced": per_person(lambda r: evaluate(r, policies, trace=False), people),
        "traced": per_person(lambda r: evaluate(r, policies, trace=True).trace, people),
        "parse": per_person(parse_request, people),
        "one status": per_person(lambda r: evaluate(r, policies, trace=False), one),
        "64 statuses": per_person(lambda r: evaluate(r, policies, trace=False), many),
    }
    out["growth per status"] = (out["64 statuses"] - out["one status"]) / 63
    print(json.dumps(out))


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    return (time.perf_counter() - start) * 1e3


def measure(python: str) -> dict[str, float]:
    result = subprocess.run([python, __file__, "--worker"], check=True, capture_output=True, text=True, cwd=ROOT)
    figures = json.loads(result.stdout)
    figures["import eligibility (ms)"] = wall([python, "-c", "import eligibility"])
    load = subprocess.run([python, "-c", "import time, eligibility; t = time.perf_counter(); eligibility.load_policies();"
                           " print((time.perf_counter() - t) * 1e3)"], check=True, capture_output=True, text=True,
                          cwd=ROOT)
    figures["load_policies() (ms)"] = float(load.stdout)
    cli = str(Path(python).parent / "eligibility")
    figures["CLI evaluate (ms)"] = wall([cli, "evaluate", "examples/shantou_dibao.yaml", "--no-trace"])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", help="python of the version before")
    parser.add_argument("--new", default=sys.executable, help="python of the version after (default: this one)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    side_by_side(args.old, args.new, args.rounds, measure, "per person (µs) or start-up (ms)")


def side_by_side(old_python: str, new_python: str, count: int, measure: Callable[[str], dict[str, float]],
                 heading: str, digits: int = 2) -> None:
    """``count`` rounds alternating the two interpreters (rotating which goes first), then a table
    of each figure's median over rounds and the median of the per-round ratios new / old."""
    rounds: list[dict[str, dict[str, float]]] = []
    for index in range(count):
        order = [("old", old_python), ("new", new_python)]
        if index % 2:
            order.reverse()
        rounds.append({name: measure(python) for name, python in order})
        print(f"round {index + 1}/{count} done", file=sys.stderr)
    print(f"{count} rounds, old and new alternating\n")
    print(f"| {heading} | old | new | new / old |")
    print("|---|---:|---:|---:|")
    for key in rounds[0]["old"]:
        if key not in rounds[0]["new"]:
            continue
        old = statistics.median(r["old"][key] for r in rounds)
        new = statistics.median(r["new"][key] for r in rounds)
        ratio = statistics.median(r["new"][key] / r["old"][key] for r in rounds)
        print(f"| {key} | {old:,.{digits}f} | {new:,.{digits}f} | {ratio:.2f} |")

if __name__ == "__main__":
    main()

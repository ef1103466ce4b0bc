"""Time `eligibility impact` on a synthetic Shantou population (issue 13's target: 100,000
people in under 30 s on a 2-core machine).

    python benchmarks/impact_shantou.py                 # 100,000 people, each of the four reforms
    python benchmarks/impact_shantou.py --people 20000 --workers 2 --reform shantou_distressed_child

The population (`eligibility population --city shantou --seed 1`, 5% children in distress,
no premium supplied: the premium is the caller's in Shantou) is written once to a temporary
file; each run is the command line end to end (start-up, reading, deciding, the report),
timed by the wall clock and in CPU seconds (the load average is printed beside: on a shared
machine the wall clock counts other programs too). SYNTHETIC people: the figures measure speed, not a city.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFORMS = ("shantou_elderly_65", "shantou_december_deadline", "shantou_premium_380", "shantou_distressed_child")


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes: the work itself, whatever
    else the machine runs (the wall clock counts other programs' turns too)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--reform", choices=REFORMS, nargs="*", default=list(REFORMS))
    args = parser.parse_args()
    command = [sys.executable, "-m", "eligibility.cli"]
    with tempfile.TemporaryDirectory() as folder:
        people, marginals = Path(folder) / "people.jsonl", Path(folder) / "marginals.json"
        marginals.write_text(json.dumps({"statuses": {"distressed_child": 0.05}, "parameters": "drop"}))
        started = time.perf_counter()
        with people.open("w") as out:
            subprocess.run(command + ["population", "--city", "shantou", "--size", str(args.people), "--seed", "1",
                                      "--marginals", str(marginals)], stdout=out, check=True)
        print(f"population of {args.people:,} synthetic people: {time.perf_counter() - started:.1f} s")
        for reform in args.reform:
            for workers in args.workers:
                started, cpu = time.perf_counter(), _children_cpu()
                result = subprocess.run(command + ["impact", "shantou", str(ROOT / "tests" / "reforms" / f"{reform}.yaml"),
                                                   "--population", str(people), "--workers", str(workers),
                                                   "--format", "json"], capture_output=True, text=True, check=True)
                elapsed, cpu = time.perf_counter() - started, _children_cpu() - cpu
                report = json.loads(result.stdout)
                print(f"impact {reform:<28} workers={workers}: {elapsed:6.1f} s wall, {cpu:6.1f} s CPU  "
                      f"({report['people']:,} people, {report['changed']:,} changed; load {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

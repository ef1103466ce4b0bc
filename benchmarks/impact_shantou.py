"""Time `eligibility impact` on a synthetic Shantou population (issue 13's target: 100,000
people in under 30 s on a 2-core machine).

    python benchmarks/impact_shantou.py                 # 100,000 people, each of the four reforms
    python benchmarks/impact_shantou.py --people 20000 --workers 2 --reform shantou_distressed_child
    python benchmarks/impact_shantou.py --workers 1 --old ../before/src   # side by side with another tree

With ``--old SRC`` each run is paired with the same command run from another source tree
(``PYTHONPATH=SRC``, e.g. a worktree of an earlier commit), the two alternating, and the
reports are checked equal but for the policy file's path.

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
    parser.add_argument("--old", metavar="SRC", help="another tree's src folder, run side by side")
    parser.add_argument("--rounds", type=int, default=1)
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
        trees = [("new", None)] + ([("old", args.old)] if args.old else [])
        for reform in args.reform:
            for workers in args.workers:
                reports = {}
                for _ in range(args.rounds):
                    for name, src in trees:
                        env = {**os.environ, "PYTHONPATH": src} if src else None
                        started, cpu = time.perf_counter(), _children_cpu()
                        result = subprocess.run(command + ["impact", "shantou",
                                                           str(ROOT / "tests" / "reforms" / f"{reform}.yaml"),
                                                           "--population", str(people), "--workers", str(workers),
                                                           "--format", "json"],
                                                capture_output=True, text=True, check=True, env=env)
                        elapsed, cpu = time.perf_counter() - started, _children_cpu() - cpu
                        report = json.loads(result.stdout)
                        report["base"].pop("file", None)
                        reports[name] = report
                        print(f"impact {reform:<28} {name} workers={workers}: {elapsed:6.1f} s wall, {cpu:6.1f} s CPU  "
                              f"({report['people']:,} people, {report['changed']:,} changed; "
                              f"load {os.getloadavg()[0]:.1f})", flush=True)
                if args.old and reports["new"] != reports["old"]:
                    print(f"impact {reform}: the two trees' reports differ")
                    return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

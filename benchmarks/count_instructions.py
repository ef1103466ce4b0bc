"""Instructions per request, counted by valgrind (deterministic on a busy machine): the mean
over one city's corpus requests that were decided when the corpus was frozen (the
``compare_cities.py`` sample), for two installed versions.

    python benchmarks/count_instructions.py --old ../before-venv/bin/python --city zhengzhou [--new python]

Each version runs twice under ``valgrind --tool=callgrind``, deciding the requests once and
twice; the difference divided by the number of requests is the cost of one pass, without
start-up and loading. Slow (minutes a run). Measured, not asserted.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def worker(city: str, passes: int, traced: bool) -> None:
    sys.path.insert(0, str(HERE))
    from compare_cities import people

    from eligibility import RequestError, bundled_policies, evaluate

    policies = bundled_policies()
    decided = []
    for request, was_undetermined in people()[city]:
        if was_undetermined:
            continue
        try:
            evaluate(request, policies)
        except RequestError:
            continue
        decided.append(request)
    for _ in range(passes):
        for request in decided:
            decision = evaluate(request, policies, trace=traced)
            if traced:
                decision.trace
    print(len(decided))


def count(python: str, city: str, passes: int, traced: bool) -> tuple[int, int]:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python, __file__, "--worker",
               "--city", city, "--passes", str(passes)] + (["--traced"] if traced else [])
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    instructions = int(re.search(r"Collected : (\d+)", done.stderr).group(1))
    return instructions, int(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", help="python of the version before")
    parser.add_argument("--new", default=sys.executable, help="python of the version after (default: this one)")
    parser.add_argument("--city", required=True)
    parser.add_argument("--traced", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--passes", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.city, args.passes, args.traced)
        return
    for name, python in (("old", args.old), ("new", args.new)):
        if python is None:
            continue
        one, n = count(python, args.city, 1, args.traced)
        two, _ = count(python, args.city, 2, args.traced)
        print(f"{name}: {args.city} {'traced' if args.traced else 'untraced'}: {(two - one) // n:,} instructions "
              f"per request ({n} requests)")


if __name__ == "__main__":
    main()

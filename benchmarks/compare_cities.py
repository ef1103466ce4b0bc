"""Per city, traced and untraced: two versions side by side in one run (issue 11's budget:
partial decisions must not cost more than 25% over the untraced median before them).

    python benchmarks/compare_cities.py --old /path/to/old/python [--new python] [--rounds 3]

The people are the frozen behaviour corpus's requests of each city (tests/corpus/: complete
requests from the library's strategies and intake-like ones with a fact left out, YAML cases
and examples), those both versions accept. Each request is evaluated several times and its
best time kept; the table gives, per city, the median over requests (the typical person),
the mean (which the rare expensive ones move), and the same for the requests the old
version left undetermined (where the new one decides parts, and by cases). Rounds alternate
the two interpreters; each figure is the median over rounds, the ratio the median of the
per-round ratios. Measured, not asserted: no test depends on these numbers.
"""

from __future__ import annotations

import argparse
import json
import lzma
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT / "tests" / "corpus"
PER_CITY = 400


def people() -> dict[str, list[tuple[dict, bool]]]:
    """Per city, (request, was undetermined when frozen) for up to ``PER_CITY`` decided requests."""
    with lzma.open(CORPUS / "requests.jsonl.xz", "rt", encoding="utf-8") as requests, \
            lzma.open(CORPUS / "decisions.jsonl.xz", "rt", encoding="utf-8") as decisions:
        out: dict[str, list[tuple[dict, bool]]] = {}
        for index, (request_line, decision_line) in enumerate(zip(requests, decisions)):
            if index % 3:
                continue
            record = json.loads(decision_line)
            if "decision" not in record or record["decision"]["outcome"] in ("no_policy_in_force",):
                continue
            request = json.loads(request_line)
            chosen = out.setdefault(request["city"], [])
            if len(chosen) < PER_CITY:
                chosen.append((request, record["decision"]["outcome"] == "undetermined"))
    return out


def worker() -> None:
    from eligibility import RequestError, bundled_policies, evaluate

    policies = bundled_policies()
    figures: dict[str, float] = {}
    for city, requests in sorted(people().items()):
        for traced in (False, True):
            times, undetermined = [], []
            for request, was_undetermined in requests:
                best = float("inf")
                try:
                    for _ in range(3):
                        start = time.perf_counter()
                        decision = evaluate(request, policies, trace=traced)
                        if traced:
                            decision.trace
                        best = min(best, time.perf_counter() - start)
                except RequestError:
                    continue
                times.append(best * 1e6)
                if was_undetermined:
                    undetermined.append(best * 1e6)
            name = "traced" if traced else "untraced"
            figures[f"{city} {name} median"] = statistics.median(times)
            figures[f"{city} {name} mean"] = statistics.fmean(times)
            if undetermined:
                figures[f"{city} {name} median, frozen undetermined"] = statistics.median(undetermined)
    print(json.dumps(figures))


def measure(python: str) -> dict[str, float]:
    result = subprocess.run([python, __file__, "--worker"], check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="python of the version before")
    parser.add_argument("--new", default=sys.executable, help="python of the version after (default: this one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from compare_versions import side_by_side

    side_by_side(args.old, args.new, args.rounds, measure, "city, figure (µs per request)", digits=1)

if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker()
    else:
        main()

"""Time one Shantou evaluation: traced, untraced, and a hand-written function of the same rules.

    python benchmarks/bench_shantou.py [--repeat 2000]

Prints the median per evaluation of each, and the ratios to the hand-written baseline.
A traced decision builds its trace when the trace is first read (a replay of the same
evaluation with tracing on), so "traced" times the decision and "evaluate + read trace"
times the decision with its trace built.
Measured, not asserted: no test depends on these numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
import tracemalloc
from decimal import ROUND_HALF_UP, Decimal

from eligibility import bundled_policies, evaluate, parse_request

REQUEST = {
    "city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
    "person": {"id_number": "440511197005010022", "hukou": {"region": "440511", "kind": "urban"},
               "statuses": [{"kind": "low_income_household", "since": "2020-01-01"},
                            {"kind": "serious_illness", "disease": "hemophilia", "since": "2021-02-01"}]},
    "parameters": {"individual_premium": "320"},
}


def hand_written(request) -> tuple[str, str | None, str | None]:
    """The Shantou categories, funding and mid-year benefit start, written directly in Python."""
    person, day = request.person, request.as_of
    if not (person.hukou and person.hukou.region and person.hukou.region.startswith("4405")):
        return "not_eligible", None, None
    held = [s for s in person.statuses if s.holds_on(day)]
    kinds = {s.kind for s in held}
    birth = person.effective_birth_date
    age = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    city = any(s.kind in ("orphan", "tekun") and s.care == "centralized" and s.institution == "city_welfare_home"
               or s.kind == "settled_vagrant" and s.placed_by == "city" for s in held)
    eligible = ("dibao" in kinds or "de_facto_unsupported_child" in kinds or "registered_poor" in kinds
                or any(s.kind in ("tekun", "orphan") and s.care in ("dispersed", "centralized") for s in held)
                or ("low_income_household" in kinds and (age >= 60 or age < 18 or "serious_illness" in kinds))
                or any(s.kind == "disability" and s.grade in (1, 2) and s.certificate_valid_until
                       and s.certificate_valid_until >= day for s in held)
                or any(s.kind == "settled_vagrant" for s in held))
    if not eligible:
        return "not_eligible", None, None
    amount = str((Decimal(1) * request.parameters["individual_premium"]).quantize(Decimal("0.01"), ROUND_HALF_UP))
    start = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return "eligible", amount, ("welfare_lottery_fund" if city else "medical_assistance_fund") + start.isoformat()


def median_us(fn, repeat: int) -> float:
    for _ in range(min(200, repeat)):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    policies = bundled_policies()
    request = parse_request(REQUEST)
    assert evaluate(request, policies).outcome == "eligible"
    assert hand_written(request)[0] == "eligible"
    traced = median_us(lambda: evaluate(request, policies, trace=True), args.repeat)
    # the trace is built when first read: this is what a caller who reads it pays in all
    read = median_us(lambda: evaluate(request, policies, trace=True).trace, args.repeat)
    untraced = median_us(lambda: evaluate(request, policies, trace=False), args.repeat)
    baseline = median_us(lambda: hand_written(request), args.repeat)
    parse = median_us(lambda: parse_request(REQUEST), args.repeat)
    tracemalloc.start()
    evaluate(request, policies, trace=True).trace
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"evaluate, traced     median {traced:8.1f} µs  ({traced / baseline:5.1f}x hand-written)")
    print(f"evaluate + read trace median {read:7.1f} µs  ({read / baseline:5.1f}x hand-written)")
    print(f"evaluate, untraced   median {untraced:8.1f} µs  ({untraced / baseline:5.1f}x hand-written)")
    print(f"hand-written Python  median {baseline:8.1f} µs")
    print(f"parse_request        median {parse:8.1f} µs  (not included above)")
    print(f"peak memory of one traced evaluation: {peak / 1024:.1f} KiB")


if __name__ == "__main__":
    main()

"""Shantou, side by side: eligibility vs GoRules ZEN vs OpenFisca vs hand-written Python.

    pip install -e '.[bench]'
    python benchmarks/compare_shantou.py            # full run, about 4-5 minutes on 2 cores
    python benchmarks/compare_shantou.py --quick    # about a minute
    python benchmarks/compare_shantou.py --profile  # then a cProfile of eligibility untraced

One run, one process (plus the subprocesses timed for start-up): the machine is shared and
noisy, so every round times each engine on the whole population, in a rotated order, and the
table reports the median over rounds of (round time / people), with the interquartile range.
Exits 1 if any engine disagrees with ``eligibility.evaluate`` on any person.

The people: ``shantou_population.population(1000)``, 1,000 deterministic request dicts in the
library's request contract (see that module for the mix). The same rules are encoded four
times; what each engine is given, and what the figures include:

- eligibility: the request dict, as a caller has it. ``evaluate(request, trace=False)``
  includes request validation (pydantic), version and coverage-year choice, the rules,
  deadlines on the official working-day calendar and the pydantic Decision. "traced" is
  ``evaluate(request, trace=True).trace``: the trace is built when read, by replaying the
  evaluation with tracing on, so this is the cost of a decision with its trace read.
- ZEN (zen-engine, ``shantou_zen.json``, built by ``shantou_zen.py``): ZEN's expression
  language cannot compare date strings, so ``shantou_zen.features`` turns each request into
  ZEN's input first: the same facts with every date as a ``YYYYMMDD`` integer, open ends as
  99991231, the birth date read from the ID number; statuses and enrolments stay lists and the
  graph judges them (no category or rule is decided in Python). That pre-processing is timed
  on its own ("ZEN features") and with the evaluation ("ZEN from the request dict"). ZEN is
  called two ways, both timed with the Python-to-Rust conversion of input and output:
  ``ZenEngine({"loader": {"type": "static", ...}}).evaluate("shantou", features)``, the ratio
  base (the engine compiles the graph's expressions once, at construction, and runs on one
  shared async runtime), and ``ZenEngine().create_decision(graph).evaluate(features)``, which
  in zen-engine's Python binding builds a new tokio runtime on every call and does not
  precompile the graph: a fixed cost per call that dwarfs the rules here. Traced:
  ``{"trace": True}``, trace returned. ``evaluate_batch`` (same engine) runs the 1,000 on ZEN's
  worker pool, one thread per core (2 here): the only figure that uses both cores. ZEN's own
  ``performance`` field (graph time, no conversion) is reported for scale.
- OpenFisca (openfisca-core, ``shantou_openfisca.py``): a TaxBenefitSystem built in code with a
  ``person`` entity; ``shantou_openfisca.arrays`` turns the request dicts into one numpy array
  per input variable (statuses and enrolments as fixed slots: as many as the longest list),
  timed on its own ("OpenFisca arrays"). "OpenFisca, 1,000" times building the simulation from
  those arrays (``SimulationBuilder.build_default_simulation`` + ``set_input``) and calculating
  every output, vectorised, divided by 1,000; "1,000,000" the same on the population tiled
  1,000 times (its arrays are tiled, not rebuilt from dicts).
- hand-written (``shantou_hand.py``): ``decide(request_dict)``, plain Python on the dict,
  dates parsed with ``date.fromisoformat``; no validation, no deadlines, no trace.

Agreement: outcome, primary category, subsidy amount, funding source, benefit start, flags
and the exclusions that held, for every person, for every engine (ZEN traced, untraced and
batch), on the 1,000 people and on the same people with 1 and with 64 statuses each. Not
compared (not encoded outside eligibility): deadlines, responsible region, missing facts,
reasons other than exclusions, and the trace.

Start-up figures are wall times of fresh subprocesses (same interpreter and environment):
``python -c "import eligibility"``, ``load_policies()`` of the five bundled policies (timed
inside the subprocess, after the import), ``eligibility evaluate examples/shantou_dibao.yaml
--no-trace``, and ``python -c pass`` for scale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import zen  # noqa: E402

import eligibility  # noqa: E402
from eligibility import bundled_policies, evaluate  # noqa: E402

import shantou_hand  # noqa: E402
import shantou_openfisca  # noqa: E402
import shantou_zen  # noqa: E402
from shantou_population import population, with_status_count  # noqa: E402

CHUNKS = 10  # slices of the population per round, for interleaving
FIELDS = ("outcome", "primary_category", "amount", "funding_source", "benefit_start", "flags", "exclusions")


# --- agreement ------------------------------------------------------------------------------

def reference(decision: Any) -> dict[str, Any]:
    """The compared fields of an eligibility Decision."""
    subsidy = decision.subsidy
    return {"outcome": decision.outcome, "primary_category": decision.primary_category,
            "amount": subsidy.amount if subsidy else None,
            "funding_source": subsidy.funding_source if subsidy else None,
            "benefit_start": decision.benefit_start.isoformat() if decision.benefit_start else None,
            "flags": tuple(decision.flags),
            "exclusions": tuple(r.rule.split(".", 1)[1] for r in decision.reasons if r.code == "excluded")}


def traced_reference(request: dict[str, Any], policies: Any) -> dict[str, Any]:
    """The compared fields of a traced evaluation, its trace read first."""
    decision = evaluate(request, policies, trace=True)
    if not decision.trace:
        raise AssertionError("a traced decision without a trace")
    return reference(decision)


def zen_batch_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [shantou_zen.common(item["data"]["result"]) if item.get("success")
            else {**dict.fromkeys(FIELDS), "outcome": f"ZEN error: {item.get('error')}"} for item in results]


def check_agreement(label: str, requests: list[dict[str, Any]], engines: dict[str, Callable[[], list[dict]]],
                    expected: list[dict[str, Any]]) -> int:
    bad = 0
    for name, run in engines.items():
        got = run()
        wrong = [i for i, (want, have) in enumerate(zip(expected, got)) if want != have]
        if len(got) != len(expected):
            wrong = wrong or [len(got)]
        bad += len(wrong)
        print(f"  {label:<16} {name:<28} {len(expected) - len(wrong):5d}/{len(expected)} agree")
        for i in wrong[:10]:
            diff = {f: (expected[i][f], got[i][f]) for f in FIELDS if i < len(got) and expected[i][f] != got[i][f]}
            print(f"    person {i}: (eligibility, {name}) {diff}\n      request {json.dumps(requests[i], ensure_ascii=False)}")
    return bad


# --- timing -------------------------------------------------------------------------------------

def _subprocess_wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{cmd} exited {done.returncode}: {done.stderr[-2000:]}")
    return elapsed


def _load_policies_in_subprocess() -> float:
    code = ("import time\nfrom eligibility import load_policies\nt = time.perf_counter()\nps = load_policies()\n"
            "t = time.perf_counter() - t\nassert len(ps.cities) == 5, ps.cities\nprint(t)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def _zen_us(text: str) -> float:
    """ZEN's ``performance`` text (Rust's Duration debug format: ``80.1µs``, ``1.2ms``) in µs."""
    number = text.rstrip("µnms")
    return float(number) * {"ns": 1e-3, "µs": 1.0, "ms": 1e3, "s": 1e6}[text[len(number):]]


def summarise(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    if len(ordered) >= 4:
        q1, _, q3 = statistics.quantiles(ordered, n=4)
    else:
        q1, q3 = ordered[0], ordered[-1]
    return statistics.median(ordered), q1, q3


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("eligibility", "zen-engine", "openfisca-core", "numpy", "pydantic", "pydantic-core", "PyYAML",
                 "chinesecalendar", "python-dateutil"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = "not installed"
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"], capture_output=True,
                           text=True)
    source = Path(eligibility.__file__).resolve().parent
    where = f"{source}"
    if commit.returncode == 0 and source.is_relative_to(ROOT):
        where += f" (commit {commit.stdout.strip()}{', src modified' if dirty.stdout.strip() else ''})"
    out["eligibility source"] = where
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="5 rounds, one 1,000,000-person OpenFisca run, agreement on the 1,000 only (~1 min)")
    parser.add_argument("--rounds", type=int, help="rounds of the per-person engines (default 15; --quick 5)")
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--big", type=int, help="people in the large OpenFisca run (default 1,000,000)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--profile", action="store_true", help="after the table, cProfile eligibility untraced")
    args = parser.parse_args()
    rounds = args.rounds or (5 if args.quick else 15)
    big_n = args.big or 1_000_000
    big_rounds = 1 if args.quick else 3
    n = args.people
    started = time.perf_counter()

    print(f"# Shantou engines compared, {dt.datetime.now().isoformat(timespec='minutes')}")
    print(f"machine: {machine()}")
    for name, version in versions().items():
        print(f"  {name}: {version}")

    # --- the people and each engine's input -------------------------------------------------
    requests = population(n)
    one_status = with_status_count(requests, 1)
    many_statuses = with_status_count(requests, 64)
    policies = bundled_policies()
    graph_text = shantou_zen.load_graph_text()
    if json.loads(graph_text) != shantou_zen.build_graph():
        print("shantou_zen.json is stale: run python benchmarks/shantou_zen.py", file=sys.stderr)
        return 2
    zen_engine = zen.ZenEngine({"loader": {"type": "static", "content": {"shantou": json.loads(graph_text)}}})
    zen_decision = zen.ZenEngine().create_decision(graph_text)
    features = [shantou_zen.features(r) for r in requests]
    batch = [{"key": "shantou", "context": f} for f in features]
    slots = shantou_openfisca.slots_for(requests)
    system = shantou_openfisca.build_system(slots)
    of_inputs = shantou_openfisca.arrays(requests, slots)

    # --- agreement -------------------------------------------------------------------------------
    print("\n## Agreement with eligibility.evaluate (outcome, primary category, amount, funding source, "
          "benefit start, flags, exclusions)")
    bad = 0
    populations = [(f"{n} people", requests)]
    if not args.quick:
        populations += [("1 status each", one_status), ("64 statuses each", many_statuses)]
    for label, people in populations:
        try:
            expected = [reference(evaluate(r, policies, trace=False)) for r in people]
        except Exception as error:  # every request must be accepted (RequestError lists every bad field)
            print(f"eligibility.evaluate rejected a request of {label}: {error}", file=sys.stderr)
            return 1
        s = shantou_openfisca.slots_for(people)
        sys_ = system if s == slots else shantou_openfisca.build_system(s)
        feats = features if people is requests else [shantou_zen.features(r) for r in people]
        engines: dict[str, Callable[[], list[dict[str, Any]]]] = {}
        if people is requests:  # and the slow ways, on the 1,000 only
            engines["eligibility traced"] = lambda: [traced_reference(r, policies) for r in requests]
            engines["ZEN decision.evaluate"] = lambda: [
                shantou_zen.common(zen_decision.evaluate(f)["result"]) for f in features]
            engines["ZEN decision.evaluate traced"] = lambda: [
                shantou_zen.common(zen_decision.evaluate(f, {"trace": True})["result"]) for f in features]
        engines |= {
            "hand-written": lambda people=people: [shantou_hand.decide(r) for r in people],
            "ZEN engine.evaluate": lambda feats=feats: [
                shantou_zen.common(zen_engine.evaluate("shantou", f)["result"]) for f in feats],
            "ZEN engine.evaluate traced": lambda feats=feats: [
                shantou_zen.common(zen_engine.evaluate("shantou", f, {"trace": True})["result"]) for f in feats],
            "ZEN evaluate_batch": lambda feats=feats: zen_batch_rows(
                zen_engine.evaluate_batch([{"key": "shantou", "context": f} for f in feats])),
            "OpenFisca": lambda people=people, s=s, sys_=sys_: shantou_openfisca.rows(
                shantou_openfisca.simulate(sys_, shantou_openfisca.arrays(people, s))),
        }
        bad += check_agreement(label, people, engines, expected)
    if bad:
        print(f"\n{bad} disagreements: not timing engines that do not compute the same thing", file=sys.stderr)
        return 1
    outcomes: dict[str, int] = {}
    for r in requests:
        outcome = evaluate(r, policies, trace=False).outcome
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    print(f"  outcomes of the {n}: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print(f"  OpenFisca slots: {slots.statuses} statuses, {slots.employee} employee, {slots.resident} resident")

    big_inputs = {name: np.tile(values, big_n // n) for name, values in of_inputs.items()}
    big_n = len(big_inputs["as_of"])

    # --- the timed work -------------------------------------------------------------------------
    # per-person engines are timed on CHUNKS slices of the population, the engines' order rotated
    # in every slice, so that a burst of load on the shared machine falls on all of them alike;
    # whole-population work (vectorised or batched) and the start-up subprocesses are slotted
    # between slices, at a position that moves from round to round.
    chunks = min(CHUNKS, n)
    bounds = [(c * n // chunks, (c + 1) * n // chunks) for c in range(chunks)]

    def per_item(fn: Callable[[Any], Any], items: list[Any]) -> Callable[[int], Callable[[], None]]:
        def for_chunk(c: int) -> Callable[[], None]:
            part = items[bounds[c][0]:bounds[c][1]]

            def run() -> None:
                for item in part:
                    fn(item)
            return run
        return for_chunk

    scalar: list[tuple[str, str, Callable[[int], Callable[[], None]]]] = [
        ("elig", "eligibility `evaluate(dict, trace=False)`", per_item(lambda r: evaluate(r, policies, trace=False), requests)),
        ("elig_traced", "eligibility `evaluate(dict, trace=True).trace` (trace built and read)",
         per_item(lambda r: evaluate(r, policies, trace=True).trace, requests)),
        ("zen", "ZEN `engine.evaluate(key, features)`", per_item(lambda f: zen_engine.evaluate("shantou", f), features)),
        ("zen_traced", "ZEN `engine.evaluate(key, features, {trace: True})`",
         per_item(lambda f: zen_engine.evaluate("shantou", f, {"trace": True}), features)),
        ("zen_decision", "ZEN `create_decision(graph).evaluate(features)`", per_item(zen_decision.evaluate, features)),
        ("zen_decision_traced", "ZEN `create_decision(graph).evaluate(features, {trace: True})`",
         per_item(lambda f: zen_decision.evaluate(f, {"trace": True}), features)),
        ("zen_features", "ZEN pre-processing: `shantou_zen.features(dict)`", per_item(shantou_zen.features, requests)),
        ("zen_e2e", "ZEN from the request dict: features + `engine.evaluate`",
         per_item(lambda r: zen_engine.evaluate("shantou", shantou_zen.features(r)), requests)),
        ("hand", "hand-written Python `decide(dict)`", per_item(shantou_hand.decide, requests)),
        ("elig_1", f"eligibility untraced, the {n:,} with 1 status each",
         per_item(lambda r: evaluate(r, policies, trace=False), one_status)),
        ("elig_64", f"eligibility untraced, the {n:,} with 64 statuses each",
         per_item(lambda r: evaluate(r, policies, trace=False), many_statuses)),
    ]
    whole: list[tuple[str, str, int, Callable[[], Any]]] = [
        ("zen_batch", f"ZEN `engine.evaluate_batch` of the {n:,} (worker pool, 2 threads)", n,
         lambda: zen_engine.evaluate_batch(batch)),
        ("of_arrays", "OpenFisca pre-processing: `shantou_openfisca.arrays(dicts)`", n,
         lambda: shantou_openfisca.arrays(requests, slots)),
        ("of", f"OpenFisca, {n:,} people: simulation from arrays + all outputs", n,
         lambda: shantou_openfisca.simulate(system, of_inputs)),
        ("of_e2e", f"OpenFisca from the request dicts: arrays + simulation, {n:,}", n,
         lambda: shantou_openfisca.simulate(system, shantou_openfisca.arrays(requests, slots))),
    ]
    big = ("of_big", f"OpenFisca, {big_n:,} people: simulation from arrays + all outputs", big_n,
           lambda: shantou_openfisca.simulate(system, big_inputs))
    eligibility_cli = shutil.which("eligibility", path=str(Path(sys.executable).parent)) or "eligibility"
    startup: list[tuple[str, str, Callable[[], float]]] = [
        ("python", "`python -c pass` (interpreter start, for scale)", lambda: _subprocess_wall([sys.executable, "-c", "pass"])),
        ("import", "`python -c \"import eligibility\"` wall time",
         lambda: _subprocess_wall([sys.executable, "-c", "import eligibility"])),
        ("load", "`load_policies()` of the five bundled policies, in a fresh subprocess", _load_policies_in_subprocess),
        ("cli", "`eligibility evaluate examples/shantou_dibao.yaml --no-trace` wall time",
         lambda: _subprocess_wall([eligibility_cli, "evaluate", "examples/shantou_dibao.yaml", "--no-trace"])),
    ]
    startup_rounds = 5 if args.quick else max(rounds, 10)
    # samples[key][round] = seconds per person (per run for start-up)
    samples: dict[str, dict[int, float]] = {key: {} for key in
                                            [k for k, *_ in scalar] + [k for k, *_ in whole] + [big[0]] +
                                            [k for k, *_ in startup]}
    big_at = set(np.linspace(0, rounds - 1, big_rounds).round().astype(int).tolist())

    if not args.quick:  # warm-up: every engine once (in a quick run, the agreement check was the warm-up)
        for _, _, make in scalar:
            for c in range(chunks):
                make(c)()
        for _, _, _, fn in whole:
            fn()
    print(f"  agreement and warm-up done: {time.perf_counter() - started:.0f} s elapsed")
    print(f"\n## Timing: {rounds} rounds of {chunks} interleaved slices; {big_rounds} x {big_n:,} for OpenFisca; "
          f"{startup_rounds} start-up runs each")
    for r in range(max(rounds, startup_rounds)):
        extras: list[tuple[str, int, Callable[[], Any]]] = []
        order: list[tuple[str, int, Callable[[], Any]]] = []
        if r < rounds:
            extras += [(key, count, fn) for key, _, count, fn in whole]
            if r in big_at:
                extras.append((big[0], big[2], big[3]))
        if r < startup_rounds:
            extras += [(key, 0, fn) for key, _, fn in startup]
        for c in range(chunks):
            if r < rounds:
                shift = (r + c) % len(scalar)
                order += [(key, n, make(c)) for key, _, make in scalar[shift:] + scalar[:shift]]
            order += [extra for j, extra in enumerate(extras) if (j + r) % chunks == c]
        spent: dict[str, float] = {}
        for i, (key, count, fn) in enumerate(order):
            if i % 8 == 0:
                gc.collect()
            if count == 0:
                samples[key][r] = fn()
                continue
            begin = time.perf_counter()
            fn()
            spent[key] = spent.get(key, 0.0) + (time.perf_counter() - begin) / count
        for key, value in spent.items():
            samples[key][r] = value
        print(f"  round {r + 1}: {time.perf_counter() - started:6.1f} s elapsed", flush=True)

    # --- the table -----------------------------------------------------------------------------------
    def ratio(key: str, base: str) -> float:
        """Median over rounds of this round's time / the base's time in the same round."""
        both = [samples[key][r] / samples[base][r] for r in samples[key] if r in samples[base]]
        return statistics.median(both)

    med = {key: summarise(list(values.values())) for key, values in samples.items() if values}
    lines = ["| measure | median | IQR | × ZEN engine.evaluate | × hand-written |", "|---|---:|---:|---:|---:|"]

    def us_row(key: str, label: str) -> None:
        m, q1, q3 = (v * 1e6 for v in med[key])
        lines.append(f"| {label} | {m:,.2f} µs | {q1:,.2f}–{q3:,.2f} | {ratio(key, 'zen'):.2f} | "
                     f"{ratio(key, 'hand'):.1f} |")

    rows_order = ["elig", "elig_traced", "zen", "zen_traced", "zen_decision", "zen_decision_traced", "zen_batch",
                  "zen_features", "zen_e2e", "of", "of_big", "of_arrays", "of_e2e", "hand", "elig_1", "elig_64"]
    labels = {key: label for key, label, *_ in scalar + whole + [big]}
    for key in rows_order:
        us_row(key, labels[key] + " (per person)")
    # not timed: ZEN's own figure for its graph, once per person
    reported = statistics.median(_zen_us(zen_engine.evaluate("shantou", f)["performance"]) for f in features)
    lines.append(f"| ZEN's own `performance` figure for the graph (no conversion), once per person "
                 f"| {reported:,.2f} µs | | {reported / (med['zen'][0] * 1e6):.2f} | "
                 f"{reported / (med['hand'][0] * 1e6):.1f} |")
    growth = statistics.median((samples["elig_64"][r] - samples["elig_1"][r]) / 63 * 1e6 for r in samples["elig_64"])
    lines.append(f"| eligibility: growth per extra status (64 vs 1 status each, same round) | {growth:,.2f} µs | | | |")
    for key, label, _ in startup:
        m, q1, q3 = (v * 1e3 for v in med[key])
        lines.append(f"| {label} | {m:,.1f} ms | {q1:,.1f}–{q3:,.1f} | — | — |")
    print("\n## Results: per person = time for the population / people; median over rounds; "
          "ratios = median over rounds of the same round's ratio\n")
    print("\n".join(lines))
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({
            "date": dt.datetime.now().isoformat(timespec="minutes"), "machine": machine(), "versions": versions(),
            "rounds": rounds, "people": n, "big": big_n,
            "median_seconds": {key: value[0] for key, value in med.items()},
            "samples_seconds": {key: list(values.values()) for key, values in samples.items()}}, indent=1))
    if args.profile:
        import cProfile
        import pstats
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(3):
            for request in requests:
                evaluate(request, policies, trace=False)
        profiler.disable()
        print("\n## cProfile: eligibility untraced, 3 x the population\n")
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())

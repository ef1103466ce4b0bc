"""Freeze the behaviour corpus: requests and the decisions the code gives them today.

Run from the repository root, with the code to freeze installed with its ``test`` extra
(Hypothesis)::

    python tests/corpus/freeze.py                 # writes tests/corpus/*.jsonl.xz and README.md
    python tests/corpus/freeze.py --out /tmp/c    # somewhere else (e.g. to diff two freezes)

The code frozen is the ``eligibility`` package Python imports (its path is printed); the
YAML cases and examples are read from the checkout that package lives in (``--root`` to
read them elsewhere). A checkout whose ``src/``, ``policies/``, ``tests/cases/`` or
``examples/`` differ from its commit is refused unless ``--allow-dirty``: the corpus
records the behaviour of a commit, and the README names it. To freeze a commit while
someone else edits the working tree, freeze a separate worktree::

    git worktree add --detach /tmp/corpus-wt HEAD
    python3 -m venv /tmp/corpus-venv && /tmp/corpus-venv/bin/pip install -e '/tmp/corpus-wt[test]'
    /tmp/corpus-venv/bin/python tests/corpus/freeze.py

What it writes (``tests/test_corpus.py`` reads it back):

- ``requests.jsonl.xz``: one request per line (JSON, sorted keys, compact). First the
  draws of the library's own Hypothesis strategies (``eligibility.testing``), in the order
  of ``plan()``: ``from_request_schema`` for every bundled city; ``requests`` aimed at
  every version and program, every reachable outcome of every program, every category,
  and every category together with ``undetermined`` and with the outcomes the program's
  exclusions give. Then the request of every case in ``tests/cases/*.cases.yaml`` (the
  file's defaults merged in) and of every file in ``examples/``.
- ``decisions.jsonl.xz``: the same order, one line per request: ``{"decision": ...,
  "trace": [[rule, kind, clause, result], ...], "source": ...}``, the decision as
  ``model_dump(mode="json")`` without its ``trace`` and the trace projected to four fields
  per step; or ``{"error": [[path, code], ...], "source": ...}`` (sorted) when
  ``evaluate`` raises ``RequestError``. ``source`` says where the request came from
  (``schema:shantou``, ``aim:zhengzhou/resident_medical/outcome=referred``,
  ``case:tests/cases/shantou.cases.yaml:14``, ``example:examples/shantou_dibao.yaml``).
- ``README.md``: the commit frozen and the counts by city, program and outcome.

Deterministic: every strategy is drawn by a ``@given`` function with
``derandomize=True``, no database and a seed derived from the strategy's label; requests
are de-duplicated (first draw wins) and each strategy contributes a fixed quota. Two runs
with the same code, Hypothesis version and policies write byte-identical files. Another
Hypothesis version may draw other requests: that changes the corpus, never its validity
(the decisions are always those of the code frozen).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import lzma
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import __version__ as hypothesis_version

import eligibility
from eligibility import RequestError, bundled_policies, evaluate
from eligibility.testing import from_request_schema, requests
from eligibility.testing import load_case_file

HERE = Path(__file__).resolve().parent
REQUESTS_FILE = "requests.jsonl.xz"
DECISIONS_FILE = "decisions.jsonl.xz"
MINIMUM = 20_000  # strategy draws, before the cases and examples

# Unique requests each strategy contributes (see plan()).
SCHEMA_PER_CITY = 1800
PER_VERSION_PROGRAM = 200
PER_OUTCOME = 250
PER_CATEGORY = 40
PER_CATEGORY_OUTCOME = 12
ROUNDS = 4  # draws with further seeds when a strategy gives too few distinct requests

FIRST_FREEZE = "b39d9da238a24862680261924ab3605ddf5f99b0"


def trace_projection(decision: Any) -> list[list[Any]]:
    """The part of the trace the corpus keeps; the same as in tests/test_corpus.py (schema 2.0:
    the rule's path, and the result as the text schema 1.0 wrote)."""
    return [[step.path, step.kind, step.clause, {True: "true", False: "false", None: "unknown"}[step.result]]
            for step in decision.trace]


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _jsonable(value: Any) -> Any:
    """A request as a calling system sends it: dates (from YAML) as ISO strings."""
    def default(obj: Any) -> Any:
        if isinstance(obj, (dt.date, dt.datetime)):
            return obj.isoformat()
        raise TypeError(f"not JSON: {type(obj).__name__}")
    return json.loads(json.dumps(value, default=default))


# --- what to draw ------------------------------------------------------------------------------


def plan() -> Iterator[tuple[str, Callable[[], Any], int]]:
    """(label, strategy factory, quota) for every strategy drawn, in corpus order."""
    policies = bundled_policies()
    for city in policies.cities:
        yield f"schema:{city}", (lambda c=city: from_request_schema(city=c)), SCHEMA_PER_CITY
    for city in policies.cities:
        policy = policies.get(city)
        for program in sorted(policy.programs):
            versions = [v for v in policy.versions if program in v.programs]
            for version in versions:
                yield (f"aim:{city}/{program}/version={version.spec.id}",
                       (lambda p=policy, g=program, v=version.spec.id: requests(p, program=g, version=v)),
                       PER_VERSION_PROGRAM)
            rules = [r for v in versions for p in (v.programs[program],) for r in (*p.categories, *p.exclusions)]
            outcomes = ["eligible", "not_eligible", "undetermined", "enrollment_closed", "no_policy_in_force"]
            if any(r.spec.outcome == "referred" for r in rules):
                outcomes.append("referred")
            for outcome in outcomes:
                yield (f"aim:{city}/{program}/outcome={outcome}",
                       (lambda p=policy, g=program, o=outcome: requests(p, program=g, outcome=o)), PER_OUTCOME)
            categories = sorted({c.id for v in versions for c in v.programs[program].categories})
            excluded = sorted({e.spec.outcome for v in versions for e in v.programs[program].exclusions})
            for category in categories:
                yield (f"aim:{city}/{program}/category={category}",
                       (lambda p=policy, g=program, c=category: requests(p, program=g, category=c)), PER_CATEGORY)
            for outcome in ["undetermined", *[o for o in excluded if o != "undetermined"]]:
                for category in categories:
                    yield (f"aim:{city}/{program}/category={category}/outcome={outcome}",
                           (lambda p=policy, g=program, c=category, o=outcome:
                            requests(p, program=g, category=c, outcome=o)), PER_CATEGORY_OUTCOME)


def draw(strategy: Any, count: int, label: str) -> list[dict[str, Any]]:
    """``count`` examples of ``strategy``, the same ones on every run."""
    drawn: list[dict[str, Any]] = []

    @seed(zlib.crc32(label.encode("utf-8")))
    @settings(derandomize=True, database=None, max_examples=count, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(strategy)
    def collect(request: dict[str, Any]) -> None:
        drawn.append(request)

    collect()
    return drawn


def strategy_requests(log: Callable[[str], None]) -> list[tuple[str, dict[str, Any]]]:
    seen: set[str] = set()
    corpus: list[tuple[str, dict[str, Any]]] = []
    for label, factory, quota in plan():
        started, taken = time.monotonic(), 0
        for attempt in range(ROUNDS):
            need = quota - taken
            if need <= 0:
                break
            for request in draw(factory(), need * 3 // 2 + 10, f"{label}#{attempt}"):
                request = _jsonable(request)
                key = dumps(request)
                if key in seen:
                    continue
                seen.add(key)
                corpus.append((label, request))
                taken += 1
                if taken == quota:
                    break
        log(f"{label}: {taken}/{quota} in {time.monotonic() - started:.1f}s")
    return corpus


def _request_loader() -> type[yaml.SafeLoader]:
    """YAML that leaves dates as text, as ``eligibility evaluate`` reads a request file."""
    class Loader(yaml.SafeLoader):
        pass
    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return Loader


def case_and_example_requests(root: Path) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted((root / "tests" / "cases").glob("*.cases.yaml")):
        for case in load_case_file(path):
            found.append((f"case:{path.relative_to(root).as_posix()}:{case.line}", _jsonable(case.request)))
    loader = _request_loader()
    for path in sorted((root / "examples").iterdir()):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=loader)
            found.append((f"example:{path.relative_to(root).as_posix()}", _jsonable(data)))
    return found


# --- deciding and writing -----------------------------------------------------------------------


def decide(request: dict[str, Any]) -> dict[str, Any]:
    try:
        decision = evaluate(request, trace=True)
    except RequestError as error:
        return {"error": sorted([issue.path, issue.code] for issue in error.issues)}
    return {"decision": decision.model_dump(mode="json", exclude={"trace"}), "trace": trace_projection(decision)}


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout.strip()


def _write_xz(path: Path, lines: list[str]) -> None:
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    path.write_bytes(lzma.compress(data, format=lzma.FORMAT_XZ, preset=9 | lzma.PRESET_EXTREME))


def _table(title: str, counter: collections.Counter) -> list[str]:
    rows = [f"| {title} | requests |", "|---|---:|"]
    rows += [f"| {key} | {count} |" for key, count in sorted(counter.items())]
    return rows


def readme(commit: str, subject: str, records: list[dict[str, Any]], requests_: list[dict[str, Any]],
           sizes: dict[str, int], drawn: int, sampled_extra: int) -> str:
    by_city, by_program, by_outcome, by_triple = (collections.Counter() for _ in range(4))
    by_origin = collections.Counter()
    for record, request in zip(records, requests_):
        if "decision" in record:
            city, program, outcome = (record["decision"][k] for k in ("city", "program", "outcome"))
        else:
            city, program, outcome = request.get("city"), request.get("program", "resident_medical"), "RequestError"
        by_city[city] += 1
        by_program[program] += 1
        by_outcome[outcome] += 1
        by_triple[f"{city} / {program} / {outcome}"] += 1
        by_origin[record["source"].split(":", 1)[0]] += 1
    lines = [
        "# Behaviour corpus",
        "",
        "Requests and the decisions the engine gave them, frozen so that a rewrite of the engine",
        "internals can show it decides exactly as before. `tests/test_corpus.py` evaluates a",
        "deterministic sample again (every 10th request plus every YAML-case and example request)",
        "and compares the decision (JSON, without the trace) and the trace projected to",
        "`[rule, kind, clause, result]` per step; a request that was refused must be refused with",
        "the same `[path, code]` issues.",
        "",
        f"Frozen from commit `{commit}` ({subject}).",
        f"The first freeze was taken from `{FIRST_FREEZE}`, before the IR rewrite of the engine internals.",
        "",
        "## Files",
        "",
        f"- `{REQUESTS_FILE}` ({sizes[REQUESTS_FILE]:,} bytes): one request per line, JSON with sorted keys.",
        f"- `{DECISIONS_FILE}` ({sizes[DECISIONS_FILE]:,} bytes): the same order, one line each:",
        "  `{\"decision\": ..., \"trace\": [[rule, kind, clause, result], ...], \"source\": ...}`, or",
        "  `{\"error\": [[path, code], ...], \"source\": ...}` when `evaluate` raised `RequestError`.",
        "  `source` is where the request came from (a strategy's label, `case:FILE:LINE`, `example:FILE`).",
        "- `freeze.py`: the generator (its docstring says exactly what it draws).",
        "",
        f"{len(records)} requests: {drawn} drawn from the library's Hypothesis strategies",
        f"(`from_request_schema`, `requests`; Hypothesis {hypothesis_version}), {sampled_extra} from the YAML cases",
        "and examples.",
        "",
        "## Regenerating",
        "",
        "Only for a deliberate change of behaviour: regenerate, look at what changed, and list the",
        "change in `CHANGELOG.md`. A rewrite that is meant to keep behaviour must pass the test",
        "with the corpus as it is. From the repository root, with the code to freeze installed",
        "with its `test` extra (and a clean `src/`, `policies/`, `tests/cases/`, `examples/`):",
        "",
        "```sh",
        "python tests/corpus/freeze.py",
        "pytest tests/test_corpus.py",
        "```",
        "",
        "A change of the trace format only (not of what the engine decides) is absorbed by",
        "adapting `trace_projection` at the top of `tests/test_corpus.py` (and in `freeze.py`).",
        "",
        "## Counts",
        "",
        *_table("origin", by_origin), "",
        *_table("city", by_city), "",
        *_table("program", by_program), "",
        *_table("outcome", by_outcome), "",
        *_table("city / program / outcome", by_triple), "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="directory to write to (default: %(default)s)")
    parser.add_argument("--root", type=Path, default=None,
                        help="checkout whose tests/cases and examples to read (default: the one eligibility is "
                             "imported from)")
    parser.add_argument("--allow-dirty", action="store_true", help="freeze a checkout that differs from its commit")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    package = Path(eligibility.__file__).resolve().parent
    root = (args.root or package.parents[1]).resolve()
    log(f"freezing {package} (cases and examples from {root})")
    commit = _git(root, "rev-parse", "HEAD")
    subject = _git(root, "log", "-1", "--format=%s", commit)
    dirty = _git(root, "status", "--porcelain", "--", "src", "policies", "tests/cases", "examples", "pyproject.toml")
    if dirty and not args.allow_dirty:
        log(f"refusing: {root} differs from {commit}:\n{dirty}\n(--allow-dirty to freeze it anyway)")
        return 2

    started = time.monotonic()
    drawn = strategy_requests(log)
    if len(drawn) < MINIMUM:
        log(f"only {len(drawn)} distinct requests drawn; at least {MINIMUM} wanted: raise the quotas")
        return 1
    extra = case_and_example_requests(root)
    corpus = drawn + extra
    log(f"{len(drawn)} drawn + {len(extra)} cases and examples in {time.monotonic() - started:.0f}s; deciding")

    request_lines, decision_lines, records = [], [], []
    for source, request in corpus:
        record = {**decide(request), "source": source}
        records.append(record)
        request_lines.append(dumps(request))
        decision_lines.append(dumps(record))

    args.out.mkdir(parents=True, exist_ok=True)
    _write_xz(args.out / REQUESTS_FILE, request_lines)
    _write_xz(args.out / DECISIONS_FILE, decision_lines)
    sizes = {name: (args.out / name).stat().st_size for name in (REQUESTS_FILE, DECISIONS_FILE)}
    text = readme(commit, subject, records, [request for _, request in corpus], sizes, len(drawn), len(extra))
    (args.out / "README.md").write_text(text, encoding="utf-8")
    log(f"wrote {len(corpus)} requests to {args.out} ({sum(sizes.values()):,} bytes) "
        f"in {time.monotonic() - started:.0f}s, from commit {commit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The analysts' commands of ``eligibility``: lint, diff, impact, population (issue 13).

Kept apart from ``cli.py`` (which registers them): each is one function over the library's
data structures (``analysis.lint``, ``analysis.diff``, ``impact.impact``, ``population``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from ._memory import frugal_memory
from .language import Policy, bundled_policy_dir


def add_commands(sub: Any) -> None:
    """Register lint, diff, impact and population on the command line's subparsers."""
    li = sub.add_parser("lint", help="static analysis of policies or reforms: conflicting outputs, rules that never "
                                     "apply, categories listed by hand, parameter years (exit 1 on a finding)")
    li.add_argument("policy", nargs="*", help="policy or reform files, or directories (default: the bundled policies)")
    li.add_argument("--format", choices=("text", "json"), default="text",
                    help="text for people (default), or the findings as JSON")

    di = sub.add_parser("diff", help="what a reform changes in its base, rule by rule and clause by clause")
    di.add_argument("base", help="the base policy: a file, or a bundled city id")
    di.add_argument("reform", help="the reform (or another policy): a file, or a bundled city id")
    di.add_argument("--format", choices=("text", "json"), default="text",
                    help="text, clause by clause (default), or the difference as JSON")

    im = sub.add_parser("impact", help="decide a population under a base and a reform: transitions, cost, and the "
                                       "rule behind each change")
    im.add_argument("base", help="the base policy: a file, or a bundled city id")
    im.add_argument("reform", help="the reform: a file, or a bundled city id")
    im.add_argument("--population", required=True, metavar="FILE",
                    help="JSONL, one request a line; or CSV or Parquet in the layout of `eligibility batch` "
                         "(docs/batch.md; the batch extra)")
    im.add_argument("--format", choices=("text", "json"), default="text",
                    help="text for people (default), or the report as JSON")
    im.add_argument("--html", metavar="FILE", help="also write a self-contained page with charts")
    im.add_argument("--workers", type=int, default=0,
                    help="processes deciding in parallel (default: one per core from 20,000 people, else 1)")

    po = sub.add_parser("population", help="write a SYNTHETIC population of requests (JSONL) drawn with the "
                                           "library's strategies")
    po.add_argument("--city", required=True, help="a bundled city id, or a policy file")
    po.add_argument("--size", type=int, default=1000, help="how many people (default 1,000)")
    po.add_argument("--seed", type=int, default=1, help="the seed: one seed, one population (default 1)")
    po.add_argument("--marginals", metavar="FILE.json", help="marginals: categories, statuses, ages, local_hukou, "
                                                             "parameters (see eligibility.population)")


def load_named(name: str) -> Policy:
    """A policy or reform by file path, or a bundled policy by city id."""
    from . import load_policy

    path = Path(name)
    if not path.exists() and re.fullmatch(r"[a-z][a-z0-9_]*", name):
        path = bundled_policy_dir() / f"{name}.yaml"
    return load_policy(path)


def policy_files(paths: list[str]) -> list[Path]:
    """The policy and reform files under ``paths`` (each a file or a directory); the bundled ones
    when none is given."""
    files: list[Path] = []
    for target in [Path(p) for p in paths] or [bundled_policy_dir()]:
        files += sorted(target.glob("*.yaml")) if target.is_dir() else [target]
    return files


def lint_files(paths: list[str]) -> tuple[list[Any], int]:
    """Findings of every policy file under ``paths``, and how many files did not load."""
    from .analysis import lint
    from .errors import PolicyError

    findings, failed = [], 0
    for file in policy_files(paths):
        try:
            findings += lint(load_named(str(file)))
        except PolicyError as exc:
            print(str(exc), file=sys.stderr)
            failed += 1
    return findings, failed


def run_lint(args: argparse.Namespace) -> int:
    from .analysis import problems

    findings, failed = lint_files(args.policy)
    if args.format == "json":
        print(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            print(finding)
        open_ = len(problems(findings))
        print(f"{open_} finding(s), {len(findings) - open_} acknowledged", file=sys.stderr)
    return 2 if failed else 1 if problems(findings) else 0


def run_diff(args: argparse.Namespace) -> int:
    from .analysis import diff, format_diff

    found = diff(load_named(args.base), load_named(args.reform))
    print(json.dumps(found.to_dict(), ensure_ascii=False, indent=2) if args.format == "json" else format_diff(found))
    return 0


def _progress_bar(total: int) -> Any:
    """A progress bar on stderr when it is a terminal; None otherwise."""
    if not sys.stderr.isatty() or total < 1:
        return None
    started = time.monotonic()

    def show(done: int) -> None:
        width = 30
        filled = int(width * done / total)
        print(f"\r[{'#' * filled}{' ' * (width - filled)}] {done}/{total} {time.monotonic() - started:.0f}s",
              end="" if done < total else "\n", file=sys.stderr, flush=True)
    return show


def run_impact(args: argparse.Namespace) -> int:
    frugal_memory()   # before pyarrow is imported (population files, the columnar screen)
    from .impact import impact
    from .population import read_population
    from .impact_render import format_impact, impact_html

    base, reform = load_named(args.base), load_named(args.reform)
    total = 0
    if Path(args.population).suffix.lower() in (".jsonl", ".ndjson", ".json"):
        with open(args.population, encoding="utf-8") as lines:
            total = sum(1 for line in lines if line.strip())
    workers = args.workers or ((os.cpu_count() or 1) if total >= 20_000 else 1)
    report = impact(base, reform, read_population(args.population, parsed=False), progress=_progress_bar(total),
                    workers=workers)
    if args.html:
        Path(args.html).write_text(impact_html(report), encoding="utf-8")
    print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str) if args.format == "json"
          else format_impact(report))
    return 0


def run_population(args: argparse.Namespace) -> int:
    from .population import SYNTHETIC_NOTE, Marginals, population

    marginals = Marginals()
    if args.marginals:
        marginals = Marginals.from_dict(json.loads(Path(args.marginals).read_text(encoding="utf-8")))
    print(f"eligibility population: {SYNTHETIC_NOTE}", file=sys.stderr)
    policy = load_named(args.city)
    out = sys.stdout
    for request in population(policy, args.size, args.seed, marginals):
        out.write(json.dumps(request, ensure_ascii=False, separators=(",", ":")) + "\n")
    out.flush()
    return 0


COMMANDS = {"lint": run_lint, "diff": run_diff, "impact": run_impact, "population": run_population}

__all__ = ["COMMANDS", "add_commands", "lint_files", "load_named"]

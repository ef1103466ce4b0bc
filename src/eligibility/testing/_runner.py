"""Running YAML cases: one result per case, failures as readable text, finding case files.

The pytest plugin and ``eligibility test`` both run cases through :func:`check_case` and
print failures with :func:`format_failure`, so an analyst sees the same report either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

import yaml

from ..contract import Decision
from ..errors import EligibilityError
from ..loading import MAX_FILE_BYTES, FileRefusal, read_text_file
from ..language import Policy, PolicySet
from ..render import deciding_steps, render_step
from ._cases import LoadedCase, Mismatch, compare

DEFAULT_SUFFIX = ".cases.yaml"

# directories never searched for case or policy files
_PRUNED = {"__pycache__", "node_modules", "site-packages", "dist-packages", "build", "dist", "venv"}


@dataclass(frozen=True)
class CaseResult:
    """What running one case gave: the decision, what differs from the expectation, or the error."""

    loaded: LoadedCase
    decision: Decision | None
    mismatches: tuple[Mismatch, ...] = ()
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and not self.mismatches


def check_case(loaded: LoadedCase, policies: PolicySet | Policy | None = None) -> CaseResult:
    """Evaluate one case (traced, so a failure can show why) and compare it with its expectation.

    An invalid request or a calendar gap is a failed case with the error's text, never a raise.
    """
    from .. import evaluate

    try:
        if loaded.reform is not None:
            policies = _reform(loaded.reform)
        decision = evaluate(loaded.request, policies, trace=True)
    except EligibilityError as exc:
        return CaseResult(loaded, None, (), f"{type(exc).__name__}: {exc}")
    return CaseResult(loaded, decision, tuple(compare(loaded.case.expect, decision)))


@lru_cache(maxsize=32)
def _reform(path: str) -> Policy:
    """A reform cases run against, loaded once per process."""
    from .. import load_policy

    return load_policy(path)


def format_failure(result: CaseResult) -> str:
    """Expected versus actual, the clause the case checks, the deciding trace steps, file and line."""
    loaded = result.loaded
    case = loaded.case
    lines = [f"{loaded.location}: {case.name}",
             f"  case checks clause {case.clause} of {loaded.policy}"]
    if result.error is not None:
        lines.append("  the request could not be evaluated:")
        lines += [f"    {line}" for line in result.error.splitlines()]
        return "\n".join(lines)
    for mismatch in result.mismatches:
        line = loaded.expect_lines.get(mismatch.field)
        where = f" (line {line})" if line is not None else ""
        lines.append(f"  {mismatch.field}{where}:")
        lines.append(f"    expected: {_show(mismatch.expected)}")
        lines.append(f"    actual:   {_show(mismatch.actual)}")
    decision = result.decision
    assert decision is not None
    lines.append(f"  decision: {decision.outcome}" + (f", primary category {decision.primary_category}"
                                                      if decision.primary_category else ""))
    steps = deciding_steps(decision)
    if steps:
        lines.append("  decided by:")
        for step in steps:
            lines += ["  " + text for text in render_step(step)]
    return "\n".join(lines)


def format_trace(decision: Decision) -> str:
    """Every trace step, as ``eligibility evaluate`` prints them."""
    return "\n".join(line for step in decision.trace for line in render_step(step))


def _show(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    return repr(value) if isinstance(value, str) else str(value)


# --- finding files ---------------------------------------------------------------------


def file_kind(path: Path, suffix: str = DEFAULT_SUFFIX) -> str | None:
    """``"cases"``, ``"policy"`` or None (another YAML file, such as a request).

    A file named with the case suffix is a case file; otherwise its top-level keys tell:
    ``cases:`` for a case file, ``versions:`` for a policy. A file that does not parse is
    handed to the policy loader, which reports where it breaks.
    """
    if path.name.endswith(suffix):
        return "cases"
    try:
        data = yaml.safe_load(read_text_file(path, MAX_FILE_BYTES))
    except (yaml.YAMLError, FileRefusal):
        return "policy"  # the policy loader reports where (and why) it breaks
    if isinstance(data, dict):
        if "cases" in data:
            return "cases"
        if "versions" in data:
            return "policy"
    return None


def yaml_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Every ``*.yaml`` file named or under a named directory (hidden and build directories skipped)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for file in sorted(path.rglob("*.yaml")):
                parts = file.relative_to(path).parts[:-1]
                if not any(part.startswith(".") or part in _PRUNED for part in parts):
                    yield file
        else:
            yield path


def sort_files(paths: Iterable[str | Path], suffix: str = DEFAULT_SUFFIX) -> tuple[list[Path], list[Path]]:
    """The case files and the policy files among ``paths`` (files or directories), each once.

    Given only policies, their cases are looked for where this repository keeps them:
    ``tests/cases`` beside the policy directory (``policies/../tests/cases``).
    """
    cases: dict[Path, None] = {}
    policies: dict[Path, None] = {}
    for file in yaml_files(paths):
        kind = file_kind(file, suffix)
        if kind == "cases":
            cases[file] = None
        elif kind == "policy":
            policies[file] = None
    if policies and not cases:
        for directory in dict.fromkeys(p.parent for p in policies):
            conventional = directory.parent / "tests" / "cases"
            if conventional.is_dir():
                cases.update((f, None) for f in yaml_files([conventional]) if file_kind(f, suffix) == "cases")
    return list(cases), list(policies)

"""Reading policy files: one file, a list of files, a directory, or the bundled set."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Iterable

from ..errors import PolicyError, PolicyIssue
from ..loading import MAX_FILE_BYTES, load_located, read_located_file
from ._compiler import compile_located
from ._policy import Policy, PolicySet
from ._reform import compile_reform, is_reform


def bundled_policy_dir() -> Path:
    """Where the bundled policies are: inside the installed package, or the repository's ``policies/``."""
    packaged = Path(str(resources.files("eligibility"))) / "policies"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "policies"


def load_policy_file(path: str | Path, *, display_name: str | None = None) -> Policy:
    """Read, validate and compile one policy or reform file; raise PolicyError listing every
    problem. A policy's file is named after its city; a reform (it names a ``base:``) may have
    any name."""
    path = Path(path)
    name = display_name or str(path)
    text, issues = read_located_file(path, MAX_FILE_BYTES, name=name)
    if text is None:
        if issues[0].code == "not_found" and issues[0].message == "no such file":
            issues = [PolicyIssue("not_found", "no such policy file", name, None, None,
                                  "check the path; bundled policies are listed by `eligibility policies`")]
        raise PolicyError(issues)
    located, issues = load_located(text, name)
    if located is None:
        raise PolicyError(issues)
    if is_reform(located.data):
        return compile_reform(located, text, path.parent, bundled_policy_dir())
    return compile_located(located, text, expected_city=path.stem)


def load_policy_files(paths: Iterable[str | Path]) -> PolicySet:
    """Load the given policy files; raise one PolicyError with the issues of every bad file,
    and of two files for one city."""
    policies: dict[str, Policy] = {}
    issues = []
    for path in paths:
        try:
            policy = load_policy_file(path)
        except PolicyError as exc:
            issues += exc.issues
            continue
        other = policies.get(policy.city)
        if other is not None:
            issues.append(PolicyIssue("duplicate_city", f"{other.file} and {policy.file} both give the policy of "
                                      f"{policy.city!r}", policy.file, 1, 1, "load one file per city"))
            continue
        policies[policy.city] = policy
    if issues:
        raise PolicyError(issues)
    return PolicySet(policies)


def load_policy_dir(directory: str | Path | None = None) -> PolicySet:
    """Load every ``*.yaml`` policy in ``directory`` (default: the bundled ones)."""
    directory = Path(directory) if directory is not None else bundled_policy_dir()
    if not directory.is_dir():
        raise PolicyError([PolicyIssue("not_found", f"no such policy directory: {directory}", str(directory), None, None,
                                       "give a directory of <city>.yaml files")])
    return load_policy_files(sorted(directory.glob("*.yaml")))

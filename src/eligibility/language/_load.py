"""Reading policy files: one file, a list of files, a directory, or the bundled set."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Iterable

from ..errors import PolicyError, PolicyIssue
from ..loading import MAX_FILE_BYTES
from ._compiler import compile_policy_text
from ._policy import Policy, PolicySet


def bundled_policy_dir() -> Path:
    """Where the bundled policies are: inside the installed package, or the repository's ``policies/``."""
    packaged = Path(str(resources.files("eligibility"))) / "policies"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "policies"


def load_policy_file(path: str | Path, *, display_name: str | None = None) -> Policy:
    """Read, validate and compile one policy file; raise PolicyError listing every problem."""
    path = Path(path)
    name = display_name or str(path)
    try:
        if path.is_dir():
            raise PolicyError([PolicyIssue("not_found", "a directory, not a policy file", name, 1, 1,
                                           "give a .yaml file, or the directory to `eligibility check`")])
        if path.exists() and not path.is_file():
            raise PolicyError([PolicyIssue("not_a_file", "not a regular file", name, None, None,
                                           "give the path of a .yaml policy file")])
        # refuse before reading: a huge file would otherwise be read into memory whole
        if path.stat().st_size > MAX_FILE_BYTES:
            raise PolicyError([PolicyIssue("file_too_large", f"file is larger than {MAX_FILE_BYTES} bytes",
                                           name, 1, 1, "split the policy or remove what it does not need")])
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise PolicyError([PolicyIssue("file_too_large", f"file is larger than {MAX_FILE_BYTES} bytes",
                                           name, 1, 1, "split the policy or remove what it does not need")])
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise PolicyError([PolicyIssue("not_found", "no such policy file", name, None, None,
                                       "check the path; bundled policies are listed by `eligibility policies`")]) from None
    except PermissionError:
        raise PolicyError([PolicyIssue("not_found", "the policy file cannot be read (permission denied)", name,
                                       None, None, "check the file's permissions")]) from None
    except UnicodeDecodeError as exc:
        before = exc.object[:exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", errors="replace")) + 1
        raise PolicyError([PolicyIssue("encoding", f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                                       name, line, column, "save the file as UTF-8")]) from None
    return compile_policy_text(text, name, expected_city=path.stem)


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
        raise PolicyError([PolicyIssue("not_found", "no such policy directory", str(directory), None, None,
                                       "give a directory of <city>.yaml files")])
    return load_policy_files(sorted(directory.glob("*.yaml")))

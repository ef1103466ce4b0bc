"""Finding and holding policies: the bundled set, or any directory of ``<city>.yaml`` files."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

from ._compile import Policy, load_policy_file
from ._errors import PolicyError


def bundled_policy_dir() -> Path:
    """Where the bundled policies are: inside the installed package, or the repository's ``policies/``."""
    packaged = Path(str(resources.files("eligibility"))) / "policies"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "policies"


@dataclass(frozen=True)
class PolicySet:
    """Compiled policies by city id. Immutable; safe to share between threads."""

    policies: Mapping[str, Policy]

    def get(self, city: str) -> Policy | None:
        return self.policies.get(city)

    @property
    def cities(self) -> tuple[str, ...]:
        return tuple(sorted(self.policies))

    def __iter__(self):
        return iter(self.policies[c] for c in self.cities)

    def __len__(self) -> int:
        return len(self.policies)


def load_policy_dir(directory: str | Path | None = None) -> PolicySet:
    """Load every ``*.yaml`` policy in ``directory`` (default: the bundled ones).

    Raises one PolicyError with the issues of every bad file.
    """
    directory = Path(directory) if directory is not None else bundled_policy_dir()
    return load_policy_files(sorted(directory.glob("*.yaml")))


def load_policy_files(paths: Iterable[str | Path]) -> PolicySet:
    """Load the given policy files; raise one PolicyError with the issues of every bad file."""
    policies: dict[str, Policy] = {}
    issues = []
    for path in paths:
        try:
            policy = load_policy_file(path)
        except PolicyError as exc:
            issues += exc.issues
            continue
        policies[policy.city] = policy
    if issues:
        raise PolicyError(issues)
    return PolicySet(MappingProxyType(policies))

"""A compiled city policy, and a set of them by city."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Iterator, Mapping

from ..contract import CodeLabel
from ._ir import Position, Program, Rule, Version

# the sections of a policy's `codes:`, in the order docs list them
CODE_SECTIONS = ("flags", "funding_sources", "departments")


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """A lint finding the policy means, with why (``lint: acknowledge:``)."""

    code: str
    rule: str          # kind and id, ``outputs.lottery_funded``
    reason: str
    at: Position = field(compare=False)


@dataclass(frozen=True, slots=True)
class Reform:
    """What a reform is: its id and labels, and the policy it changes (its city, file and content hash)."""

    id: str
    label: str
    label_en: str
    base_file: str
    base_hash: str
    base_city: str


@dataclass(frozen=True, slots=True)
class Policy:
    """A compiled, immutable city policy. Build it with :func:`eligibility.load_policy`."""

    city: str
    name: str
    region: str
    file: str
    versions: tuple[Version, ...]
    codes: tuple[tuple[str, tuple[tuple[str, CodeLabel], ...]], ...] = ()   # (section, ((code, labels), ...))
    text: str = field(default="", repr=False, compare=False)
    acknowledged: tuple[Acknowledged, ...] = ()
    reform: Reform | None = None     # set when this policy is a reform of another (its changes applied)
    # the engine's compiled form of this policy, attached once by ``engine.prepare``
    compiled: Any = field(default=None, repr=False, compare=False)
    _program_names: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    @property
    def programs(self) -> frozenset[str]:
        """The names of the programs some version rules."""
        return self._program_names

    def __post_init__(self) -> None:
        object.__setattr__(self, "_program_names", frozenset(p.name for v in self.versions for p in v.programs))

    @property
    def content_hash(self) -> str:
        """sha256 of the policy file's text (a reform's: of the reform file's)."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def id(self) -> str:
        """The policy's id: its city, or a reform's own id."""
        return self.reform.id if self.reform is not None else self.city

    def code_labels(self, section: str) -> dict[str, CodeLabel]:
        """The codes declared under ``codes: <section>:`` (``flags``, ``funding_sources``,
        ``departments``) with their labels, in policy order."""
        return dict(next((entries for name, entries in self.codes if name == section), ()))

    def version_on(self, day: dt.date) -> Version | None:
        return next((v for v in self.versions if v.in_force(day)), None)

    def version(self, version_id: str) -> Version | None:
        return next((v for v in self.versions if v.id == version_id), None)

    def places(self) -> Iterator[tuple[Version, Program]]:
        """Every (version, program) pair."""
        for version in self.versions:
            for program in version.programs:
                yield version, program

    def rules(self) -> list[tuple[str, Rule]]:
        """Every (version id, rule) pair: for coverage reports and static checks."""
        return [(version.id, rule) for version, program in self.places() for rule in program.rules()]

    @property
    def clauses(self) -> frozenset[str]:
        """Every clause the policy cites."""
        return frozenset(rule.clause for _, rule in self.rules())

    def __repr__(self) -> str:
        if self.reform is not None:
            return f"<Policy {self.city} ({self.name}) reformed by {self.reform.id}, {len(self.versions)} version(s)>"
        return f"<Policy {self.city} ({self.name}), {len(self.versions)} version(s)>"


@dataclass(frozen=True)
class PolicySet:
    """Compiled policies by city id. Immutable; safe to share between threads."""

    policies: Mapping[str, Policy]

    def __post_init__(self) -> None:
        object.__setattr__(self, "policies", MappingProxyType(dict(self.policies)))

    def get(self, city: str) -> Policy | None:
        return self.policies.get(city)

    @property
    def cities(self) -> tuple[str, ...]:
        return tuple(sorted(self.policies))

    def __iter__(self) -> Iterator[Policy]:
        return iter(self.policies[c] for c in self.cities)

    def __len__(self) -> int:
        return len(self.policies)

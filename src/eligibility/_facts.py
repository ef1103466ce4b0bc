"""What one evaluation knows (``Facts``) and what a condition answers (``Result``).

Logic is three-valued: ``None`` is unknown, and the test that could not decide names the
missing fact in ``Facts.missing``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ._request import Person, Request

Tri = bool | None


class CoverageYearDates:
    """The first and last day of ``coverage_year``, for whatever holds one."""

    coverage_year: int

    @property
    def coverage_year_start(self) -> dt.date:
        return dt.date(self.coverage_year, 1, 1)

    @property
    def coverage_year_end(self) -> dt.date:
        return dt.date(self.coverage_year, 12, 31)


@dataclass
class Facts(CoverageYearDates):
    """What one evaluation knows: the request plus the dates the policy derives from it."""

    request: Request
    person: Person
    as_of: dt.date
    coverage_year: int
    status_date: dt.date
    tracing: bool
    matched: frozenset[str] = frozenset()
    undecided: frozenset[str] = frozenset()  # categories whose test was unknown
    primary_witness: int | None = None
    missing: list[str] = field(default_factory=list)
    by_kind: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    # results of shared conditions (``Condition.shared``) in this phase of an untraced run;
    # cleared whenever ``matched`` or ``primary_witness`` change
    memo: dict[Any, tuple["Result", list[str]]] = field(default_factory=dict)
    birth_date: dt.date | None = field(init=False)  # given, or read from the ID number once
    # traced runs: every fact the leaves of the rule being checked read, for its trace step
    read: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for index, status in enumerate(self.person.statuses):
            self.by_kind.setdefault(status.kind, []).append((index, status))
        self.birth_date = self.person.effective_birth_date

    def copy(self, **changes: Any) -> "Facts":
        """The same facts with ``changes`` and fresh missing/memo/read records; the indexes
        built from the request are shared (nothing changes them)."""
        copied = object.__new__(Facts)
        copied.__dict__.update(self.__dict__)
        copied.missing, copied.memo, copied.read = [], {}, {}
        copied.__dict__.update(changes)
        return copied


class Result(NamedTuple):
    """The outcome of one (sub-)condition; ``detail`` is trace data when tracing.

    ``witness`` is the index of the status that satisfied a status test, so dates can be
    anchored on the status that decided (``status_since``).
    """

    value: Tri
    detail: dict[str, Any] | None = None
    witness: int | None = None


def _tri_text(value: Tri) -> str:
    return "unknown" if value is None else ("true" if value else "false")


# untraced results without a witness are these three, not new tuples
_PLAIN = {True: Result(True), False: Result(False), None: Result(None)}

"""The compiled policy: inert, typed, frozen data that every evaluator walks.

Nothing here runs: a condition is a node (one class per condition kind, defined in that
kind's module under ``kinds/``), a date is a ``DateExpr`` value, a rule is a ``Rule``.
Nodes compare by their content, not their place, so identical conditions intern to one
node; each keeps the position (file, line, column) of its first occurrence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any, Literal

from ..errors import location

RuleKind = Literal["precondition", "category", "exclusion", "output"]
RULE_KINDS: tuple[RuleKind, ...] = ("precondition", "category", "exclusion", "output")
PLURAL: dict[str, str] = {"precondition": "preconditions", "category": "categories",
                          "exclusion": "exclusions", "output": "outputs"}


@dataclass(frozen=True, slots=True)
class Position:
    """Where something is written: file, line and column (1-based; None when unknown)."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return location(self.file, self.line, self.column)


NOWHERE = Position("<policy>")


@dataclass(frozen=True, slots=True)
class ParameterRef:
    """A threshold written as a parameter of the program (``at_least: {parameter: elderly_age}``):
    its value is the parameter's on the first day of the coverage year, so a reform changes it
    with a dated value instead of editing conditions."""

    name: str

    def __str__(self) -> str:
        return self.name


class Node:
    """Base of every condition node. Subclasses are frozen, slotted dataclasses whose
    ``at`` field (the position) is left out of equality and hashing."""

    __slots__ = ()
    at: Position


def parameter_refs(node: Node) -> tuple[ParameterRef, ...]:
    """The parameters a node (not its parts) uses as thresholds."""
    return tuple(value for f in fields(node) if isinstance(value := getattr(node, f.name), ParameterRef))  # type: ignore[arg-type]


def with_thresholds(node: Node, program: "Program", coverage_year: int) -> Node:
    """``node`` with each threshold parameter replaced by its value in ``coverage_year`` (how
    traces and reasons name the test: ``age >= 60``, not ``age >= elderly_age``)."""
    changes = {f.name: program.threshold(value, coverage_year) for f in fields(node)  # type: ignore[arg-type]
               if isinstance(value := getattr(node, f.name), ParameterRef)}
    return replace(node, **changes) if changes else node  # type: ignore[type-var]


# --- date expressions ----------------------------------------------------------------------

Anchor = Literal["as_of", "status_date", "coverage_year_start", "coverage_year_end", "status_since"]
ANCHORS: tuple[str, ...] = ("as_of", "status_date", "coverage_year_start", "coverage_year_end", "status_since")
YearOf = Literal["as_of_year", "coverage_year"]
OffsetUnit = Literal["days", "working_days", "months", "next_month_start", "month_end"]


@dataclass(frozen=True, slots=True)
class MonthDay:
    """A day of the year in the application's year or the coverage year (plus some years)."""

    month: int
    day: int
    year: YearOf = "as_of_year"
    years_later: int = 0


@dataclass(frozen=True, slots=True)
class Offset:
    """One step applied to a date, in this order: days, working days, months, then the
    first day of the next month, then the end of the month."""

    unit: OffsetUnit
    count: int = 0


@dataclass(frozen=True, slots=True)
class DateExpr:
    """A date computed from a start (a fixed date, an anchor, a month-day, or another
    date expression) and offsets."""

    start: dt.date | Anchor | MonthDay | "DateExpr"
    offsets: tuple[Offset, ...] = ()
    at: Position = field(default=NOWHERE, compare=False, repr=False)

    @property
    def text(self) -> str:
        start = self.start
        if isinstance(start, dt.date):
            parts = [start.isoformat()]
        elif isinstance(start, str):
            parts = [start]
        elif isinstance(start, MonthDay):
            later = f"+{start.years_later}" if start.years_later else ""
            parts = [f"{start.month:02d}-{start.day:02d} of {start.year}{later}"]
        else:
            parts = [start.text]
        for offset in self.offsets:
            parts.append(_OFFSET_TEXT[offset.unit].format(n=offset.count))
        return " ".join(parts)

    def anchors(self) -> frozenset[str]:
        """The anchors this date depends on (``status_since`` makes it depend on the primary status)."""
        start = self.start
        if isinstance(start, str):
            return frozenset((start,))
        if isinstance(start, DateExpr):
            return start.anchors()
        if isinstance(start, MonthDay):
            return frozenset((start.year,))
        return frozenset()


_OFFSET_TEXT = {"days": "+ {n} days", "working_days": "+ {n} working days", "months": "+ {n} months",
                "next_month_start": "-> first day of next month", "month_end": "-> end of month"}


# --- rules and programs ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RuleId:
    """A rule's name: its kind and id (``category``, ``dibao``); ``path`` is how traces
    have long written it (``categories.dibao``)."""

    kind: RuleKind
    id: str

    @property
    def path(self) -> str:
        return f"{PLURAL[self.kind]}.{self.id}"

    def __str__(self) -> str:
        return self.path


@dataclass(frozen=True, slots=True)
class Rule:
    """A precondition, category, exclusion or output: its condition and citation."""

    name: RuleId
    clause: str
    label: str
    condition: Node | None          # None: always applies (outputs only)
    outcome: str | None = None      # preconditions, categories, exclusions: what holding it decides
    department: str | None = None   # a code of the policy's `codes: departments:`
    label_en: str = ""              # the label in English (``label`` is the text's Chinese)
    at: Position = field(default=NOWHERE, compare=False, repr=False)

    @property
    def id(self) -> str:
        return self.name.id

    @property
    def kind(self) -> RuleKind:
        return self.name.kind


@dataclass(frozen=True, slots=True)
class DeadlineSpec:
    action: str
    label: str
    due: DateExpr
    label_en: str = ""


@dataclass(frozen=True, slots=True)
class BenefitSpec:
    """A tier benefit an output states: its item code, labels (Chinese, English) and value as written."""

    item: str
    label: str
    label_en: str
    value: str


@dataclass(frozen=True, slots=True)
class OutputRule:
    """An output: the rule, the single-valued fields it sets (first applying output wins,
    in precedence order: an output that ``overrides`` another wins over it, otherwise policy
    order), and what it adds to lists."""

    rule: Rule
    sets: tuple[tuple[str, Any], ...] = ()
    benefit_start: DateExpr | None = None
    benefit_end: DateExpr | None = None
    deadlines: tuple[DeadlineSpec, ...] = ()
    flags: tuple[str, ...] = ()
    benefits: tuple[BenefitSpec, ...] = ()
    overrides: tuple[str, ...] = ()   # the outputs whose single-valued fields this one wins over


@dataclass(frozen=True, slots=True)
class DatedValue:
    from_: dt.date
    value: Decimal
    source: str


@dataclass(frozen=True, slots=True)
class ParameterDef:
    name: str
    label: str
    unit: str
    caller_supplied: bool
    note: str | None
    values: tuple[DatedValue, ...]
    label_en: str = ""

    @property
    def threshold(self) -> bool:
        """A threshold conditions use (``unit: years``, stated values): the policy's own, never a
        request's to supply. The one place this rule is written."""
        return self.unit == "years" and not self.caller_supplied

    def value_on(self, day: dt.date) -> DatedValue | None:
        current = None
        for value in self.values:
            if value.from_ <= day and (current is None or value.from_ > current.from_):
                current = value
        return current


CoverageDefault = Literal["as_of_year", "next_year", "first_ruled"]


@dataclass(frozen=True, slots=True)
class FactDefault:
    """A fact the text settles when a request leaves it out, with the clause that says so."""

    fact: str
    value: Any
    clause: str
    label: str
    label_en: str = ""


@dataclass(frozen=True, slots=True)
class Program:
    name: str
    label: str
    coverage_default: CoverageDefault
    years: tuple[int, ...] | None            # the insurance years ruled; all when None
    status_date: Literal["as_of", "registration"]
    parameters: tuple[ParameterDef, ...]
    preconditions: tuple[Rule, ...]
    categories: tuple[Rule, ...]             # in priority order
    exclusions: tuple[Rule, ...]
    outputs: tuple[OutputRule, ...]
    priority: tuple[str, ...] | None = None   # the primary-category ranking, as written
    defaults: tuple[FactDefault, ...] = ()    # facts the text settles when a request leaves them out
    label_en: str = ""

    def coverage_year(self, as_of: dt.date, requested: int | None) -> int:
        """The insurance year a request is for: the one it names, else the program's default."""
        if requested is not None:
            return requested
        if self.coverage_default == "next_year":
            return as_of.year + 1
        if self.coverage_default == "first_ruled" and self.years:
            return self.years[0]
        return as_of.year

    def parameter(self, name: str) -> ParameterDef | None:
        return next((p for p in self.parameters if p.name == name), None)

    def threshold(self, value: "int | ParameterRef | None", coverage_year: int) -> int | None:
        """A threshold's whole number for ``coverage_year``: a literal as written, a parameter's
        value on the first day of that year (None when it has none)."""
        if not isinstance(value, ParameterRef):
            return value
        parameter = self.parameter(value.name)
        dated = parameter.value_on(dt.date(coverage_year, 1, 1)) if parameter is not None else None
        return int(dated.value) if dated is not None else None

    def thresholds(self, coverage_year: int) -> dict[str, int]:
        """The values of the threshold parameters (``unit: years``) in ``coverage_year``."""
        return {p.name: value for p in self.parameters
                if p.threshold and (value := self.threshold(ParameterRef(p.name), coverage_year)) is not None}

    def output_precedence(self) -> dict[str, int]:
        """Each output's rank for the single-valued fields (0 wins): an output ranks before those
        it ``overrides``; otherwise policy order decides (the compiler refuses cycles)."""
        left = [output for output in self.outputs]
        rank: dict[str, int] = {}
        while left:
            beaten = {other for output in left for other in output.overrides}
            chosen = next((output for output in left if output.rule.id not in beaten), left[0])
            rank[chosen.rule.id] = len(rank)
            left.remove(chosen)
        return rank

    def rules(self) -> tuple[Rule, ...]:
        """Every rule, in evaluation order."""
        return (*self.preconditions, *self.categories, *self.exclusions, *(o.rule for o in self.outputs))


@dataclass(frozen=True, slots=True)
class Document:
    number: str | None
    title: str
    issuers: tuple[str, ...]
    issued: dt.date | None
    source: str


@dataclass(frozen=True, slots=True)
class Version:
    id: str
    document: Document
    effective_from: dt.date
    effective_to: dt.date | None
    basis: str | None
    programs: tuple[Program, ...]

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def program(self, name: str) -> Program | None:
        return next((p for p in self.programs if p.name == name), None)

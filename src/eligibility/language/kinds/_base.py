"""What every condition kind provides, and what it is given.

A kind is one module under ``kinds/`` exporting ``KIND``, a :class:`ConditionKind`: the
YAML keys it takes, its body's pydantic spec (so a bad body is a located error with
did-you-mean), its IR node types, and the walks over a node:

- ``compile(key, raw, path, cx)``: the body → a node, validated with the kind's spec
  (``cx.validate``); ``cx`` also compiles sub-conditions and dates and reports what the
  spec cannot check;
- ``evaluator(node, build)``: a function ``Facts -> Result`` for one request (``build``
  turns a child node or a date into its own function);
- ``observed(node, facts)``: the facts the node looked at, by request path, for the trace;
- ``reads(node)``: the request paths it may read, without a request;
- ``describe(node, describe)``: one readable line (docs and traces); ``describe``
  describes a child;
- ``sentence(node, lang, sentence)``: the condition as a sentence for people, in Chinese
  (``zh``) or English (``en``); ``sentence(child)`` words a child in the same language and
  ``sentence.category(id)`` names a category of the program;
- ``aim(node, plan, want)``: shape a planned request so the node is ``want``
  (``eligibility.testing`` strategies);
- ``boundaries(node, facts, build)``: for the facts it reads that take many values (dates,
  region codes, numbers), the values at which its answer can change, by request path with
  ``[]`` for an index (``person.birth_date``: the days a threshold age is reached). The
  engine's questions and what-if branches try these; facts of a few values (yes/no, an
  enumeration) take all of theirs from the request contract;
- ``remedy(node, want, facts, build)``: the changes of the facts a person or an office can
  make (a status granted, a certificate renewed, an enrolment ended, a choice changed) under
  which the node would be ``want``, as ``{fact, action, value}`` mappings; None when no such
  change exists (an age, a hukou, a date: not to be changed). Counterfactuals are searched
  with it.

Logic is three-valued: ``Result.value`` is True, False or None (unknown), and an unknown
result names the missing request paths itself.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from dateutil.relativedelta import relativedelta

from ...contract import Person, Request
from pydantic import Field

from .._ir import DateExpr, Node, ParameterRef, Position, Program
from .._spec import Spec

Tri = bool | None


# A condition's answer, a plain tuple (the hot path builds millions): ``(value, missing,
# witness)``: true, false or None (unknown); when unknown, the request paths it lacked;
# the index of the status that satisfied a status test (for ``status_since``), or None.
Result = tuple[Tri, tuple[str, ...], "int | None"]

TRUE: Result = (True, (), None)
FALSE: Result = (False, (), None)
UNKNOWN: Result = (None, (), None)

# the four comparisons of dates the language writes (`date:`, a status's `since:`)
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "before": operator.lt, "on_or_before": operator.le, "after": operator.gt, "on_or_after": operator.ge}


class Facts:
    """What one evaluation knows in one phase: the request and the dates the policy derives
    from it, the categories decided so far, and the primary status. Built once per phase;
    later phases get a copy (``next_phase``) sharing the request's indexes."""

    __slots__ = ("request", "person", "as_of", "coverage_year", "status_date", "birth_date", "by_kind",
                 "matched", "undecided", "primary_witness", "memo", "coverage_year_start", "coverage_year_end",
                 "tracer", "held_cache", "qualified_on")

    def __init__(self, request: Request, coverage_year: int, status_date: dt.date, tracer: Any = None):
        person = request.person
        self.request, self.person, self.as_of = request, person, request.as_of
        self.coverage_year, self.status_date = coverage_year, status_date
        self.coverage_year_start = dt.date(coverage_year, 1, 1)
        self.coverage_year_end = dt.date(coverage_year, 12, 31)
        self.birth_date = person.effective_birth_date
        by_kind: dict[str, list[tuple[int, Any]]] = {}
        for index, status in enumerate(person.statuses):
            by_kind.setdefault(status.kind, []).append((index, status))
        self.by_kind = by_kind
        self.matched: frozenset[str] = frozenset()
        self.undecided: dict[str, tuple[str, ...]] = {}   # unknown categories -> the facts they lack
        self.primary_witness: int | None = None
        # (facts, since) -> the day the primary category began to hold, no earlier than since
        self.qualified_on: Callable[["Facts", dt.date], dt.date] | None = None
        self.memo: dict[Any, Result] = {}
        self.tracer = tracer  # the recording tracer of a traced evaluation (read by the evaluator's wrappers)
        self.held_cache: dict[tuple[tuple[str, ...], dt.date], list[tuple[int, Any]]] = {}

    def held(self, kinds: tuple[str, ...], day: dt.date) -> Any:
        """The (index, status) pairs of ``kinds`` held on ``day``, by position. A person with
        many statuses of a kind is looked through once per kind and day in an evaluation,
        not by every test."""
        by_kind = self.by_kind
        if len(kinds) == 1:
            items = by_kind.get(kinds[0])
            if not items:
                return ()
            if len(items) < 8:  # cheaper to look through than to cache
                return [item for item in items
                        if item[1].since <= day and (item[1].until is None or day <= item[1].until)]
        key = (kinds, day)
        found = self.held_cache.get(key)
        if found is None:
            items = by_kind.get(kinds[0], ()) if len(kinds) == 1 else sorted(
                item for kind in kinds for item in by_kind.get(kind, ()))
            found = self.held_cache[key] = [(index, status) for index, status in items
                                            if status.since <= day and (status.until is None or day <= status.until)]
        return found

    def next_phase(self, **changes: Any) -> "Facts":
        """The same facts with ``changes`` (matched, undecided, primary_witness, status_date)
        and an empty memo."""
        copied = object.__new__(Facts)
        copied.request, copied.person, copied.as_of = self.request, self.person, self.as_of
        copied.coverage_year, copied.status_date, copied.birth_date = self.coverage_year, self.status_date, self.birth_date
        copied.by_kind, copied.matched, copied.undecided = self.by_kind, self.matched, self.undecided
        copied.primary_witness, copied.tracer, copied.held_cache = self.primary_witness, self.tracer, self.held_cache
        copied.qualified_on = self.qualified_on
        copied.coverage_year_start, copied.coverage_year_end = self.coverage_year_start, self.coverage_year_end
        copied.memo = {}
        for name, value in changes.items():
            setattr(copied, name, value)
        return copied


Evaluator = Callable[[Facts], Result]
DateFunction = Callable[[Facts], "dt.date | None"]


class ParameterSpec(Spec):
    """A threshold written as a parameter of the program: ``{parameter: elderly_age}``."""

    parameter: str = Field(pattern=r"^[a-z][a-z0-9_]*$")


def threshold_function(value: "int | ParameterRef | None", program: Program) -> Callable[[Facts], "int | None"]:
    """A threshold's whole number for the evaluation's coverage year (a literal, or a parameter's
    value on the first day of that year, looked up once per year)."""
    if not isinstance(value, ParameterRef):
        return lambda facts: value
    by_year: dict[int, int | None] = {}

    def resolve(facts: Facts) -> int | None:
        year = facts.coverage_year
        if year not in by_year:
            by_year[year] = program.threshold(value, year)
        return by_year[year]
    return resolve


class Builder(Protocol):
    """What a kind's ``evaluator`` is given to build its children's functions."""

    program: Program

    def condition(self, node: Node) -> Evaluator: ...

    def date(self, expr: DateExpr) -> DateFunction: ...

    def untraced(self, node: Node) -> Evaluator: ...

    def category(self, category_id: str) -> Node | None: ...

    @property
    def category_ids(self) -> tuple[str, ...]: ...


class CompileContext(Protocol):
    """What a kind's ``compile`` is given."""

    category_ids: frozenset[str]
    section: str          # preconditions | categories | exclusions | outputs

    def condition(self, raw: Any, path: tuple) -> Node | None: ...

    def date(self, raw: Any, path: tuple) -> DateExpr | None: ...

    def validate(self, model: type, raw: Any, path: tuple) -> Any: ...

    def error(self, path: tuple, code: str, message: str, hint: str | None = None) -> None: ...

    def position(self, path: tuple) -> Position: ...

    def threshold(self, raw: Any, path: tuple) -> "int | ParameterRef | None": ...


class Plan(Protocol):
    """A request being planned by the testing strategies (``eligibility.testing``)."""

    as_of: dt.date

    def draw_dates(self, start: dt.date, end: dt.date) -> dt.date: ...

    def draw_from(self, options: Any) -> Any: ...

    def draw_int(self, low: int, high: int) -> int: ...

    def threshold(self, value: "int | ParameterRef | None") -> int | None: ...


@dataclass(frozen=True)
class ConditionKind:
    """One condition kind: everything the library knows about it (see the module doc)."""

    keys: tuple[str, ...]
    nodes: tuple[type, ...]
    specs: tuple[type, ...]                 # the pydantic models of its bodies
    compile: Callable[[str, Any, tuple, "CompileContext"], Node | None]
    evaluator: Callable[[Any, Builder], Evaluator]
    observed: Callable[[Any, Facts, Any], dict[str, Any]]
    reads: Callable[[Any], tuple[str, ...]]
    describe: Callable[[Any, Callable[[Any], str]], str]   # (node, how to describe a child)
    sentence: Callable[[Any, str, Any], str]   # (node, lang, words: how to word a child, a date, a category)
    aim: Callable[[Any, Plan, bool], None]
    phase: int                              # planning order: dates 0, person 1, records 2
    doc: tuple[tuple[str, str], ...]        # (example, meaning) rows of the docs table
    children: Callable[[Any], tuple[Node, ...]] = lambda node: ()
    dates: Callable[[Any], tuple[DateExpr, ...]] = lambda node: ()
    trace_text: Callable[[Any], str] | None = None   # the trace's name for it, where not describe()
    boundaries: Callable[[Any, Facts, Any], dict[str, tuple[Any, ...]]] = lambda node, facts, build: {}
    remedy: Callable[[Any, bool, Facts, Any], "list[dict[str, Any]] | None"] = lambda node, want, facts, build: None


def date_of(expr: DateExpr, facts: Facts, build: Builder) -> dt.date | None:
    """The date ``expr`` names for ``facts``, through ``build``'s functions (built once)."""
    return build.date(expr)(facts)


def years_before(day: dt.date, years: int) -> dt.date:
    """The day ``years`` years before ``day`` (29 February falls back to the 28th, as dateutil does)."""
    return day - relativedelta(years=years)


def births_either_side(day: dt.date, *ages: int | None) -> tuple[dt.date, ...]:
    """For each age threshold on ``day``: the birth date that reaches it that day, and a day later."""
    births: list[dt.date] = []
    for years in ages:
        if years is not None:
            born = years_before(day, years)
            births += [born, born + dt.timedelta(days=1)]
    return tuple(births)


def one_or_many(value: Any) -> tuple[Any, ...]:
    """A YAML value written as one item or a list, as a tuple."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


__all__ = ["COMPARE", "Builder", "CompileContext", "ConditionKind", "FALSE", "Facts", "ParameterRef", "ParameterSpec",
           "Person", "Plan", "Result", "Spec", "TRUE", "Tri", "UNKNOWN", "births_either_side", "date_of",
           "one_or_many", "threshold_function", "years_before"]

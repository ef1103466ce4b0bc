"""Conditions and date expressions: compiled once from policy data, walked per request.

Logic is three-valued: a test whose fact the request lacks is ``None`` (unknown) and
names the missing fact, so a rule never decides on a default. ``all`` is false if any
part is false, ``any`` is true if any part is true; otherwise unknown wins.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import operator
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

from ._calendar import add_months, add_working_days, age_on, first_of_next_month
from ._errors import PolicyIssue
from ._request import SCHEMES, STATUS_KINDS, Person, Request
from ._yaml import Located, Path

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

    def on_date(self, day: dt.date) -> "Facts":
        """The same facts with statuses and ages judged on ``day``, untraced, with fresh
        missing/memo records (the request-derived indexes are shared: nothing changes them)."""
        shifted = object.__new__(Facts)
        shifted.__dict__.update(self.__dict__)
        shifted.status_date, shifted.tracing = day, False
        shifted.missing, shifted.memo, shifted.read = [], {}, {}
        return shifted


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


class Condition:
    text: str = ""
    # set by the compiler when one compiled condition stands for several identical ones in
    # the policy (a YAML anchor used again, a test repeated across outputs)
    shared: bool = False

    def describe(self) -> str:
        """The condition as one readable line, for generated docs."""
        return self.text

    def evaluate(self, facts: Facts) -> Result:  # pragma: no cover - abstract
        raise NotImplementedError

    def share(self) -> None:
        """Evaluate this condition once per phase of an untraced run, however often the
        policy uses it (called by the compiler; the instance attribute shadows the method)."""
        if not self.shared:
            self.shared = True
            self.evaluate = functools.partial(_evaluate_shared, self, type(self).evaluate)  # type: ignore[method-assign]

    def leaf(self, facts: Facts, value: Tri, read: dict[str, Any] | Callable[[], dict[str, Any]],
             missing: list[str], witness: int | None = None) -> Result:
        """Record a leaf's result; ``read`` (the facts it looked at, or a function giving
        them, so untraced runs never build it) goes into the trace."""
        if missing:
            facts.missing += missing
        if not facts.tracing:
            return _PLAIN[value] if witness is None else Result(value, None, witness)
        if callable(read):
            read = read()
        facts.read.update(read)
        detail: dict[str, Any] = {"test": self.text, "result": _tri_text(value), "read": read}
        if missing:
            detail["missing"] = missing
        return Result(value, detail, witness)


def _evaluate_shared(condition: Condition, evaluate: Callable[[Condition, Facts], Result], facts: Facts) -> Result:
    if facts.tracing:
        return evaluate(condition, facts)
    hit = facts.memo.get(condition)
    if hit is not None:
        if hit[1]:
            facts.missing += hit[1]
        return hit[0]
    before = len(facts.missing)
    result = evaluate(condition, facts)
    facts.memo[condition] = (result, facts.missing[before:])
    return result


# untraced results without a witness are these three, not new tuples
_PLAIN = {True: Result(True), False: Result(False), None: Result(None)}


class AllOf(Condition):
    def __init__(self, parts: list[Condition]):
        self.parts, self.text = parts, "all"

    def describe(self) -> str:
        return "(" + " and ".join(p.describe() for p in self.parts) + ")" if len(self.parts) > 1 else (
            self.parts[0].describe() if self.parts else "always")

    def evaluate(self, facts: Facts) -> Result:
        if not facts.tracing:
            # untraced: the first false part decides; nobody reads the rest
            value: Tri = True
            witness = None
            for part in self.parts:
                result = part.evaluate(facts)
                if result.value is False:
                    return _PLAIN[False]
                if result.value is None:
                    value = None
                elif witness is None:
                    witness = result.witness
            return _PLAIN[value] if witness is None else Result(value, None, witness)
        results = [part.evaluate(facts) for part in self.parts]
        values = [r.value for r in results]
        value = False if False in values else (None if None in values else True)
        witness = next((r.witness for r in results if r.value and r.witness is not None), None)
        return _composite(self.text, value, results, facts, witness)


class AnyOf(Condition):
    def __init__(self, parts: list[Condition]):
        self.parts, self.text = parts, "any"

    def describe(self) -> str:
        return "(" + " or ".join(p.describe() for p in self.parts) + ")"

    def evaluate(self, facts: Facts) -> Result:
        if not facts.tracing:
            # untraced: a true part that names its witness decides; nobody reads the rest
            value: Tri = False
            witness = None
            for part in self.parts:
                result = part.evaluate(facts)
                if result.value is True:
                    value = True
                    if result.witness is not None:
                        return Result(True, None, result.witness if witness is None else witness)
                elif result.value is None and value is False:
                    value = None
            return _PLAIN[value]
        results = [part.evaluate(facts) for part in self.parts]
        values = [r.value for r in results]
        value = True if True in values else (None if None in values else False)
        witness = next((r.witness for r in results if r.value and r.witness is not None), None)
        return _composite(self.text, value, results, facts, witness)


class Not(Condition):
    def __init__(self, part: Condition):
        self.part, self.text = part, "not"

    def describe(self) -> str:
        return f"not {self.part.describe()}"

    def evaluate(self, facts: Facts) -> Result:
        inner = self.part.evaluate(facts)
        value = None if inner.value is None else not inner.value
        return _composite(self.text, value, [inner], facts, None)


def _composite(text: str, value: Tri, results: list[Result], facts: Facts, witness: int | None) -> Result:
    if not facts.tracing:
        return _PLAIN[value] if witness is None else Result(value, None, witness)
    return Result(value, {"test": text, "result": _tri_text(value),
                          "parts": [r.detail for r in results]}, witness)


# --- leaves -------------------------------------------------------------------------

_STATUS_ATTRIBUTES: dict[str, set[str]] = {
    "tekun": {"care", "institution"},
    "orphan": {"care", "institution", "allowance"},
    "distressed_child": {"unable_to_pay"},
    "registered_poor": {"poverty_exit", "unable_to_pay"},
    "serious_illness": {"disease"},
    "disability": {"grade", "type", "lost_work_capacity"},
    "entitled_group": {"class", "key"},
    "family_planning": {"plan", "honour_certificate", "child_disability_grade", "cannot_have_another_child"},
    "settled_vagrant": {"placed_by"},
    "disabled_parent": {"grade", "type"},
}
_STATUS_SPECIAL = {"kind", "area", "certificate_valid", "since", "held_on", "woman_age"}


class StatusHeld(Condition):
    """A status of one of ``kinds`` held on the status date whose attributes pass the tests."""

    # family_planning only: (at_least, under) bounds on the age of the woman of the couple (女方)
    # on the status date, read from ``woman_birth_date``; set by the compiler after construction
    woman_age: tuple[int | None, int | None] | None = None

    def __init__(self, kinds: tuple[str, ...], tests: list[tuple[str, frozenset[Any]]],
                 area: frozenset[str] | None, certificate_valid: bool | None,
                 since_tests: list[tuple[str, "DateExpr"]], on: "DateExpr | None" = None):
        self.kinds, self.tests, self.area = kinds, tests, area
        self.certificate_valid, self.since_tests = certificate_valid, since_tests
        self.on = on  # held on this date instead of the status date (docs/authoring.md)
        parts = [f"{name} in {sorted(values, key=str)}" for name, values in tests]
        if area:
            parts.append(f"area in {sorted(area)}")
        if certificate_valid:
            parts.append("certificate valid")
        parts += [f"since {op} {expr.text}" for op, expr in since_tests]
        if on is not None:
            parts.append(f"held on {on.text}")
        self.text = f"status {'|'.join(kinds)}" + (f" ({', '.join(parts)})" if parts else "")

    def evaluate(self, facts: Facts) -> Result:
        day, tracing = facts.status_date, facts.tracing
        if self.on is not None:
            day = self.on.resolve(facts)
            if day is None:
                return self.leaf(facts, False, {}, [])
        kinds = self.kinds
        candidates = (facts.by_kind.get(kinds[0], ()) if len(kinds) == 1
                      else [item for kind in kinds for item in facts.by_kind.get(kind, ())])
        if not candidates and not tracing:
            return _PLAIN[False]
        read: dict[str, Any] = {}
        if tracing and self.on is not None:
            read["held_on"] = day.isoformat()
        missing: list[str] = []
        best: Tri = False
        witness = None
        for index, status in sorted(candidates, key=lambda item: item[0]) if len(self.kinds) > 1 else candidates:
            base = f"person.statuses[{index}]"
            if tracing:
                read[f"{base}.kind"] = status.kind
                read[f"{base}.since"] = status.since.isoformat()
                if status.until is not None:
                    read[f"{base}.until"] = status.until.isoformat()
            if not status.holds_on(day):
                continue
            value, item_missing = self._attributes(status, base, facts, read, day)
            if value is True:
                best, witness = True, index
                missing = []
                break
            if value is None:
                best = None
                missing += item_missing
        if tracing and not read:
            read["person.statuses"] = f"no {'/'.join(self.kinds)} status"
        return self.leaf(facts, best, read, missing, witness)

    def _attributes(self, status: Any, base: str, facts: Facts, read: dict[str, Any],
                    day: dt.date | None = None) -> tuple[Tri, list[str]]:
        value: Tri = True
        missing: list[str] = []
        for name, allowed in self.tests:
            actual = getattr(status, "class_" if name == "class" else name, None)
            read[f"{base}.{name}"] = actual
            if actual is None:
                value = None if value is not False else False
                missing.append(f"{base}.{name}")
            elif actual not in allowed:
                value = False
        if self.area is not None:
            area = status.area or (facts.person.hukou.kind if facts.person.hukou else None)
            read[f"{base}.area"] = area
            if area is None:
                value = None if value is not False else False
                missing.append(f"{base}.area")
            elif area not in self.area:
                value = False
        if self.certificate_valid:
            until = getattr(status, "certificate_valid_until", None)
            read[f"{base}.certificate_valid_until"] = until.isoformat() if until else None
            if until is None:
                value = None if value is not False else False
                missing.append(f"{base}.certificate_valid_until")
            elif until < (day or facts.status_date):
                value = False
        if self.woman_age is not None:
            born = getattr(status, "woman_birth_date", None)
            read[f"{base}.woman_birth_date"] = born.isoformat() if born else None
            if born is None:
                value = None if value is not False else False
                missing.append(f"{base}.woman_birth_date")
            else:
                age, (at_least, under) = age_on(born, day or facts.status_date), self.woman_age
                if (at_least is not None and age < at_least) or (under is not None and age >= under):
                    value = False
        for op, expr in self.since_tests:
            bound = expr.resolve(facts)
            if bound is None or not _compare(status.since, op, bound):
                value = False
        return value, (missing if value is None else [])


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "before": operator.lt, "on_or_before": operator.le, "after": operator.gt, "on_or_after": operator.ge}


def _compare(left: Any, op: str, right: Any) -> bool:
    return _OPS[op](left, right)


class AgeTest(Condition):
    def __init__(self, at_least: int | None, under: int | None, at: "DateExpr"):
        self.at_least, self.under, self.at = at_least, under, at
        bounds = ([f">= {at_least}"] if at_least is not None else []) + ([f"< {under}"] if under is not None else [])
        self.text = f"age on {at.text} {' and '.join(bounds)}"

    def evaluate(self, facts: Facts) -> Result:
        birth = facts.birth_date
        if birth is None:
            return self.leaf(facts, None, {"person.birth_date": None}, ["person.birth_date"])
        day = self.at.resolve(facts)
        age = age_on(birth, day) if day else None
        value = age is not None and (self.at_least is None or age >= self.at_least) and (
            self.under is None or age < self.under)
        return self.leaf(facts, value, lambda: {"person.birth_date": birth.isoformat(), "age": age}, [])


class HukouTest(Condition):
    def __init__(self, regions: tuple[str, ...] | None, kind: str | None):
        self.regions, self.kind = regions, kind
        parts = ([f"region starts with {'|'.join(regions)}"] if regions else []) + ([f"kind {kind}"] if kind else [])
        self.text = f"hukou {' and '.join(parts)}"

    def evaluate(self, facts: Facts) -> Result:
        hukou = facts.person.hukou
        read: dict[str, Any] = {}
        missing: list[str] = []
        value: Tri = True
        if self.regions:
            region = hukou.region if hukou else None
            read["person.hukou.region"] = region
            if region is None:
                value, missing = None, ["person.hukou.region"]
            elif not region.startswith(self.regions):
                value = False
        if self.kind:
            kind = hukou.kind if hukou else None
            read["person.hukou.kind"] = kind
            if kind is None:
                if value is not False:
                    value = None
                    missing.append("person.hukou.kind")
            elif kind != self.kind:
                value = False
        return self.leaf(facts, value, read, missing if value is None else [])


class SexTest(Condition):
    def __init__(self, sex: str):
        self.sex, self.text = sex, f"sex {sex}"

    def evaluate(self, facts: Facts) -> Result:
        sex = facts.person.sex
        if sex is None:
            return self.leaf(facts, None, {"person.sex": None}, ["person.sex"])
        return self.leaf(facts, sex == self.sex, {"person.sex": sex}, [])


class StudentTest(Condition):
    def __init__(self, student: bool):
        self.student, self.text = student, f"student {str(student).lower()}"

    def evaluate(self, facts: Facts) -> Result:
        value = facts.person.student
        if value is None:
            return self.leaf(facts, None, {"person.student": None}, ["person.student"])
        return self.leaf(facts, value == self.student, {"person.student": value}, [])


class SocialSecurityCardTest(Condition):
    def __init__(self, held: bool):
        self.held, self.text = held, f"social_security_card {str(held).lower()}"

    def evaluate(self, facts: Facts) -> Result:
        value = facts.person.social_security_card
        if value is None:
            return self.leaf(facts, None, {"person.social_security_card": None}, ["person.social_security_card"])
        return self.leaf(facts, value == self.held, {"person.social_security_card": value}, [])


class CategoryTest(Condition):
    def __init__(self, ids: tuple[str, ...]):
        self.ids, self.text = ids, f"category {'|'.join(ids)}"

    def evaluate(self, facts: Facts) -> Result:
        # an unknown category is an unknown test: its missing facts are already reported
        value = True if not facts.matched.isdisjoint(self.ids) else (
            None if not facts.undecided.isdisjoint(self.ids) else False)
        return self.leaf(facts, value, lambda: {"categories": sorted(facts.matched)}, [])


class CategoryHeldOn(Condition):
    """One of ``ids`` (every category of the program when empty) held with statuses and ages
    judged on another date: who was already on a list, or qualified before the year began.

    ``conditions`` is the program's category conditions by id, filled once the categories
    are compiled (before any evaluation)."""

    def __init__(self, ids: tuple[str, ...], on: "DateExpr", conditions: dict[str, Condition]):
        self.ids, self.on, self.conditions = ids, on, conditions
        self.text = f"category {'|'.join(ids) or 'any'} held on {on.text}"

    def evaluate(self, facts: Facts) -> Result:
        day = self.on.resolve(facts)
        if day is None:
            return self.leaf(facts, False, {}, [])
        shifted = facts.on_date(day)
        held, unknown = [], False
        for cid in self.ids or tuple(self.conditions):
            value = self.conditions[cid].evaluate(shifted).value
            if value is True:
                held.append(cid)
                break
            unknown = unknown or value is None
        value: Tri = True if held else (None if unknown else False)
        missing = sorted(set(shifted.missing)) if value is None else []
        return self.leaf(facts, value, lambda: {"held_on": day.isoformat(), "categories_held": held}, missing)


class CoverageTest(Condition):
    def __init__(self, mode: str):
        self.mode, self.text = mode, f"coverage {mode}"

    def evaluate(self, facts: Facts) -> Result:
        mode = "full_year" if facts.coverage_year > facts.as_of.year else "mid_year"
        return self.leaf(facts, mode == self.mode,
                         lambda: {"coverage_year": facts.coverage_year, "as_of": facts.as_of.isoformat()}, [])


class CoverageYearTest(Condition):
    """The insurance year applied for is one of ``years`` (a text naming a year, e.g. "2014年度除外")."""

    def __init__(self, years: frozenset[int]):
        self.years, self.text = years, f"coverage year in {sorted(years)}"

    def evaluate(self, facts: Facts) -> Result:
        # the coverage year is always known (the request's, or the policy's default)
        return self.leaf(facts, facts.coverage_year in self.years, lambda: {"coverage_year": facts.coverage_year}, [])


class ChoiceTest(Condition):
    def __init__(self, name: str, allowed: frozenset[Any] | None, at_least: Any, at_most: Any):
        self.name, self.allowed, self.at_least, self.at_most = name, allowed, at_least, at_most
        self.text = f"choice {name}" + (f" in {sorted(allowed)}" if allowed else "") + (
            f" >= {at_least}" if at_least is not None else "") + (f" <= {at_most}" if at_most is not None else "")

    def evaluate(self, facts: Facts) -> Result:
        value = getattr(facts.request.choices, self.name)
        path = f"choices.{self.name}"
        if value is None:
            return self.leaf(facts, None, {path: None}, [path])
        ok = (self.allowed is None or value in self.allowed) and (
            self.at_least is None or value >= self.at_least) and (self.at_most is None or value <= self.at_most)
        return self.leaf(facts, ok, {path: str(value)}, [])


class DateTest(Condition):
    """Compares the application date (and time, where given), or the status date
    (``of: status_date``: the registration date where the policy judges statuses then), with a
    date or date-time."""

    def __init__(self, op: str, bound: "DateExpr", bound_time: dt.time | None, of: str = "as_of"):
        self.op, self.bound, self.bound_time, self.of = op, bound, bound_time, of
        self.text = f"{of} {op} {bound.text}" + (f" {bound_time.isoformat('minutes')}" if bound_time else "")

    def evaluate(self, facts: Facts) -> Result:
        bound = self.bound.resolve(facts)
        when = facts.status_date if self.of == "status_date" else facts.as_of
        read = {self.of: when.isoformat()} if facts.tracing else {}
        if bound is None:
            return self.leaf(facts, False, read, [])
        if self.bound_time is not None and when == bound:
            # On the closing day an application without a time counts as in time (docs/authoring.md).
            at = facts.request.as_of_time
            read["as_of_time"] = at.isoformat("minutes") if at else None
            if at is None:
                return self.leaf(facts, self.op in ("before", "on_or_before"), read, [])
            return self.leaf(facts, _compare(at, self.op, self.bound_time), read, [])
        if self.bound_time is not None and self.op in ("before", "after"):
            # a date-time bound: the bound's own day is decided above; other days compare inclusively
            value = _compare(when, "on_or_before" if self.op == "before" else "on_or_after", bound)
        else:
            value = _compare(when, self.op, bound)
        return self.leaf(facts, value, read, [])


class EnrolledTest(Condition):
    """An enrolment record: employee insurance (medical or pension) in force on a date or
    ended within N months before it, or resident insurance for a year (optionally by payer)."""

    def __init__(self, scheme: str, on: "DateExpr | None", ended_within_months: int | None,
                 year: str | None, paid_by: str | None, region: tuple[str, ...] | None):
        self.scheme, self.on, self.ended_within_months = scheme, on, ended_within_months
        self.year, self.paid_by, self.region = year, paid_by, region
        parts = [scheme]
        if on is not None:
            parts.append(f"in force on {on.text}" if ended_within_months is None
                         else f"ended within {ended_within_months} months before {on.text}")
        if year:
            parts.append(f"for {year}")
        if paid_by:
            parts.append(f"paid by {paid_by}")
        if region:
            parts.append(f"in region {'|'.join(region)}")
        self.text = "enrolled " + " ".join(parts)

    def evaluate(self, facts: Facts) -> Result:
        read: dict[str, Any] = {}
        value: Tri = False
        missing: list[str] = []
        day = self.on.resolve(facts) if self.on is not None else None
        for index, record in enumerate(facts.person.enrollments):
            if record.scheme != self.scheme:
                continue
            base = f"person.enrollments[{index}]"
            region_unknown = False
            if record.scheme != "resident_medical":
                read[f"{base}.from"] = record.from_.isoformat()
                read[f"{base}.to"] = record.to.isoformat() if record.to else None
                if self.region:
                    read[f"{base}.region"] = record.region
                    # a record that would match but names no region: unknown, never assumed local
                    region_unknown = record.region is None
                    if not region_unknown and not record.region.startswith(self.region):
                        continue
                if day is None:
                    continue
                if self.ended_within_months is None:
                    hit = record.from_ <= day and (record.to is None or day <= record.to)
                else:
                    hit = record.to is not None and record.to < day <= add_months(record.to, self.ended_within_months)
            else:
                read[f"{base}.year"] = record.year
                read[f"{base}.paid_by"] = record.paid_by
                hit = self.year is None or record.year == facts.coverage_year
                if hit and self.paid_by is not None:
                    if record.paid_by is None:  # a record for the year that does not say who paid: unknown
                        value = None
                        missing.append(f"{base}.paid_by")
                        continue
                    hit = record.paid_by == self.paid_by
            if hit and region_unknown:
                value = None
                missing.append(f"{base}.region")
            elif hit:
                value, missing = True, []
                break
        if not read:
            read["person.enrollments"] = f"no {self.scheme} record"
        return self.leaf(facts, value, read, missing)


# --- date expressions --------------------------------------------------------------

_ANCHORS: dict[str, Callable[[Facts], dt.date | None]] = {
    "as_of": lambda f: f.as_of,
    "status_date": lambda f: f.status_date,
    "coverage_year_start": lambda f: f.coverage_year_start,
    "coverage_year_end": lambda f: f.coverage_year_end,
    "status_since": lambda f: (f.person.statuses[f.primary_witness].since
                               if f.primary_witness is not None else None),
}
_YEARS: dict[str, Callable[[Facts], int]] = {
    "as_of_year": lambda f: f.as_of.year,
    "coverage_year": lambda f: f.coverage_year,
}


class DateExpr:
    """A date computed from a fixed date, an anchor, a month-day in a year, plus offsets."""

    def __init__(self, text: str, base: Callable[[Facts], dt.date | None],
                 steps: list[Callable[[dt.date], dt.date]]):
        self.text, self.base, self.steps = text, base, steps

    def resolve(self, facts: Facts) -> dt.date | None:
        day = self.base(facts)
        if day is None:
            return None
        for step in self.steps:
            day = step(day)
        return day


def did_you_mean(word: Any, choices: list[str] | tuple[str, ...] | set[str]) -> str:
    close = difflib.get_close_matches(str(word), sorted(choices), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


class Compiler:
    """Compiles ``when:`` conditions and date expressions of one policy, collecting issues."""

    def __init__(self, located: Located, issues: list[PolicyIssue]):
        self.located, self.issues = located, issues
        self.category_ids: set[str] = set()
        self.category_conditions: dict[str, Condition] = {}
        self._interned: dict[str, Condition] = {}
        self.codes: Any = None

    def error(self, path: Path, code: str, message: str, hint: str | None = None) -> None:
        self.issues.append(self.located.issue(path, code, message, hint))

    # conditions
    _KEYS = ("all", "any", "not", "status", "age", "hukou", "sex", "student", "social_security_card", "category",
             "coverage", "choice", "date", "enrolled")

    def begin_program(self, category_ids: set[str]) -> None:
        """Start compiling a program: its category ids; category tests of another program,
        even when written alike, are other conditions."""
        self.category_ids = category_ids
        self.category_conditions = {}
        self._interned = {}

    def condition(self, raw: Any, path: Path) -> Condition:
        """Compile one condition; identical conditions compile to one shared object."""
        try:
            key = json.dumps(raw, sort_keys=True, default=str, ensure_ascii=False)
        except (TypeError, ValueError):
            return self._condition(raw, path)
        hit = self._interned.get(key)
        if hit is not None:
            # worth a memo lookup only where evaluating costs more than looking up
            if isinstance(hit, (AllOf, AnyOf, Not, StatusHeld)):
                hit.share()
            return hit
        before = len(self.issues)
        compiled = self._condition(raw, path)
        if len(self.issues) == before:  # a faulty condition is compiled (and reported) at each place
            self._interned[key] = compiled
        return compiled

    def _condition(self, raw: Any, path: Path) -> Condition:
        if not isinstance(raw, dict) or len(raw) != 1:
            self.error(path, "bad_condition", "a condition is a mapping with exactly one key",
                       f"use one of: {', '.join(self._KEYS)}")
            return AllOf([])
        (key, body), = raw.items()
        sub = path + (key,)
        if key in ("all", "any"):
            if not isinstance(body, list) or not body:
                self.error(sub, "bad_condition", f"`{key}` takes a non-empty list of conditions")
                return AllOf([])
            parts = [self.condition(item, sub + (i,)) for i, item in enumerate(body)]
            return AllOf(parts) if key == "all" else AnyOf(parts)
        if key == "not":
            return Not(self.condition(body, sub))
        builder = getattr(self, f"_{key}", None)
        if builder is None:
            self.error(path + (key,), "unknown_condition", f"unknown condition {key!r}",
                       f"{did_you_mean(key, self._KEYS)}known: {', '.join(self._KEYS)}")
            return AllOf([])
        return builder(body, sub)

    def _mapping(self, body: Any, path: Path, allowed: set[str], required: set[str] = frozenset()) -> dict | None:
        if not isinstance(body, dict):
            self.error(path, "bad_condition", "expected a mapping", f"keys: {', '.join(sorted(allowed))}")
            return None
        ok = True
        for key in body:
            if key not in allowed:
                self.error(path + (key,), "unknown_key", f"unknown key {key!r}",
                           f"{did_you_mean(key, allowed)}allowed: {', '.join(sorted(allowed))}")
                ok = False
        for key in required - set(body):
            self.error(path, "missing_key", f"missing key {key!r}")
            ok = False
        return body if ok else None

    def _status(self, body: Any, path: Path) -> Condition:
        if isinstance(body, str):
            body = {"kind": body}
        kinds_raw = body.get("kind") if isinstance(body, dict) else None
        kinds = tuple(kinds_raw if isinstance(kinds_raw, list) else [kinds_raw])
        bad = [k for k in kinds if k not in STATUS_KINDS]
        if bad or not kinds:
            self.error(path + ("kind",), "unknown_status_kind", f"unknown status kind {bad[0] if bad else None!r}",
                       f"{did_you_mean(bad[0] if bad else '', STATUS_KINDS)}known: {', '.join(STATUS_KINDS)}")
            return AllOf([])
        attrs = set.union(*[_STATUS_ATTRIBUTES.get(k, set()) for k in kinds])
        if "disability" in kinds:
            attrs.add("certificate_valid")
        body = self._mapping(body, path, attrs | (_STATUS_SPECIAL - {"certificate_valid", "woman_age"}) |
                             ({"certificate_valid"} if "disability" in kinds else set()) |
                             ({"woman_age"} if "family_planning" in kinds else set()))
        if body is None:
            return AllOf([])
        tests = []
        for name, value in body.items():
            if name in _STATUS_SPECIAL:
                continue
            values = value if isinstance(value, list) else [value]
            tests.append((name, frozenset(values)))
        area = body.get("area")
        since_tests = []
        if "since" in body:
            since = self._mapping(body["since"], path + ("since",), {"before", "on_or_before", "after", "on_or_after"})
            for op, expr in (since or {}).items():
                since_tests.append((op, self.date_expr(expr, path + ("since", op))))
        held = StatusHeld(kinds, tests, frozenset(area if isinstance(area, list) else [area]) if area else None,
                          body.get("certificate_valid"), since_tests,
                          self.date_expr(body["held_on"], path + ("held_on",)) if "held_on" in body else None)
        if "woman_age" in body:
            bounds = self._mapping(body["woman_age"], path + ("woman_age",), {"at_least", "under"}) or {}
            if not bounds or not all(isinstance(v, int) and not isinstance(v, bool) for v in bounds.values()):
                self.error(path + ("woman_age",), "bad_condition", "woman_age takes `at_least` and/or `under` (years)")
            else:
                held.woman_age = (bounds.get("at_least"), bounds.get("under"))
                held.text = held.text[:-1] + ", " if held.text.endswith(")") else held.text + " ("
                held.text += "woman's age" + "".join(
                    f" {sym} {bounds[key]}" for key, sym in (("at_least", ">="), ("under", "<")) if key in bounds) + ")"
        return held

    def _age(self, body: Any, path: Path) -> Condition:
        body = self._mapping(body, path, {"at_least", "under", "at"})
        if body is None:
            return AllOf([])
        if "at_least" not in body and "under" not in body:
            self.error(path, "bad_condition", "age needs `at_least` or `under`")
        at = self.date_expr(body.get("at", "status_date"), path + ("at",))
        return AgeTest(body.get("at_least"), body.get("under"), at)

    def _hukou(self, body: Any, path: Path) -> Condition:
        body = self._mapping(body, path, {"region", "kind"})
        if body is None:
            return AllOf([])
        region = body.get("region")
        regions = tuple(str(r) for r in (region if isinstance(region, list) else [region])) if region else None
        if regions and not all(r.isdigit() and 2 <= len(r) <= 6 for r in regions):
            self.error(path + ("region",), "bad_region", "a region is a GB/T 2260 code prefix of 2 to 6 digits",
                       "quote it: region: \"4405\"")
        kind = body.get("kind")
        if kind not in (None, "rural", "urban"):
            self.error(path + ("kind",), "bad_value", f"hukou kind {kind!r} is not rural or urban")
        return HukouTest(regions, kind)

    def _sex(self, body: Any, path: Path) -> Condition:
        if body not in ("female", "male"):
            self.error(path, "bad_value", f"sex {body!r} is not female or male")
        return SexTest(body)

    def _student(self, body: Any, path: Path) -> Condition:
        if not isinstance(body, bool):
            self.error(path, "bad_value", "student takes true or false")
        return StudentTest(bool(body))

    def _social_security_card(self, body: Any, path: Path) -> Condition:
        if not isinstance(body, bool):
            self.error(path, "bad_value", "social_security_card takes true or false")
        return SocialSecurityCardTest(bool(body))

    def _category(self, body: Any, path: Path) -> Condition:
        on = None
        if isinstance(body, dict):  # category: {id: [...], held_on: <date>}
            body = self._mapping(body, path, {"id", "held_on"}, {"held_on"})
            if body is None:
                return AllOf([])
            on = self.date_expr(body["held_on"], path + ("held_on",))
            body = body.get("id", [])
        ids = tuple(body if isinstance(body, list) else [body])
        for cid in ids:
            if cid not in self.category_ids:
                self.error(path, "unknown_category", f"unknown category {cid!r}",
                           f"{did_you_mean(cid, self.category_ids)}categories: {', '.join(sorted(self.category_ids))}")
        if on is not None:
            if "categories" in path or "preconditions" in path:
                self.error(path, "bad_condition", "`category: {held_on: …}` reads the categories, so it cannot "
                           "stand in a category or a precondition", "use it in exclusions and outputs")
                return AllOf([])
            return CategoryHeldOn(ids, on, self.category_conditions)
        return CategoryTest(ids)

    def _coverage(self, body: Any, path: Path) -> Condition:
        if isinstance(body, dict):  # coverage: {year: 2014} or {year: [2014, 2015]}
            body = self._mapping(body, path, {"year"}, {"year"})
            raw = (body or {}).get("year")
            years = raw if isinstance(raw, list) else [raw]
            if body is not None and (not years or not all(isinstance(y, int) and not isinstance(y, bool)
                                                          and 1990 <= y <= 2100 for y in years)):
                self.error(path + ("year",), "bad_value", f"coverage year {raw!r} is not a year or a list of years",
                           "write the insurance year as an integer: {year: 2014}")
                years = []
            return CoverageYearTest(frozenset(years))
        if body not in ("full_year", "mid_year"):
            self.error(path, "bad_value", f"coverage {body!r} is not full_year or mid_year")
        return CoverageTest(body)

    def _choice(self, body: Any, path: Path) -> Condition:
        body = self._mapping(body, path, {"tier", "pension_grade"})
        if body is None or len(body) != 1:
            return AllOf([])
        (name, spec), = body.items()
        if isinstance(spec, dict):
            spec = self._mapping(spec, path + (name,), {"at_least", "at_most"}) or {}
            return ChoiceTest(name, None, _decimal(spec.get("at_least")), _decimal(spec.get("at_most")))
        values = spec if isinstance(spec, list) else [spec]
        return ChoiceTest(name, frozenset(_decimal(v) if name == "pension_grade" else v for v in values), None, None)

    def _date(self, body: Any, path: Path) -> Condition:
        body = self._mapping(body, path, {"before", "on_or_before", "after", "on_or_after", "of"})
        of = "as_of"
        if body is not None and "of" in body:
            body = dict(body)
            of = body.pop("of")
            if of not in ("as_of", "status_date"):
                self.error(path + ("of",), "bad_value", f"date of {of!r} is not as_of or status_date",
                           "compare the application date (as_of) or the status date (status_date)")
                of = "as_of"
        if body is None or len(body) != 1:
            self.error(path, "bad_condition", "date takes exactly one comparison")
            return AllOf([])
        (op, raw), = body.items()
        bound_time = None
        if isinstance(raw, str) and "T" in raw:
            try:  # YAML reads 2018-02-22T17:00 (no seconds) as text
                raw = dt.datetime.fromisoformat(raw)
            except ValueError:
                pass
        if isinstance(raw, dt.datetime):
            raw, bound_time = raw.date(), raw.time()
            if of != "as_of":
                self.error(path + (op,), "bad_value", "a date-time bound compares the application time (as_of) only")
        return DateTest(op, self.date_expr(raw, path + (op,)), bound_time, of)

    def _enrolled(self, body: Any, path: Path) -> Condition:
        body = self._mapping(body, path, {"scheme", "on", "ended_within_months", "year", "paid_by", "region"},
                             {"scheme"})
        if body is None:
            return AllOf([])
        scheme = body["scheme"]
        if scheme not in SCHEMES:
            self.error(path + ("scheme",), "bad_value", f"unknown scheme {scheme!r}",
                       f"{did_you_mean(scheme, SCHEMES)}known: {', '.join(SCHEMES)}")
        on = self.date_expr(body["on"], path + ("on",)) if "on" in body else None
        if scheme != "resident_medical" and on is None:
            self.error(path, "missing_key", f"{scheme} needs `on:` (a date expression)")
        year = body.get("year")
        if year not in (None, "coverage_year"):
            self.error(path + ("year",), "bad_value", "year takes `coverage_year`")
        region = body.get("region")
        return EnrolledTest(scheme, on, body.get("ended_within_months"), year, body.get("paid_by"),
                            tuple(str(r) for r in (region if isinstance(region, list) else [region])) if region else None)

    # date expressions
    def date_expr(self, raw: Any, path: Path) -> DateExpr:
        if isinstance(raw, dt.datetime):
            raw = raw.date()
        if isinstance(raw, dt.date):
            fixed = raw
            return DateExpr(fixed.isoformat(), lambda f: fixed, [])
        if isinstance(raw, str):
            if raw not in _ANCHORS:
                self.error(path, "unknown_anchor", f"unknown date {raw!r}",
                           f"{did_you_mean(raw, _ANCHORS)}use a date (YYYY-MM-DD) or one of: {', '.join(_ANCHORS)}")
                return DateExpr(raw, lambda f: None, [])
            return DateExpr(raw, _ANCHORS[raw], [])
        allowed = {"from", "month_day", "year", "years_later", "add_days", "add_working_days",
                   "add_months", "next_month_start", "month_end"}
        body = self._mapping(raw, path, allowed)
        if body is None:
            return DateExpr("?", lambda f: None, [])
        text: list[str] = []
        if "month_day" in body:
            month_day, year_key = str(body["month_day"]), body.get("year", "as_of_year")
            later = int(body.get("years_later", 0))
            try:
                month, day = (int(x) for x in month_day.split("-"))
                dt.date(2000, month, day)
            except ValueError:
                self.error(path + ("month_day",), "bad_value", f"month_day {month_day!r} is not MM-DD")
                month, day = 1, 1
            if year_key not in _YEARS:
                self.error(path + ("year",), "bad_value", f"year {year_key!r} is not one of {', '.join(_YEARS)}")
                year_key = "as_of_year"
            year_of = _YEARS[year_key]
            base: Callable[[Facts], dt.date | None] = lambda f: dt.date(year_of(f) + later, month, day)
            text.append(f"{month_day} of {year_key}" + (f"+{later}" if later else ""))
        else:
            anchor = self.date_expr(body.get("from", "as_of"), path + ("from",))
            base, text = anchor.resolve, [anchor.text]
        steps: list[Callable[[dt.date], dt.date]] = []
        if "add_days" in body:
            n = int(body["add_days"])
            steps.append(lambda d: d + dt.timedelta(days=n))
            text.append(f"+ {n} days")
        if "add_working_days" in body:
            n = int(body["add_working_days"])
            steps.append(lambda d: add_working_days(d, n))
            text.append(f"+ {n} working days")
        if "add_months" in body:
            n = int(body["add_months"])
            steps.append(lambda d: add_months(d, n))
            text.append(f"+ {n} months")
        if body.get("next_month_start"):
            steps.append(first_of_next_month)
            text.append("-> first day of next month")
        if body.get("month_end"):
            steps.append(lambda d: first_of_next_month(d) - dt.timedelta(days=1))
            text.append("-> end of month")
        return DateExpr(" ".join(text), base, steps)


def _decimal(value: Any) -> Any:
    from decimal import Decimal

    return None if value is None else Decimal(str(value))

"""Conditions and date expressions: compiled once from policy data, walked per request.

Logic is three-valued: a test whose fact the request lacks is ``None`` (unknown) and
names the missing fact, so a rule never decides on a default. ``all`` is false if any
part is false, ``any`` is true if any part is true; otherwise unknown wins. The compiler
that builds these objects from YAML is ``_condition_compiler``.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from typing import Any, Callable

from ._calendar import add_months, age_on
from ._facts import _PLAIN, Facts, Result, Tri, _tri_text

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

    def decide(self, facts: Facts) -> Result:
        """``evaluate`` as a whole rule: a rule that decided despite an unknown part did not
        need that fact, so it is taken off ``facts.missing``."""
        missing = facts.missing
        before = len(missing)
        result = self.evaluate(facts)
        if result.value is not None and len(missing) != before:
            del missing[before:]
        return result

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

    def __init__(self, kinds: tuple[str, ...], tests: list[tuple[str, frozenset[Any]]],
                 area: frozenset[str] | None, certificate_valid: bool | None,
                 since_tests: list[tuple[str, "DateExpr"]], on: "DateExpr | None" = None,
                 woman_age: tuple[int | None, int | None] | None = None):
        self.kinds, self.tests, self.area = kinds, tests, area
        self.certificate_valid, self.since_tests = certificate_valid, since_tests
        self.on = on  # held on this date instead of the status date (docs/authoring.md)
        # family_planning only: (at_least, under) bounds on the age of the woman of the couple
        # (女方) on the status date, read from ``woman_birth_date``
        self.woman_age = woman_age
        # untraced, the kind and the dates alone decide
        self.kind_only = not (tests or area is not None or certificate_valid or since_tests or woman_age)
        parts = [f"{name} in {sorted(values, key=str)}" for name, values in tests]
        if area:
            parts.append(f"area in {sorted(area)}")
        if certificate_valid:
            parts.append("certificate valid")
        parts += [f"since {op} {expr.text}" for op, expr in since_tests]
        if on is not None:
            parts.append(f"held on {on.text}")
        if woman_age is not None:
            parts.append("woman's age" + "".join(f" {sym} {bound}" for sym, bound in zip((">=", "<"), woman_age)
                                                 if bound is not None))
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
        if not tracing:
            if not candidates:
                return _PLAIN[False]
            if self.kind_only:
                # the kind alone decides: the first status (by position) held on the day
                for index, status in sorted(candidates, key=_first) if len(kinds) > 1 else candidates:
                    if status.since <= day and (status.until is None or day <= status.until):
                        return Result(True, None, index)
                return _PLAIN[False]
        read: dict[str, Any] = {}
        if tracing and self.on is not None:
            read["held_on"] = day.isoformat()
        missing: list[str] = []
        best: Tri = False
        witness = None
        for index, status in sorted(candidates, key=_first) if len(self.kinds) > 1 else candidates:
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
                    day: dt.date) -> tuple[Tri, list[str]]:
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
            elif until < day:
                value = False
        if self.woman_age is not None:
            born = getattr(status, "woman_birth_date", None)
            read[f"{base}.woman_birth_date"] = born.isoformat() if born else None
            if born is None:
                value = None if value is not False else False
                missing.append(f"{base}.woman_birth_date")
            else:
                age, (at_least, under) = age_on(born, day), self.woman_age
                if (at_least is not None and age < at_least) or (under is not None and age >= under):
                    value = False
        for op, expr in self.since_tests:
            bound = expr.resolve(facts)
            if bound is None or not _compare(status.since, op, bound):
                value = False
        return value, (missing if value is None else [])


def _first(item: tuple[int, Any]) -> int:
    return item[0]


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


class PersonFact(Condition):
    """A plain fact of the person equals a value: ``sex``, ``student``, ``social_security_card``."""

    def __init__(self, name: str, expected: str | bool):
        self.name, self.expected, self.path = name, expected, f"person.{name}"
        self.text = f"{name} {str(expected).lower() if isinstance(expected, bool) else expected}"

    def evaluate(self, facts: Facts) -> Result:
        actual = getattr(facts.person, self.name)
        if actual is None:
            return self.leaf(facts, None, {self.path: None}, [self.path])
        return self.leaf(facts, actual == self.expected, {self.path: actual}, [])


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
        shifted = facts.copy(status_date=day, tracing=False)
        held, unknown = [], False
        for cid in self.ids or self.conditions:
            value = self.conditions[cid].decide(shifted).value
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

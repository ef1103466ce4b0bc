"""``status``: a hardship status of one of some kinds, held on the status date, whose
attributes pass the tests.

Kinds and attributes are those of the request contract (``contract.STATUS_ATTRIBUTES``):
an attribute must be one that every listed kind carries, and its values must be values
the request can hold, so a misspelt value is a load error, never a test that cannot match.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field

from ...contract import STATUS_KINDS, status_words
from ...workdays import age_on
from .._ir import NOWHERE, DateExpr, Node, Position
from ._attributes import attribute_tests
from ._base import (COMPARE, FALSE, Builder, CompileContext, ConditionKind, Facts, Result, Spec, Tri, births_either_side,
                    date_of, one_or_many)

StatusKind = Literal[STATUS_KINDS]  # type: ignore[valid-type]
AreaValue = Literal["rural", "urban"]


@dataclass(frozen=True, slots=True)
class StatusHeld(Node):
    kinds: tuple[str, ...]
    tests: tuple[tuple[str, frozenset[Any]], ...] = ()      # (attribute as written, allowed values)
    area: frozenset[str] | None = None
    certificate_valid: bool = False
    since: tuple[tuple[str, DateExpr], ...] = ()
    held_on: DateExpr | None = None
    woman_age: tuple[int | None, int | None] | None = None
    at: Position = field(default=NOWHERE, compare=False, repr=False)

    @property
    def kind_only(self) -> bool:
        return not (self.tests or self.area is not None or self.certificate_valid or self.since or self.woman_age)


class SinceSpec(Spec):
    before: Any = None
    on_or_before: Any = None
    after: Any = None
    on_or_after: Any = None


class WomanAgeSpec(Spec):
    at_least: int | None = Field(None, ge=0, le=150)
    under: int | None = Field(None, ge=0, le=150)


class StatusSpec(Spec):
    """``status: {kind: …, <attribute>: value or list, area, certificate_valid, since,
    held_on, woman_age}``; ``status: dibao`` is short for ``{kind: dibao}``."""

    model_config = Spec.model_config | {"extra": "allow"}
    kind: list[StatusKind] = Field(min_length=1)
    area: list[AreaValue] | None = Field(None, min_length=1)
    certificate_valid: bool | None = None
    since: SinceSpec | None = None
    held_on: Any = None
    woman_age: WomanAgeSpec | None = None


def _compile(key: str, raw: Any, path: tuple, cx: CompileContext) -> Node | None:
    if isinstance(raw, str):
        raw = {"kind": raw}
    if isinstance(raw, dict):
        raw = {name: (list(one_or_many(value)) if name in ("kind", "area") and value is not None else value)
               for name, value in raw.items()}
        bad = [k for k in raw.get("kind") or [None] if k not in STATUS_KINDS]
        if bad:
            from ..issues import did_you_mean
            cx.error(path + ("kind",), "unknown_status_kind", f"unknown status kind {bad[0]!r}",
                     f"{did_you_mean(bad[0] or '', STATUS_KINDS)}known: {', '.join(STATUS_KINDS)}")
            return None
    spec = cx.validate(StatusSpec, raw, path)
    if spec is None:
        return None
    kinds = tuple(spec.kind)
    tests, ok = attribute_tests(kinds, spec.model_extra or {}, path, cx)
    if spec.certificate_valid is not None and kinds != ("disability",):
        cx.error(path + ("certificate_valid",), "unknown_key",
                 "certificate_valid is for disability statuses only", "test the certificate of `kind: disability`")
        ok = False
    if spec.woman_age is not None:
        if "family_planning" not in kinds or len(kinds) > 1:
            cx.error(path + ("woman_age",), "unknown_key", "woman_age is for family_planning statuses only")
            ok = False
        elif spec.woman_age.at_least is None and spec.woman_age.under is None:
            cx.error(path + ("woman_age",), "bad_condition", "woman_age takes `at_least` and/or `under` (years)")
            ok = False
    since = []
    if spec.since is not None:
        for op in ("before", "on_or_before", "after", "on_or_after"):
            bound = getattr(spec.since, op)
            if bound is not None:
                expr = cx.date(bound, path + ("since", op))
                ok = ok and expr is not None
                since.append((op, expr))
    held_on = None
    if spec.held_on is not None:
        held_on = cx.date(spec.held_on, path + ("held_on",))
        ok = ok and held_on is not None
    if not ok:
        return None
    return StatusHeld(kinds, tuple(tests), frozenset(spec.area) if spec.area else None,
                      bool(spec.certificate_valid), tuple(since), held_on,
                      (spec.woman_age.at_least, spec.woman_age.under) if spec.woman_age else None,
                      at=cx.position(path))


def _field(name: str) -> str:
    return "class_" if name == "class" else name


def _candidates(node: StatusHeld, facts: Facts) -> Any:
    kinds = node.kinds
    if len(kinds) == 1:
        return facts.by_kind.get(kinds[0], ())
    return sorted((item for kind in kinds for item in facts.by_kind.get(kind, ())), key=_first)


def _first(item: tuple[int, Any]) -> int:
    return item[0]


def _evaluator(node: StatusHeld, build: Builder) -> Any:
    held_on = build.date(node.held_on) if node.held_on is not None else None
    kinds = node.kinds
    if node.kind_only and held_on is None:
        def evaluate_kind(facts: Facts) -> Result:
            held = facts.held(kinds, facts.status_date)
            return (True, (), held[0][0]) if held else FALSE
        return evaluate_kind

    since = tuple((COMPARE[op], build.date(expr)) for op, expr in node.since)

    def evaluate(facts: Facts) -> Result:
        day = facts.status_date
        if held_on is not None:
            day = held_on(facts)
            if day is None:
                return FALSE
        held = facts.held(kinds, day)
        if not held:
            return FALSE
        bounds = [(compare, bound_of(facts)) for compare, bound_of in since]
        best: Tri = False
        missing: tuple[str, ...] = ()
        for index, status in held:
            value, lacking = _check(node, index, status, facts, day, bounds)
            if value is True:
                return (True, (), index)
            if value is None:
                best = None
                missing += lacking
        return FALSE if best is False else (None, missing, None)
    return evaluate


def _check(node: StatusHeld, index: int, status: Any, facts: Facts, day: dt.date,
           bounds: list[tuple[Any, dt.date | None]]) -> tuple[Tri, tuple[str, ...]]:
    """One held status against the attribute tests: true, false, or unknown with the
    attribute paths it lacks."""
    value: Tri = True
    lacking: list[str] = []
    for name, allowed in node.tests:
        actual = getattr(status, _field(name), None)
        if actual is None:
            if value is not False:
                value = None
            lacking.append(f"person.statuses[{index}].{name}")
        elif actual not in allowed:
            value = False
    if node.area is not None:
        area = status.area or (facts.person.hukou.kind if facts.person.hukou else None)
        if area is None:
            if value is not False:
                value = None
            lacking.append(f"person.statuses[{index}].area")
        elif area not in node.area:
            value = False
    if node.certificate_valid:
        until = getattr(status, "certificate_valid_until", None)
        if until is None:
            if value is not False:
                value = None
            lacking.append(f"person.statuses[{index}].certificate_valid_until")
        elif until < day:
            value = False
    if node.woman_age is not None:
        born = getattr(status, "woman_birth_date", None)
        if born is None:
            if value is not False:
                value = None
            lacking.append(f"person.statuses[{index}].woman_birth_date")
        else:
            age, (at_least, under) = age_on(born, day), node.woman_age
            if (at_least is not None and age < at_least) or (under is not None and age >= under):
                value = False
    for compare, bound in bounds:
        if bound is None or not compare(status.since, bound):
            value = False
    return value, (tuple(lacking) if value is None else ())


def _observed(node: StatusHeld, facts: Facts, build: Any = None) -> dict[str, Any]:
    """What the status test looked at, status by status, up to the one that satisfied it."""
    day = facts.status_date
    read: dict[str, Any] = {}
    if node.held_on is not None:
        day = date_of(node.held_on, facts, build)
        if day is None:
            return {}
        read["held_on"] = day.isoformat()
    bounds = [(COMPARE[op], date_of(expr, facts, build)) for op, expr in node.since]
    for index, status in _candidates(node, facts):
        base = f"person.statuses[{index}]"
        read[f"{base}.kind"] = status.kind
        read[f"{base}.since"] = status.since.isoformat()
        if status.until is not None:
            read[f"{base}.until"] = status.until.isoformat()
        if not status.holds_on(day):
            continue
        for name, _ in node.tests:
            read[f"{base}.{name}"] = getattr(status, _field(name), None)
        if node.area is not None:
            read[f"{base}.area"] = status.area or (facts.person.hukou.kind if facts.person.hukou else None)
        if node.certificate_valid:
            until = getattr(status, "certificate_valid_until", None)
            read[f"{base}.certificate_valid_until"] = until.isoformat() if until else None
        if node.woman_age is not None:
            born = getattr(status, "woman_birth_date", None)
            read[f"{base}.woman_birth_date"] = born.isoformat() if born else None
        if _check(node, index, status, facts, day, bounds)[0] is True:
            break
    if not read:
        read["person.statuses"] = f"no {'/'.join(node.kinds)} status"
    return read


def _reads(node: StatusHeld) -> tuple[str, ...]:
    paths = ["person.statuses[].kind", "person.statuses[].since", "person.statuses[].until"]
    paths += [f"person.statuses[].{name}" for name, _ in node.tests]
    if node.area is not None:
        paths += ["person.statuses[].area", "person.hukou.kind"]
    if node.certificate_valid:
        paths.append("person.statuses[].certificate_valid_until")
    if node.woman_age is not None:
        paths.append("person.statuses[].woman_birth_date")
    return tuple(paths)


def _describe(node: StatusHeld, describe: Any = None) -> str:
    parts = [f"{name} in {sorted(values, key=str)}" for name, values in node.tests]
    if node.area:
        parts.append(f"area in {sorted(node.area)}")
    if node.certificate_valid:
        parts.append("certificate valid")
    parts += [f"since {op} {expr.text}" for op, expr in node.since]
    if node.held_on is not None:
        parts.append(f"held on {node.held_on.text}")
    if node.woman_age is not None:
        parts.append("woman's age" + "".join(f" {sym} {bound}" for sym, bound in zip((">=", "<"), node.woman_age)
                                             if bound is not None))
    return f"status {'|'.join(node.kinds)}" + (f" ({', '.join(parts)})" if parts else "")


def _dates(node: StatusHeld) -> tuple[DateExpr, ...]:
    return tuple(expr for _, expr in node.since) + ((node.held_on,) if node.held_on is not None else ())


def _sentence(node: StatusHeld, lang: str, words: Any) -> str:
    return status_words(node.kinds, [*node.tests, *([("area", node.area)] if node.area else [])], lang,
                        on=node.held_on and words.date(node.held_on), certificate_valid=node.certificate_valid,
                        since=[(op, words.date(expr)) for op, expr in node.since], woman_age=node.woman_age)


def _aim(node: StatusHeld, plan: Any, want: bool) -> None:
    if not want:
        plan.forbidden_kinds.update(node.kinds)
        plan.statuses = [s for s in plan.statuses if s["kind"] not in node.kinds]
        return
    existing = [s for s in plan.statuses if s["kind"] in node.kinds]
    kinds = [k for k in node.kinds if k not in plan.forbidden_kinds] or list(node.kinds)
    status = existing[0] if existing else plan.new_status(plan.draw_from(kinds))
    status.pop("until", None)  # held on the status date
    for name, allowed in node.tests:
        status[name] = plan.draw_from(sorted(allowed, key=str))
    if node.area is not None:
        status["area"] = plan.draw_from(sorted(node.area))
    if node.certificate_valid:
        status["certificate_valid_until"] = (plan.as_of + dt.timedelta(days=plan.draw_int(1, 3650))).isoformat()
    if node.woman_age is not None:  # family planning: the age of the woman of the couple
        low, under = node.woman_age
        age = plan.draw_int(low or 20, max(low or 20, (under or 60) - 1))
        status["woman_birth_date"] = plan.years_before(plan.as_of, age, plan.draw_int(1, 360)).isoformat()
    since = dt.date.fromisoformat(status["since"])
    earliest, latest = plan.earliest, plan.as_of
    if node.held_on is not None:  # held on another day than the status date
        day = plan.resolve(node.held_on)
        if day is not None:
            latest = min(latest, day)
    if plan.birth_date is not None and plan.birth_date <= latest:
        earliest = max(earliest, plan.birth_date)
    for op, expr in node.since:
        bound = plan.resolve(expr)
        if bound is None:
            continue
        if op in ("before", "on_or_before"):
            latest = min(latest, bound - dt.timedelta(days=1) if op == "before" else bound)
        else:
            earliest = max(earliest, bound + dt.timedelta(days=1) if op == "after" else bound)
    if not earliest <= since <= latest and earliest <= latest:
        since = plan.draw_dates(earliest, latest)
    status["since"] = since.isoformat()
    if not existing:
        plan.statuses.append(status)
    position = next(i for i, s in enumerate(plan.statuses) if s is status)
    plan.tested += [("statuses", position, name) for name, _ in node.tests]
    if node.certificate_valid:
        plan.tested.append(("statuses", position, "certificate_valid_until"))


def _tested_on(node: StatusHeld, facts: Facts, build: Any) -> dt.date | None:
    return date_of(node.held_on, facts, build) if node.held_on is not None else facts.status_date


def _remedy(node: StatusHeld, want: bool, facts: Facts, build: Any) -> list[dict[str, Any]] | None:
    """A status granted on the day it is tested (its kind, the first allowed value of each
    tested attribute), or a disability certificate renewed; never a status taken away."""
    day = _tested_on(node, facts, build)
    if not want or node.since or node.woman_age is not None or day is None:
        return None
    held = facts.held(node.kinds, day)
    renewed = day + dt.timedelta(days=365)
    for index, status in held:
        if node.certificate_valid and getattr(status, "certificate_valid_until", None) is not None:
            if _check(node, index, status.model_copy(update={"certificate_valid_until": renewed}), facts, day,
                      [])[0] is True:
                return [{"fact": f"person.statuses[{index}].certificate_valid_until", "action": "renew_certificate",
                         "value": renewed}]
    if held:
        return None  # held with other attributes: not something a person or an office changes
    granted: dict[str, Any] = {"kind": node.kinds[0], "since": day}
    for name, allowed in node.tests:
        granted[name] = sorted(allowed, key=str)[0]
    if node.area is not None:
        granted["area"] = sorted(node.area)[0]
    if node.certificate_valid:
        granted["certificate_valid_until"] = renewed
    return [{"fact": "person.statuses", "action": "grant_status", "value": granted}]


def _boundaries(node: StatusHeld, facts: Facts, build: Any) -> dict[str, tuple[Any, ...]]:
    """A certificate valid to the day the status is tested and a day short of it; the woman's
    birth dates either side of each age bound."""
    day = _tested_on(node, facts, build)
    found: dict[str, tuple[Any, ...]] = {}
    if day is not None and node.certificate_valid:
        found["person.statuses[].certificate_valid_until"] = (day - dt.timedelta(days=1), day)
    if day is not None and node.woman_age is not None:
        found["person.statuses[].woman_birth_date"] = births_either_side(day, *node.woman_age)
    return found


KIND = ConditionKind(
    keys=("status",),
    nodes=(StatusHeld,),
    specs=(StatusSpec, SinceSpec, WomanAgeSpec),
    compile=_compile,
    evaluator=_evaluator,
    observed=_observed,
    reads=_reads,
    describe=_describe, sentence=_sentence,
    aim=_aim,
    boundaries=_boundaries,
    remedy=_remedy,
    phase=2,
    doc=(
        ("`status: {kind: dibao}` or `status: dibao`",
         "a status of that kind (or any of a list of kinds) held on the status date"),
        ("`status: {kind: disability, grade: [1, 2], certificate_valid: true}`",
         "attributes: a value or a list of allowed values, each one the request contract allows for every "
         "listed kind; `certificate_valid` (disability only): the certificate is valid on the status date"),
        ("`status: {kind: tekun, area: rural}`", "the status's `area`, falling back to the hukou kind"),
        ("`status: {kind: disabled_parent, grade: [1, 2]}`",
         "a parent of the person is disabled (`grade`, `type`, `area` are the parent's)"),
        ("`status: {kind: dibao, since: {after: {month_day: \"09-01\"}}}`",
         "compare when the status was granted (`before`, `on_or_before`, `after`, `on_or_after`)"),
        ("`status: {kind: dibao, held_on: 2019-12-31}`",
         "held on that date (any date expression) instead of the status date; the trace reads `held_on`"),
        ("`status: {kind: family_planning, woman_age: {at_least: 49}}`",
         "family planning only: the age of the woman of the couple on the status date, from "
         "`woman_birth_date`; unknown without it"),
    ),
    dates=_dates,
)


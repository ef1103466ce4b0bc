"""``enrolled``: an enrolment record. Employee insurance (medical or pension) in force on a
date, or ended within N months before it; resident insurance for the coverage year,
optionally by who paid."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field

from ...contract import SCHEMES
from ...workdays import add_months
from .._ir import NOWHERE, DateExpr, Node, Position
from ._base import FALSE, date_of, TRUE, Builder, CompileContext, ConditionKind, Facts, Result, Spec, Tri, one_or_many
from ...contract import SCHEME_LABELS, alternatives, value_label

Scheme = Literal[SCHEMES]  # type: ignore[valid-type]


@dataclass(frozen=True, slots=True)
class EnrolledTest(Node):
    scheme: str
    on: DateExpr | None = None
    ended_within_months: int | None = None
    year: str | None = None
    paid_by: str | None = None
    region: tuple[str, ...] | None = None
    at: Position = field(default=NOWHERE, compare=False, repr=False)


class EnrolledSpec(Spec):
    """``enrolled: {scheme, on, ended_within_months, region}`` (employee schemes) or
    ``{scheme: resident_medical, year: coverage_year, paid_by}``."""

    scheme: Scheme
    on: Any = None
    ended_within_months: int | None = Field(None, ge=1, le=120)
    year: Literal["coverage_year"] | None = None
    paid_by: Literal["self", "government"] | None = None
    region: list[str] | None = Field(None, min_length=1)


def _compile(key: str, raw: Any, path: tuple, cx: CompileContext) -> Node | None:
    if isinstance(raw, dict) and raw.get("region") is not None:
        raw = {**raw, "region": list(one_or_many(raw["region"]))}
    spec = cx.validate(EnrolledSpec, raw, path)
    if spec is None:
        return None
    resident = spec.scheme == "resident_medical"
    wrong = [name for name in (("on", "ended_within_months", "region") if resident else ("year", "paid_by"))
             if getattr(spec, name) is not None]
    if wrong:
        cx.error(path + (wrong[0],), "bad_condition",
                 f"`{wrong[0]}` does not apply to {spec.scheme}",
                 "resident_medical takes year and paid_by; employee schemes take on, ended_within_months, region")
        return None
    for region in spec.region or ():
        if not (region.isascii() and region.isdigit() and 2 <= len(region) <= 6):
            cx.error(path + ("region",), "bad_region", f"region {region!r} is not a code prefix of 2 to 6 ASCII digits",
                     "quote it: region: \"5301\"")
            return None
    on = None
    if spec.on is not None:
        on = cx.date(spec.on, path + ("on",))
        if on is None:
            return None
    elif not resident:
        cx.error(path, "missing_key", f"{spec.scheme} needs `on:` (a date expression)", "on: as_of")
        return None
    return EnrolledTest(spec.scheme, on, spec.ended_within_months, spec.year, spec.paid_by,
                        tuple(spec.region) if spec.region else None, at=cx.position(path))


def _evaluator(node: EnrolledTest, build: Builder) -> Any:
    day_of = build.date(node.on) if node.on is not None else None
    scheme, within, region = node.scheme, node.ended_within_months, node.region
    by_year, paid_by = node.year is not None, node.paid_by

    def evaluate(facts: Facts) -> Result:
        value: Tri = False
        missing: list[str] = []
        day = day_of(facts) if day_of is not None else None
        for index, record in enumerate(facts.person.enrollments):
            if record.scheme != scheme:
                continue
            region_unknown = False
            if scheme != "resident_medical":
                if region:
                    region_unknown = record.region is None
                    if not region_unknown and not record.region.startswith(region):
                        continue
                if day is None:
                    continue
                if within is None:
                    hit = record.from_ <= day and (record.to is None or day <= record.to)
                else:
                    hit = record.to is not None and record.to < day <= add_months(record.to, within)
            else:
                hit = not by_year or record.year == facts.coverage_year
                if hit and paid_by is not None:
                    if record.paid_by is None:  # a record for the year that does not say who paid: unknown
                        value = None
                        missing.append(f"person.enrollments[{index}].paid_by")
                        continue
                    hit = record.paid_by == paid_by
            if hit and region_unknown:
                # a record that would match but names no region: unknown, never assumed local
                value = None
                missing.append(f"person.enrollments[{index}].region")
            elif hit:
                return TRUE
        return FALSE if value is False else (None, tuple(missing), None)
    return evaluate


def _observed(node: EnrolledTest, facts: Facts, build: Any = None) -> dict[str, Any]:
    read: dict[str, Any] = {}
    day = date_of(node.on, facts, build) if node.on is not None else None
    for index, record in enumerate(facts.person.enrollments):
        if record.scheme != node.scheme:
            continue
        base = f"person.enrollments[{index}]"
        if record.scheme != "resident_medical":
            read[f"{base}.from"] = record.from_.isoformat()
            read[f"{base}.to"] = record.to.isoformat() if record.to else None
            if node.region:
                read[f"{base}.region"] = record.region
                if record.region is not None and not record.region.startswith(node.region):
                    continue
            if day is None:
                continue
            if node.ended_within_months is None:
                hit = record.from_ <= day and (record.to is None or day <= record.to)
            else:
                hit = record.to is not None and record.to < day <= add_months(record.to, node.ended_within_months)
            if hit and (not node.region or record.region is not None):
                break
        else:
            read[f"{base}.year"] = record.year
            read[f"{base}.paid_by"] = record.paid_by
            hit = node.year is None or record.year == facts.coverage_year
            if hit and node.paid_by is not None:
                hit = record.paid_by == node.paid_by
            if hit:
                break
    if not read:
        read["person.enrollments"] = f"no {node.scheme} record"
    return read


def _reads(node: EnrolledTest) -> tuple[str, ...]:
    if node.scheme == "resident_medical":
        return ("person.enrollments[].year", "person.enrollments[].paid_by")
    return ("person.enrollments[].from", "person.enrollments[].to") + (
        ("person.enrollments[].region",) if node.region else ())


def _describe(node: EnrolledTest, describe: Any = None) -> str:
    parts = [node.scheme]
    if node.on is not None:
        parts.append(f"in force on {node.on.text}" if node.ended_within_months is None
                     else f"ended within {node.ended_within_months} months before {node.on.text}")
    if node.year:
        parts.append(f"for {node.year}")
    if node.paid_by:
        parts.append(f"paid by {node.paid_by}")
    if node.region:
        parts.append(f"in region {'|'.join(node.region)}")
    return "enrolled " + " ".join(parts)


def _sentence(node: EnrolledTest, lang: str, words: Any) -> str:
    zh = lang == "zh"
    scheme = SCHEME_LABELS[node.scheme][lang]
    if node.on is not None:
        on = words.date(node.on)
        if node.ended_within_months is None:
            text = f"在{on}参加{scheme}" if zh else f"enrolled in {scheme} on {on}"
        else:
            text = (f"{scheme}在{on}前{node.ended_within_months}个月内终止" if zh
                    else f"{scheme} ended within {node.ended_within_months} months before {on}")
    elif node.year:
        text = f"已参加参保年度的{scheme}" if zh else f"enrolled in {scheme} for the coverage year"
    else:
        text = f"参加{scheme}" if zh else f"enrolled in {scheme}"
    if node.paid_by:
        payer = value_label("paid_by", node.paid_by, lang)
        text += f"，由{payer}缴费" if zh else f", paid by {payer}"
    if node.region:
        regions = alternatives(node.region, lang)
        text += f"，参保地在行政区划{regions}内" if zh else f", in region {regions}"
    return text


def _aim(node: EnrolledTest, plan: Any, want: bool) -> None:
    if not want:
        plan.forbidden_schemes.add(node.scheme)
        plan.enrollments = [e for e in plan.enrollments if e["scheme"] != node.scheme]
        return
    if node.scheme == "resident_medical":
        plan.enrollments.append({
            "scheme": "resident_medical", "year": plan.effective_coverage_year(), "tier": plan.draw_from((1, 2)),
            "paid_by": node.paid_by or plan.draw_from(("self", "government")),
            "paid_on": (plan.as_of - dt.timedelta(days=plan.draw_int(0, 120))).isoformat()})
        return
    day = plan.resolve(node.on) if node.on is not None else plan.as_of
    day = min(day or plan.as_of, plan.as_of)
    record: dict[str, Any]
    if node.ended_within_months is None:
        start = day - dt.timedelta(days=plan.draw_int(0, 10 * 365))
        record = {"scheme": node.scheme, "from": start.isoformat()}
        if plan.draw_from((False, True)):
            record["to"] = (day + dt.timedelta(days=plan.draw_int(0, 3 * 365))).isoformat()
    else:
        ended = day - dt.timedelta(days=plan.draw_int(1, max(1, node.ended_within_months * 28)))
        start = ended - dt.timedelta(days=plan.draw_int(0, 10 * 365))
        record = {"scheme": node.scheme, "from": start.isoformat(), "to": ended.isoformat()}
    region = plan.draw_region(node.region, inside=True) if node.region else plan.hukou_region
    if region:
        record["region"] = region
    plan.enrollments.append(record)



def _remedy(node: EnrolledTest, want: bool, facts: Facts, build: Any) -> list[dict[str, Any]] | None:
    """An enrolment that stands in the way, ended: employee insurance ended the day before the
    date tested, or a self-paid resident enrolment for the year withdrawn."""
    if want or node.ended_within_months is not None:
        return None
    day = date_of(node.on, facts, build) if node.on is not None else None
    changes = []
    for index, record in enumerate(facts.person.enrollments):
        if record.scheme != node.scheme:
            continue
        if node.scheme == "resident_medical":
            if (node.year is None or record.year == facts.coverage_year) and (
                    node.paid_by is None or record.paid_by in (node.paid_by, None)):
                changes.append({"fact": f"person.enrollments[{index}]", "action": "withdraw_enrollment",
                                "value": None})
        elif day is not None and record.from_ <= day and (record.to is None or day <= record.to):
            if record.from_ >= day:
                return None  # it begins that day: nothing to end before it
            changes.append({"fact": f"person.enrollments[{index}].to", "action": "end_enrollment",
                            "value": day - dt.timedelta(days=1)})
    return changes or None


KIND = ConditionKind(
    keys=("enrolled",), nodes=(EnrolledTest,), specs=(EnrolledSpec,), compile=_compile, evaluator=_evaluator,
    observed=_observed, reads=_reads, describe=_describe, sentence=_sentence, aim=_aim, phase=2, remedy=_remedy,
    doc=(("`enrolled: {scheme: employee_medical, on: as_of}`",
          "employee medical or pension insurance in force on a date; `region:` a prefix"),
         ("`enrolled: {scheme: employee_medical, on: as_of, ended_within_months: 2}`",
          "ended within N calendar months before the date; with `region:`, a record that would match but "
          "names no region is unknown, never assumed local"),
         ("`enrolled: {scheme: resident_medical, year: coverage_year, paid_by: self}`",
          "resident insurance for the coverage year (by who paid)")),
    dates=lambda node: (node.on,) if node.on is not None else (),
)

"""The Shantou rules written directly in Python: the hand-written baseline.

``decide(request_dict)`` reads the same request dict ``eligibility.evaluate`` gets (no
pre-processing: it parses the ISO dates itself) and returns the fields the comparison checks:
outcome, primary category, amount, funding source, benefit start, flags and the exclusions
that held. It follows policies/shantou.yaml and the interpretations in
docs/policies/shantou.md, including the three-valued logic: a fact a rule needs and the
request lacks makes that rule unknown (``None``), and an unknown that could change the
decision makes it ``undetermined``. No validation: the requests are known to be valid.
Deadlines, the responsible region and the trace are not produced.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

_FEN = Decimal("0.01")
_FIRST, _LAST = dt.date(2020, 1, 1), dt.date(2025, 12, 31)
PRIORITY = ("centralized_support", "settled_vagrant", "dibao", "tekun_dispersed", "orphan_dispersed",
            "de_facto_unsupported_child", "registered_poor", "low_income_household", "severe_disability")
_INSTITUTIONS = ("city_welfare_home", "county_welfare_home", "town_nursing_home")
_OPEN = dt.date.max
_date = dt.date.fromisoformat


def _and(*values: bool | None) -> bool | None:
    return False if False in values else (None if None in values else True)


def _or(*values: bool | None) -> bool | None:
    return True if True in values else (None if None in values else False)


def _not(value: bool | None) -> bool | None:
    return None if value is None else not value


def _attr(value: Any, allowed: tuple[Any, ...]) -> bool | None:
    return None if value is None else value in allowed


def _status_test(statuses: list[tuple[str, dt.date, dt.date, dict[str, Any]]], kinds: tuple[str, ...], day: dt.date,
                 test=None) -> bool | None:
    """A status of ``kinds`` held on ``day`` whose attributes pass ``test`` (tri-valued)."""
    best: bool | None = False
    for kind, since, until, status in statuses:
        if kind in kinds and since <= day <= until:
            value = True if test is None else test(status, day)
            if value:
                return True
            if value is None:
                best = None
    return best


def _age(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _severe(status: dict[str, Any], day: dt.date) -> bool | None:
    cert = status.get("certificate_valid_until")
    return _and(_attr(status.get("grade"), (1, 2)), None if cert is None else _date(cert) >= day)


def _centralized(status: dict[str, Any], day: dt.date) -> bool | None:
    return _and(_attr(status.get("care"), ("centralized",)), _attr(status.get("institution"), _INSTITUTIONS))


def _categories(statuses, birth: dt.date | None, day: dt.date) -> dict[str, bool | None]:
    """Each category's value on ``day``, in priority order."""
    def held(kind: str) -> bool:
        return _status_test(statuses, (kind,), day) is True

    age = _age(birth, day)
    return {
        "centralized_support": _status_test(statuses, ("orphan", "tekun"), day, _centralized),
        "settled_vagrant": _status_test(statuses, ("settled_vagrant",), day,
                                        lambda s, d: _attr(s.get("placed_by"), ("city", "county"))),
        "dibao": held("dibao"),
        "tekun_dispersed": _status_test(statuses, ("tekun",), day, lambda s, d: _attr(s.get("care"), ("dispersed",))),
        "orphan_dispersed": _status_test(statuses, ("orphan",), day,
                                         lambda s, d: _attr(s.get("care"), ("dispersed",))),
        "de_facto_unsupported_child": held("de_facto_unsupported_child"),
        "registered_poor": held("registered_poor"),
        "low_income_household": _and(held("low_income_household"), _or(
            None if age is None else age >= 60, None if age is None else age < 18, held("serious_illness"))),
        "severe_disability": _status_test(statuses, ("disability",), day, _severe),
    }


def _any_category(values: dict[str, bool | None]) -> bool | None:
    return _or(*values.values())


def _city_institution(status: dict[str, Any], day: dt.date) -> bool | None:
    if status["kind"] == "settled_vagrant":
        return _attr(status.get("placed_by"), ("city",))
    return _and(_attr(status.get("care"), ("centralized",)), _attr(status.get("institution"), ("city_welfare_home",)))


def _result(outcome: str, primary: str | None = None, amount: str | None = None, funding: str | None = None,
            start: dt.date | None = None, flags: tuple[str, ...] = (), exclusions: tuple[str, ...] = ()) -> dict:
    return {"outcome": outcome, "primary_category": primary, "amount": amount, "funding_source": funding,
            "benefit_start": start.isoformat() if start else None, "flags": flags, "exclusions": exclusions}


def decide(request: dict[str, Any]) -> dict[str, Any]:
    as_of = _date(request["as_of"])
    if not _FIRST <= as_of <= _LAST:
        return _result("no_policy_in_force")
    cy = request.get("coverage_year") or as_of.year
    if cy < as_of.year:
        return _result("enrollment_closed")
    full_year = cy > as_of.year
    person = request["person"]
    enrollments = person.get("enrollments", ())
    # 五(二): statuses are judged on the day of registration (payment) for the year, if any
    status_date = as_of
    for record in enrollments:
        if (record["scheme"] == "resident_medical" and record["year"] == cy and record.get("paid_on")
                and _date(record["paid_on"]) <= as_of):
            status_date = _date(record["paid_on"])
            break
    statuses = [(s["kind"], _date(s["since"]), _date(s["until"]) if s.get("until") else _OPEN, s)
                for s in person.get("statuses", ())]
    if person.get("birth_date"):
        birth: dt.date | None = _date(person["birth_date"])
    elif person.get("id_number"):
        ident = person["id_number"]
        birth = dt.date(int(ident[6:10]), int(ident[10:12]), int(ident[12:14]))
    else:
        birth = None
    region = (person.get("hukou") or {}).get("region")
    local = None if region is None else region.startswith("4405")                         # 一
    cats = _categories(statuses, birth, status_date)                                       # 一(一)..(九)
    matched = [cid for cid in PRIORITY if cats[cid] is True]
    unknown = [cid for cid in PRIORITY if cats[cid] is None]
    # exclusions (五(二), 五(一)): they see which categories held
    category_any = True if matched else (None if unknown else False)
    self_paid: bool | None = False
    for record in enrollments:
        if record["scheme"] == "resident_medical" and record["year"] == cy:
            if record.get("paid_by") is None:
                self_paid = None
            elif record["paid_by"] == "self":
                self_paid = True
                break
    start_of_year = dt.date(cy, 1, 1)
    on = start_of_year if full_year else as_of
    employee = any(record["scheme"] == "employee_medical" and _date(record["from"]) <= on
                   and (not record.get("to") or on <= _date(record["to"])) for record in enrollments)
    excl_self = _and(self_paid, _not(category_any))
    exclusions = tuple(name for name, value in (("self_paid_not_retroactive", excl_self),
                                                ("employee_insured", employee)) if value is True)
    if local is False:
        return _result("not_eligible", exclusions=exclusions)
    if not matched:
        return _result("undetermined" if unknown and not exclusions else "not_eligible", exclusions=exclusions)
    if exclusions:
        return _result("not_eligible", exclusions=exclusions)
    primary = matched[0]
    if local is None or excl_self is None or any(PRIORITY.index(u) < PRIORITY.index(primary) for u in unknown):
        return _result("undetermined", exclusions=exclusions)
    # outputs; an unknown output condition makes the decision undetermined
    city = _status_test(statuses, ("orphan", "tekun", "settled_vagrant"), status_date, _city_institution)
    september_first = dt.date(as_of.year, 9, 1)
    unknowns: list[bool | None] = [city]
    if full_year and city is False:  # 二(一)1: on the 1 September list
        unknowns.append(_any_category(_categories(statuses, birth, september_first)))
    on_sept_first: bool | None = None
    if not full_year and status_date > september_first:  # 二(二)3
        on_sept_first = _any_category(_categories(statuses, birth, september_first))
        unknowns.append(on_sept_first)
    if not full_year:  # 二(二)1, 二(二)2: qualified on the eve of the year?
        unknowns.append(_any_category(_categories(statuses, birth, start_of_year - dt.timedelta(days=1))))
    kept: bool | None = False
    for record in enrollments:
        if record["scheme"] == "resident_medical" and record["year"] == cy:
            if record.get("paid_by") is None:
                kept = None
            elif record["paid_by"] == "government":
                kept = True
                break
    unknowns.append(kept)
    if None in unknowns:
        return _result("undetermined", primary, exclusions=exclusions)
    flags = tuple(flag for flag, on_ in (("enrolled_by_institution", city),
                                         ("also_register_next_year", on_sept_first is False),
                                         ("registration_status_kept", kept)) if on_)
    if full_year or status_date < start_of_year:  # 二(一)
        start = start_of_year
    else:  # 二(二): from the month after registration
        start = dt.date(status_date.year + 1, 1, 1) if status_date.month == 12 else \
            dt.date(status_date.year, status_date.month + 1, 1)
    premium = (request.get("parameters") or {}).get("individual_premium")
    amount = None if premium is None else str(Decimal(premium).quantize(_FEN, ROUND_HALF_UP))
    funding = "welfare_lottery_fund" if city else "medical_assistance_fund"
    return _result("eligible", primary, amount, funding, start, flags, exclusions)

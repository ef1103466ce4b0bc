"""The Shantou rules as an OpenFisca country package built in code.

``build_system(slots)`` returns a ``TaxBenefitSystem`` with one entity, ``person``, and:

- input variables (``ETERNITY``): ``as_of``, ``requested_coverage_year`` (0: not given),
  ``hukou_region`` (the six-digit code as an integer), ``birth_date``, ``individual_premium``
  and ``premium_supplied``; the statuses as ``slots.statuses`` fixed slots
  (``status_<k>_kind``, ``_since``, ``_until``, ``_care``, ``_institution``, ``_placed_by``,
  ``_grade``, ``_certificate_valid_until``, ``_certificate_given``), the employee medical
  insurance periods as ``slots.employee`` slots and the resident-insurance records as
  ``slots.resident`` slots: OpenFisca variables hold one value per person, so a list
  becomes as many slots as the longest list in the population (3 statuses, 1 and 1 here);
- formula variables (``YEAR``, computed for the period ``PERIOD``; the rules read the
  person's own dates, not the period), vectorised with numpy over all the people at once:
  ``coverage_year``, ``enrollment_closed``, ``full_year``, ``status_date`` (五(二)),
  ``local_hukou`` (一), the nine categories on the status date (一(一)-(九)) and
  ``severe_disability_unknown`` (a held grade-1/2 disability whose certificate date is not
  given), each a bit of ``categories_on_status_date`` (one pass over the slots), ``matched``, ``held_on_september_first`` (二(二)3), ``city_institution`` (一,
  二(一)2), ``employee_insured`` (五(一)), ``self_paid_not_retroactive`` (五(二)), and the
  outputs ``outcome``, ``primary_category`` (first in the policy's priority),
  ``subsidy_amount`` / ``subsidy_amount_known``, ``funding_source``, ``benefit_start`` and
  the three flags.

Not encoded, as in the ZEN graph: deadlines, the responsible region, the version window,
and unknown facts other than the missing certificate date on the status date.

``arrays(requests, slots)`` is the pre-processing OpenFisca gets (timed separately): the
request dicts become one numpy array per input variable (dates as ``datetime64[D]``, an open
``until``/``to`` as 9999-12-31, enumerations as their index, the birth date read from the ID
number where only that is given). ``simulate(system, inputs)`` builds the simulation
(``SimulationBuilder().build_default_simulation`` then ``set_input`` per variable) and
calculates the outputs; ``rows(outputs)`` turns them into the comparison's fields.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.indexed_enums import Enum
from openfisca_core.periods import ETERNITY, YEAR
from openfisca_core.simulation_builder import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

PERIOD = "2025"
OPEN = np.datetime64("9999-12-31")
NEVER = np.datetime64("1900-01-01")
PRIORITY = ("centralized_support", "settled_vagrant", "dibao", "tekun_dispersed", "orphan_dispersed",
            "de_facto_unsupported_child", "registered_poor", "low_income_household", "severe_disability")
OUTPUTS = ("outcome", "primary_category", "subsidy_amount", "subsidy_amount_known", "funding_source",
           "benefit_start", "flag_enrolled_by_institution", "flag_also_register_next_year",
           "flag_registration_status_kept", "self_paid_not_retroactive", "employee_insured", "enrollment_closed")
_FEN = Decimal("0.01")

Person = build_entity(key="person", plural="persons", label="A person applying in Shantou", is_person=True)


class StatusKind(Enum):
    none = "no status in this slot"
    dibao = "最低生活保障对象"
    tekun = "特困供养人员"
    orphan = "孤儿"
    de_facto_unsupported_child = "事实无人抚养儿童"
    registered_poor = "建档立卡贫困人员"
    low_income_household = "低收入家庭"
    serious_illness = "重病患者"
    disability = "残疾人"
    settled_vagrant = "已落户流浪乞讨人员"
    other = "another kind"


class Care(Enum):
    none = "not given"
    dispersed = "分散供养"
    centralized = "集中供养"


class Institution(Enum):
    none = "not given"
    city_welfare_home = "市福利院"
    county_welfare_home = "区县级福利院"
    town_nursing_home = "镇（街道）敬老院"


class PlacedBy(Enum):
    none = "not given"
    city = "市救助管理机构"
    county = "区县救助管理机构"


class PaidBy(Enum):
    none = "no record, or not given"
    self = "self"
    government = "government"


class Outcome(Enum):
    eligible = "eligible"
    not_eligible = "not_eligible"
    undetermined = "undetermined"
    enrollment_closed = "enrollment_closed"


Category = Enum("Category", [("none", "none")] + [(c, c) for c in PRIORITY])  # type: ignore[misc]


class FundingSource(Enum):
    none = "none"
    medical_assistance_fund = "市城乡医疗救助基金"
    welfare_lottery_fund = "市级社会福利彩票公益金"


class Slots(NamedTuple):
    statuses: int
    employee: int
    resident: int


def _variable(name: str, value_type: Any, *, period: str = ETERNITY, default: Any = None, enum: Any = None,
              formula: Any = None, label: str = "") -> type[Variable]:
    attrs: dict[str, Any] = {"value_type": value_type, "entity": Person, "definition_period": period,
                             "label": label or name}
    if enum is not None:
        attrs["possible_values"] = enum
        attrs["default_value"] = enum.none if default is None else default
    elif default is not None:
        attrs["default_value"] = default
    if formula is not None:
        attrs["formula"] = formula
    return type(name, (Variable,), attrs)


# --- vectorised helpers ------------------------------------------------------------------

def _year(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[Y]").astype(np.int64) + 1970


def _month_day(days: np.ndarray) -> np.ndarray:
    """month * 100 + day, to compare birthdays."""
    months = days.astype("datetime64[M]")
    return (months.astype(np.int64) % 12 + 1) * 100 + (days - months.astype("datetime64[D]")).astype(np.int64) + 1


def _year_start(years: np.ndarray) -> np.ndarray:
    return (years - 1970).astype("datetime64[Y]").astype("datetime64[D]")


def _age(birth: np.ndarray, day: np.ndarray) -> np.ndarray:
    return _year(day) - _year(birth) - (_month_day(day) < _month_day(birth))


class _StatusSlot(NamedTuple):
    kind: np.ndarray
    since: np.ndarray
    until: np.ndarray
    care: np.ndarray
    institution: np.ndarray
    placed_by: np.ndarray
    grade: np.ndarray
    certificate_valid_until: np.ndarray
    certificate_given: np.ndarray


def _status_slots(person: Any, period: Any, count: int) -> list[_StatusSlot]:
    return [_StatusSlot(*(person(f"status_{k}_{field}", period) for field in _StatusSlot._fields))
            for k in range(count)]


def _categories_on(person: Any, period: Any, day: np.ndarray, count: int) -> dict[str, np.ndarray]:
    """The nine categories judged on ``day`` (one date per person), and the unknown disability test."""
    slots = _status_slots(person, period, count)
    n = len(day)
    out = {name: np.zeros(n, dtype=bool) for name in (*PRIORITY, "severe_disability_unknown")}
    held_kind: dict[Any, np.ndarray] = {}
    for s in slots:
        held = (s.since <= day) & (day <= s.until)
        for kind in (StatusKind.dibao, StatusKind.de_facto_unsupported_child, StatusKind.registered_poor,
                     StatusKind.low_income_household, StatusKind.serious_illness):
            hit = held & (s.kind == kind)
            held_kind[kind] = held_kind[kind] | hit if kind in held_kind else hit
        tekun_or_orphan = (s.kind == StatusKind.tekun) | (s.kind == StatusKind.orphan)
        out["centralized_support"] |= held & tekun_or_orphan & (s.care == Care.centralized) & (
            s.institution != Institution.none)
        out["settled_vagrant"] |= held & (s.kind == StatusKind.settled_vagrant) & (s.placed_by != PlacedBy.none)
        out["tekun_dispersed"] |= held & (s.kind == StatusKind.tekun) & (s.care == Care.dispersed)
        out["orphan_dispersed"] |= held & (s.kind == StatusKind.orphan) & (s.care == Care.dispersed)
        disability = held & (s.kind == StatusKind.disability)
        grade_ok = (s.grade == 1) | (s.grade == 2)
        grade_open = grade_ok | (s.grade == 0)
        certificate_ok = s.certificate_given & (s.certificate_valid_until >= day)
        certificate_open = certificate_ok | ~s.certificate_given
        out["severe_disability"] |= disability & grade_ok & certificate_ok
        out["severe_disability_unknown"] |= disability & grade_open & certificate_open & (
            (s.grade == 0) | ~s.certificate_given)
    out["dibao"] = held_kind[StatusKind.dibao]
    out["de_facto_unsupported_child"] = held_kind[StatusKind.de_facto_unsupported_child]
    out["registered_poor"] = held_kind[StatusKind.registered_poor]
    age = _age(person("birth_date", period), day)
    out["low_income_household"] = held_kind[StatusKind.low_income_household] & (
        (age >= 60) | (age < 18) | held_kind[StatusKind.serious_illness])
    out["severe_disability_unknown"] &= ~out["severe_disability"]
    return out


# --- the system -----------------------------------------------------------------------------

def build_system(slots: Slots) -> TaxBenefitSystem:
    variables: list[type[Variable]] = [
        _variable("as_of", dt.date, label="application date"),
        _variable("requested_coverage_year", int, label="coverage year applied for; 0 when not given"),
        _variable("hukou_region", int, label="GB/T 2260 code of the hukou"),
        _variable("birth_date", dt.date),
        _variable("individual_premium", float, label="城乡居民医保个人缴费标准 (caller-supplied)"),
        _variable("premium_supplied", bool),
    ]
    for k in range(slots.statuses):
        variables += [
            _variable(f"status_{k}_kind", Enum, enum=StatusKind),
            _variable(f"status_{k}_since", dt.date),
            _variable(f"status_{k}_until", dt.date, default=dt.date(9999, 12, 31)),
            _variable(f"status_{k}_care", Enum, enum=Care),
            _variable(f"status_{k}_institution", Enum, enum=Institution),
            _variable(f"status_{k}_placed_by", Enum, enum=PlacedBy),
            _variable(f"status_{k}_grade", int, label="disability grade; 0 when not given"),
            _variable(f"status_{k}_certificate_valid_until", dt.date),
            _variable(f"status_{k}_certificate_given", bool),
        ]
    for j in range(slots.employee):
        variables += [_variable(f"employee_{j}_present", bool), _variable(f"employee_{j}_from", dt.date),
                      _variable(f"employee_{j}_to", dt.date, default=dt.date(9999, 12, 31))]
    for j in range(slots.resident):
        variables += [_variable(f"resident_{j}_year", int), _variable(f"resident_{j}_paid_by", Enum, enum=PaidBy),
                      _variable(f"resident_{j}_paid_on", dt.date), _variable(f"resident_{j}_paid_on_given", bool)]

    def coverage_year(person, period):
        requested = person("requested_coverage_year", period)
        return np.where(requested > 0, requested, _year(person("as_of", period)))

    def enrollment_closed(person, period):
        return person("coverage_year", period) < _year(person("as_of", period))

    def full_year(person, period):
        return person("coverage_year", period) > _year(person("as_of", period))

    def status_date(person, period):
        as_of, cy = person("as_of", period), person("coverage_year", period)
        day = as_of.copy()
        for j in reversed(range(slots.resident)):  # the first matching record wins
            paid_on = person(f"resident_{j}_paid_on", period)
            hit = (person(f"resident_{j}_year", period) == cy) & person(f"resident_{j}_paid_on_given", period) & (
                paid_on <= as_of)
            day = np.where(hit, paid_on, day)
        return day

    def local_hukou(person, period):
        return person("hukou_region", period) // 100 == 4405

    bits = {name: 1 << i for i, name in enumerate((*PRIORITY, "severe_disability_unknown"))}

    def categories_on_status_date(person, period):
        # one pass over the status slots for the ten category variables: a bit each
        on = _categories_on(person, period, person("status_date", period), slots.statuses)
        result = np.zeros(len(on["dibao"]), dtype=np.int32)
        for name, bit in bits.items():
            result |= np.where(on[name], bit, 0).astype(np.int32)
        return result

    def category_formula(name):
        bit = bits[name]

        def formula(person, period):
            return (person("categories_on_status_date", period) & bit) != 0
        return formula

    def matched(person, period):
        result = person(PRIORITY[0], period)
        for name in PRIORITY[1:]:
            result = result | person(name, period)
        return result

    def held_on_september_first(person, period):
        day = (person("as_of", period).astype("datetime64[Y]") + np.timedelta64(8, "M")).astype("datetime64[D]")
        on = _categories_on(person, period, day, slots.statuses)
        result = on[PRIORITY[0]]
        for name in PRIORITY[1:]:
            result = result | on[name]
        return result

    def city_institution(person, period):
        day = person("status_date", period)
        result = np.zeros(len(day), dtype=bool)
        for s in _status_slots(person, period, slots.statuses):
            held = (s.since <= day) & (day <= s.until)
            home = ((s.kind == StatusKind.tekun) | (s.kind == StatusKind.orphan)) & (s.care == Care.centralized) & (
                s.institution == Institution.city_welfare_home)
            agency = (s.kind == StatusKind.settled_vagrant) & (s.placed_by == PlacedBy.city)
            result |= held & (home | agency)
        return result

    def employee_insured(person, period):
        on = np.where(person("full_year", period), _year_start(person("coverage_year", period)),
                      person("as_of", period))
        result = np.zeros(len(on), dtype=bool)
        for j in range(slots.employee):
            result |= person(f"employee_{j}_present", period) & (person(f"employee_{j}_from", period) <= on) & (
                on <= person(f"employee_{j}_to", period))
        return result

    def resident_record(paid_by):
        def formula(person, period):
            cy = person("coverage_year", period)
            result = np.zeros(len(cy), dtype=bool)
            for j in range(slots.resident):
                result |= (person(f"resident_{j}_year", period) == cy) & (
                    person(f"resident_{j}_paid_by", period) == paid_by)
            return result
        return formula

    def self_paid_not_retroactive(person, period):
        return ~person("enrollment_closed", period) & person("resident_self_paid", period) & ~person(
            "matched", period) & ~person("severe_disability_unknown", period)

    def employee_excluded(person, period):
        return ~person("enrollment_closed", period) & person("employee_insured_on_day", period)

    def outcome(person, period):
        closed, local = person("enrollment_closed", period), person("local_hukou", period)
        hit, unknown = person("matched", period), person("severe_disability_unknown", period)
        employee = person("employee_insured_on_day", period)
        return np.select(
            [closed, ~local, ~hit & unknown & ~employee, ~hit, employee],
            [Outcome.enrollment_closed.index, Outcome.not_eligible.index, Outcome.undetermined.index,
             Outcome.not_eligible.index, Outcome.not_eligible.index], Outcome.eligible.index)

    def eligible(person, period):
        return person("outcome", period) == Outcome.eligible

    def primary_category(person, period):
        return np.where(eligible(person, period), np.select(
            [person(name, period) for name in PRIORITY], [Category[name].index for name in PRIORITY],
            Category.none.index), Category.none.index)

    def subsidy_amount(person, period):
        return np.where(eligible(person, period), person("individual_premium", period), 0)

    def subsidy_amount_known(person, period):
        return eligible(person, period) & person("premium_supplied", period)

    def funding_source(person, period):
        return np.select([~eligible(person, period), person("city_institution", period)],
                         [FundingSource.none.index, FundingSource.welfare_lottery_fund.index],
                         FundingSource.medical_assistance_fund.index)

    def benefit_start(person, period):
        day = person("status_date", period)
        year_start = _year_start(person("coverage_year", period))
        next_month = (day.astype("datetime64[M]") + 1).astype("datetime64[D]")
        start = np.where(person("full_year", period) | (day < year_start), year_start, next_month)
        return np.where(eligible(person, period), start, NEVER)

    def flag_enrolled_by_institution(person, period):
        return eligible(person, period) & person("city_institution", period)

    def flag_also_register_next_year(person, period):
        as_of = person("as_of", period)
        september_first = (as_of.astype("datetime64[Y]") + np.timedelta64(8, "M")).astype("datetime64[D]")
        return eligible(person, period) & ~person("full_year", period) & (
            person("status_date", period) > september_first) & ~person("held_on_september_first", period)

    def flag_registration_status_kept(person, period):
        return eligible(person, period) & person("resident_government_paid", period)

    formulas = [
        ("coverage_year", int, None, coverage_year), ("enrollment_closed", bool, None, enrollment_closed),
        ("full_year", bool, None, full_year), ("status_date", dt.date, None, status_date),
        ("local_hukou", bool, None, local_hukou),
        ("categories_on_status_date", int, None, categories_on_status_date),
        *[(name, bool, None, category_formula(name)) for name in (*PRIORITY, "severe_disability_unknown")],
        ("matched", bool, None, matched), ("held_on_september_first", bool, None, held_on_september_first),
        ("city_institution", bool, None, city_institution), ("employee_insured_on_day", bool, None, employee_insured),
        ("resident_self_paid", bool, None, resident_record(PaidBy.self)),
        ("resident_government_paid", bool, None, resident_record(PaidBy.government)),
        ("self_paid_not_retroactive", bool, None, self_paid_not_retroactive),
        ("employee_insured", bool, None, employee_excluded),
        ("outcome", Enum, Outcome, outcome), ("primary_category", Enum, Category, primary_category),
        ("subsidy_amount", float, None, subsidy_amount), ("subsidy_amount_known", bool, None, subsidy_amount_known),
        ("funding_source", Enum, FundingSource, funding_source), ("benefit_start", dt.date, None, benefit_start),
        ("flag_enrolled_by_institution", bool, None, flag_enrolled_by_institution),
        ("flag_also_register_next_year", bool, None, flag_also_register_next_year),
        ("flag_registration_status_kept", bool, None, flag_registration_status_kept),
    ]
    for name, value_type, enum, formula in formulas:
        default = Outcome.not_eligible if enum is Outcome else None
        if enum is not None:
            variables.append(_variable(name, Enum, period=YEAR, enum=enum, default=default, formula=formula))
        else:
            variables.append(_variable(name, value_type, period=YEAR, formula=formula))
    system = TaxBenefitSystem([Person])
    for variable in variables:
        system.add_variable(variable)
    return system


# --- pre-processing and post-processing ------------------------------------------------------

_KIND_INDEX = {member.name: index for index, member in enumerate(StatusKind)}
_CARE_INDEX = {member.name: index for index, member in enumerate(Care)}
_INSTITUTION_INDEX = {member.name: index for index, member in enumerate(Institution)}
_PLACED_INDEX = {member.name: index for index, member in enumerate(PlacedBy)}
_PAID_INDEX = {member.name: index for index, member in enumerate(PaidBy)}


def slots_for(requests: list[dict[str, Any]]) -> Slots:
    statuses = employee = resident = 1
    for request in requests:
        person = request["person"]
        statuses = max(statuses, len(person.get("statuses", ())))
        records = person.get("enrollments", ())
        employee = max(employee, sum(1 for e in records if e["scheme"] == "employee_medical"))
        resident = max(resident, sum(1 for e in records if e["scheme"] == "resident_medical"))
    return Slots(statuses, employee, resident)


def arrays(requests: list[dict[str, Any]], slots: Slots) -> dict[str, np.ndarray]:
    """One numpy array per input variable (the pre-processing OpenFisca gets)."""
    n = len(requests)
    cols: dict[str, list[Any]] = {name: [] for name in (
        "as_of", "requested_coverage_year", "hukou_region", "birth_date", "individual_premium", "premium_supplied")}
    status_fields = ("kind", "since", "until", "care", "institution", "placed_by", "grade",
                     "certificate_valid_until", "certificate_given")
    for k in range(slots.statuses):
        for field in status_fields:
            cols[f"status_{k}_{field}"] = []
    for j in range(slots.employee):
        for field in ("present", "from", "to"):
            cols[f"employee_{j}_{field}"] = []
    for j in range(slots.resident):
        for field in ("year", "paid_by", "paid_on", "paid_on_given"):
            cols[f"resident_{j}_{field}"] = []
    for request in requests:
        person = request["person"]
        cols["as_of"].append(request["as_of"])
        cols["requested_coverage_year"].append(request.get("coverage_year") or 0)
        region = (person.get("hukou") or {}).get("region")
        cols["hukou_region"].append(int(region) if region else 0)
        if person.get("birth_date"):
            birth = person["birth_date"]
        else:
            ident = person["id_number"]
            birth = f"{ident[6:10]}-{ident[10:12]}-{ident[12:14]}"
        cols["birth_date"].append(birth)
        premium = (request.get("parameters") or {}).get("individual_premium")
        cols["individual_premium"].append(float(premium) if premium is not None else 0.0)
        cols["premium_supplied"].append(premium is not None)
        statuses = person.get("statuses", ())
        for k in range(slots.statuses):
            s = statuses[k] if k < len(statuses) else None
            cols[f"status_{k}_kind"].append(_KIND_INDEX.get(s["kind"], _KIND_INDEX["other"]) if s else 0)
            cols[f"status_{k}_since"].append(s["since"] if s else "9999-12-31")
            cols[f"status_{k}_until"].append((s.get("until") or "9999-12-31") if s else "9999-12-31")
            cols[f"status_{k}_care"].append(_CARE_INDEX[s.get("care") or "none"] if s else 0)
            cols[f"status_{k}_institution"].append(_INSTITUTION_INDEX[s.get("institution") or "none"] if s else 0)
            cols[f"status_{k}_placed_by"].append(_PLACED_INDEX[s.get("placed_by") or "none"] if s else 0)
            cols[f"status_{k}_grade"].append((s.get("grade") or 0) if s else 0)
            cert = s.get("certificate_valid_until") if s else None
            cols[f"status_{k}_certificate_valid_until"].append(cert or "1900-01-01")
            cols[f"status_{k}_certificate_given"].append(cert is not None)
        records = person.get("enrollments", ())
        employee = [e for e in records if e["scheme"] == "employee_medical"]
        resident = [e for e in records if e["scheme"] == "resident_medical"]
        for j in range(slots.employee):
            e = employee[j] if j < len(employee) else None
            cols[f"employee_{j}_present"].append(e is not None)
            cols[f"employee_{j}_from"].append(e["from"] if e else "9999-12-31")
            cols[f"employee_{j}_to"].append((e.get("to") or "9999-12-31") if e else "9999-12-31")
        for j in range(slots.resident):
            r = resident[j] if j < len(resident) else None
            cols[f"resident_{j}_year"].append(r["year"] if r else 0)
            cols[f"resident_{j}_paid_by"].append(_PAID_INDEX[r.get("paid_by") or "none"] if r else 0)
            paid_on = r.get("paid_on") if r else None
            cols[f"resident_{j}_paid_on"].append(paid_on or "1900-01-01")
            cols[f"resident_{j}_paid_on_given"].append(paid_on is not None)
    out: dict[str, np.ndarray] = {}
    for name, values in cols.items():
        if name in ("as_of", "birth_date") or name.endswith(("_since", "_until", "_valid_until", "_from", "_to",
                                                              "_paid_on")):
            out[name] = np.array(values, dtype="datetime64[D]")
        elif name.endswith(("_kind", "_care", "_institution", "_placed_by", "_paid_by")):
            out[name] = np.array(values, dtype=np.int16)
        elif name == "individual_premium":
            out[name] = np.array(values, dtype=np.float32)
        elif name.endswith(("_supplied", "_given", "_present")):
            out[name] = np.array(values, dtype=bool)
        else:
            out[name] = np.array(values, dtype=np.int32)
    assert all(len(a) == n for a in out.values())
    return out


def simulate(system: TaxBenefitSystem, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Build a simulation of everyone in ``inputs`` and calculate the outputs."""
    count = len(inputs["as_of"])
    simulation = SimulationBuilder().build_default_simulation(system, count)
    for name, values in inputs.items():
        simulation.set_input(name, ETERNITY, values)
    return {name: simulation.calculate(name, PERIOD) for name in OUTPUTS}


def rows(outputs: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """The outputs as the comparison's fields, one dict per person."""
    outcome = outputs["outcome"].decode_to_str()
    primary = outputs["primary_category"].decode_to_str()
    funding = outputs["funding_source"].decode_to_str()
    start = outputs["benefit_start"].astype(str)
    result = []
    for i in range(len(outcome)):
        eligible = outcome[i] == "eligible"
        flags = tuple(flag for flag in ("enrolled_by_institution", "also_register_next_year",
                                        "registration_status_kept") if outputs[f"flag_{flag}"][i])
        exclusions = tuple(rule for rule in ("self_paid_not_retroactive", "employee_insured") if outputs[rule][i])
        amount = None
        if outputs["subsidy_amount_known"][i]:
            amount = str(Decimal(float(outputs["subsidy_amount"][i])).quantize(_FEN, ROUND_HALF_UP))
        result.append({"outcome": str(outcome[i]), "primary_category": None if primary[i] == "none" else str(primary[i]),
                       "amount": amount, "funding_source": None if funding[i] == "none" else str(funding[i]),
                       "benefit_start": str(start[i]) if eligible else None, "flags": flags,
                       "exclusions": exclusions})
    return result

"""Drawing requests and their parts: the machinery behind ``strategies`` (regions, ID
numbers, statuses, whole requests from the schema) and the helpers the planner shares."""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any, Iterable

from dateutil.relativedelta import relativedelta
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ..contract import STATUS_ATTRIBUTES, STATUS_COMMON_FIELDS as STATUS_COMMON, STATUS_KINDS, Outcome, Person, check_character
from ..language import Policy, PolicySet, Version
from ..workdays import FIRST_YEAR, LAST_YEAR
from ._regions import REGIONS, codes_within

__all__ = ["REGIONS", "from_request_schema", "id_numbers", "regions", "statuses"]

# Working-day deadlines need the official calendar: requests stay inside the years it covers
# (a deadline a year after the application included), so a valid draw never hits a gap.
EARLIEST = dt.date(FIRST_YEAR, 1, 1)
LATEST = dt.date(LAST_YEAR - 1, 12, 31)
OUTCOMES: tuple[str, ...] = typing.get_args(Outcome)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁郑谢宋唐许韩冯邓曹彭曾肖蔡潘"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉"
_PREMIUMS = ("180", "220", "250", "280", "293", "320", "350", "380")
# a subsidy paid as an amount covers part of a contribution: never more than the lowest premium
_AMOUNTS = ("30", "60", "90", "120", "150", "180")


# --- small strategies ---------------------------------------------------------------------


def regions(within: str | Iterable[str] | None = None, *, outside: str | Iterable[str] | None = None
            ) -> st.SearchStrategy[str]:
    """Real GB/T 2260 six-digit codes: under the prefix(es) ``within``, not under ``outside``.

    With neither, any known code: the districts and counties of the five places the bundled
    policies rule (韶关, 汕头, 鹤山 and the rest of 江门, 嵩明 and the rest of 昆明, 郑州) and
    a dozen elsewhere.
    """
    def build() -> st.SearchStrategy[str]:
        inside = _prefixes(within, "within")
        excluded = _prefixes(outside, "outside")
        codes = codes_within(inside) if inside else sorted(REGIONS)
        if excluded:
            codes = [c for c in codes if not c.startswith(excluded)]
        if not codes:
            raise InvalidArgument(f"no known region is within {inside} and outside {excluded}")
        return st.sampled_from(codes)
    return st.deferred(build)


def _prefixes(value: str | Iterable[str] | None, argument: str) -> tuple[str, ...]:
    if value is None:
        return ()
    prefixes = (value,) if isinstance(value, str) else tuple(value)
    for prefix in prefixes:
        if not (isinstance(prefix, str) and prefix.isdigit() and 2 <= len(prefix) <= 6):
            raise InvalidArgument(f"{argument} takes GB/T 2260 code prefixes of 2 to 6 digits, not {prefix!r}")
    return prefixes


def id_numbers(*, birth_date: dt.date | None = None, region: str | None = None, sex: str | None = None
               ) -> st.SearchStrategy[str]:
    """18-character resident ID numbers (GB 11643) with a correct ISO 7064 MOD 11-2 check
    character: region code, birth date, sequence (odd for men, even for women), check."""
    def build() -> st.SearchStrategy[str]:
        if sex not in (None, "female", "male"):
            raise InvalidArgument(f"sex must be 'female', 'male' or None, not {sex!r}")
        if region is not None and not (isinstance(region, str) and len(region) == 6 and region.isdigit()):
            raise InvalidArgument(f"region must be a six-digit GB/T 2260 code, not {region!r}")
        if birth_date is not None and not isinstance(birth_date, dt.date):
            raise InvalidArgument(f"birth_date must be a date, not {birth_date!r}")
        births = st.just(birth_date) if birth_date else st.dates(dt.date(1920, 1, 1), LATEST)
        places = st.just(region) if region else regions()
        sexes = st.just(sex) if sex else st.sampled_from(("female", "male"))
        return st.builds(_id_number, places, births, sexes, st.integers(0, 49))
    return st.deferred(build)


def _id_number(region: str, birth: dt.date, sex: str, serial: int) -> str:
    sequence = f"{serial:02d}{2 * (serial % 5) + (1 if sex == 'male' else 0)}"  # 17th digit: odd = male
    first17 = f"{region}{birth:%Y%m%d}{sequence}"
    return first17 + check_character(first17)


def statuses(kind: str | Iterable[str] | None = None, *, on: dt.date | None = None, complete: bool = False
             ) -> st.SearchStrategy[dict[str, Any]]:
    """One hardship status as a request gives it, granted on or before ``on``.

    ``kind``: one kind or several (default: any). Attributes come from the request schema;
    with ``complete`` every attribute is given, otherwise some are left out (a missing
    fact). Dates are consistent: ``since`` <= ``on``, ``until`` >= ``since``.
    """
    def build() -> st.SearchStrategy[dict[str, Any]]:
        kinds = _kinds(kind)
        day = on or LATEST
        if not isinstance(day, dt.date):
            raise InvalidArgument(f"on must be a date, not {on!r}")
        return st.sampled_from(kinds).flatmap(lambda k: _status_of(k, day, complete))
    return st.deferred(build)


def _kinds(kind: str | Iterable[str] | None) -> tuple[str, ...]:
    kinds = STATUS_KINDS if kind is None else ((kind,) if isinstance(kind, str) else tuple(kind))
    bad = [k for k in kinds if k not in STATUS_KINDS]
    if bad or not kinds:
        raise InvalidArgument(f"unknown status kind {bad[0] if bad else None!r}; known: {', '.join(STATUS_KINDS)}")
    return kinds


# person facts that are plain booleans, where the request schema has them
_BOOLEAN_FACTS = tuple(name for name in ("social_security_card",) if name in Person.model_fields)
_COMMON = STATUS_COMMON


def _status_attributes(kind: str) -> dict[str, Any]:
    """key (by alias) -> list of values, or None for a date attribute."""
    return {key: (list(values) if values is not None else None)
            for key, (_, values) in STATUS_ATTRIBUTES[kind].items()}


def _chance(draw: Any, percent: int) -> bool:
    """True about ``percent`` times in a hundred; shrinks to False (the simpler request)."""
    return draw(st.integers(1, 100)) > 100 - percent


def _since(day: dt.date) -> st.SearchStrategy[dt.date]:
    recent = st.integers(0, 400).map(lambda n: day - dt.timedelta(days=n))
    older = st.integers(0, 20 * 365).map(lambda n: day - dt.timedelta(days=n))
    return st.one_of(recent, older).map(lambda d: max(d, EARLIEST))


@st.composite
def _status_of(draw: Any, kind: str, on: dt.date, complete: bool) -> dict[str, Any]:
    since = draw(_since(on))
    status: dict[str, Any] = {"kind": kind, "since": since.isoformat()}
    for key, values in _status_attributes(kind).items():
        if not complete and _chance(draw, 20):
            continue
        if values is None and "birth" in key:  # a relative's birth date: an adult's
            status[key] = (on - dt.timedelta(days=draw(st.integers(18 * 366, 70 * 365)))).isoformat()
        elif values is None:  # a validity date (a certificate's)
            status[key] = (since + dt.timedelta(days=draw(st.integers(0, 20 * 365)))).isoformat()
        else:
            status[key] = draw(st.sampled_from(values))
    if _chance(draw, 17):
        status["until"] = (since + dt.timedelta(days=draw(st.integers(0, 3 * 365)))).isoformat()
    if _chance(draw, 25):
        status["approved_by"] = draw(regions())
    if _chance(draw, 17):
        status["area"] = draw(st.sampled_from(("rural", "urban")))
    return status


def _names() -> st.SearchStrategy[str]:
    return st.builds(lambda s, g: s + g, st.sampled_from(_SURNAMES),
                     st.text(alphabet=_GIVEN, min_size=1, max_size=2))


# --- requests from the schema ----------------------------------------------------------------


def from_request_schema(policies: PolicySet | Policy | None = None, *, city: str | None = None,
                        identity: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Valid requests (``parse_request`` accepts every one) for the cities of ``policies``.

    ``policies`` defaults to the bundled set; ``city`` keeps to one of them. Requests land
    mostly inside a version's window, sometimes outside any; facts a rule may need are
    sometimes left out; ``identity`` adds ID numbers (consistent with the birth date and
    hukou) and names, which a decision must never show unmasked.
    """
    def build() -> st.SearchStrategy[dict[str, Any]]:
        policy_set = _policy_set(policies)
        cities = policy_set.cities if city is None else (city,)
        if city is not None and policy_set.get(city) is None:
            raise InvalidArgument(f"unknown city {city!r}; known: {', '.join(policy_set.cities)}")
        return st.sampled_from(cities).flatmap(lambda c: _schema_request(_Ref(policy_set.get(c)), identity))
    return st.deferred(build)


def _window_dates(version: Version) -> tuple[dt.date, dt.date] | None:
    start, end = max(version.effective_from, EARLIEST), min(version.effective_to or LATEST, LATEST)
    return (start, end) if start <= end else None


@st.composite
def _schema_request(draw: Any, ref: _Ref, identity: bool) -> dict[str, Any]:
    policy = ref.policy
    windows = [w for w in (_window_dates(v) for v in policy.versions) if w]
    if windows and _chance(draw, 90):
        start, end = draw(st.sampled_from(windows))
        as_of = draw(st.dates(start, end))
    else:
        as_of = draw(st.dates(EARLIEST, LATEST))
    request: dict[str, Any] = {"city": policy.city, "as_of": as_of.isoformat()}
    if _chance(draw, 25):
        request["coverage_year"] = as_of.year + draw(st.sampled_from((0, 1, 1, -1)))
    programs = sorted(policy.programs)
    program = draw(st.sampled_from(programs))
    if program != "resident_medical" or draw(st.booleans()):
        request["program"] = program
    person: dict[str, Any] = {}
    birth = draw(st.dates(max(dt.date(1920, 1, 1), as_of - relativedelta(years=100)), as_of))
    region = draw(st.one_of(regions(policy.region), regions()))
    if _chance(draw, 90):
        person["hukou"] = {"region": region}
        if _chance(draw, 80):
            person["hukou"]["kind"] = draw(st.sampled_from(("rural", "urban")))
    sex = draw(st.sampled_from(("female", "male")))
    if _chance(draw, 75):
        person["sex"] = sex
    if identity and draw(st.booleans()):
        person["id_number"] = draw(id_numbers(birth_date=birth, region=region, sex=sex))
        if draw(st.booleans()):
            person["birth_date"] = birth.isoformat()
    elif _chance(draw, 90):
        person["birth_date"] = birth.isoformat()
    if identity and draw(st.booleans()):
        person["name"] = draw(_names())
    if draw(st.booleans()):
        person["student"] = draw(st.booleans())
    for name in _BOOLEAN_FACTS:
        if draw(st.booleans()):
            person[name] = draw(st.booleans())
    person["statuses"] = draw(st.lists(statuses(on=as_of), max_size=3))
    person["enrollments"] = draw(st.lists(_enrollment(as_of), max_size=2))
    request["person"] = person
    choices: dict[str, Any] = {}
    if draw(st.booleans()):
        choices["tier"] = draw(st.sampled_from((1, 2)))
    if _chance(draw, 25):
        choices["pension_grade"] = str(draw(st.sampled_from((100, 180, 200, 300, 360, 500, 1000, 2000))))
    if choices:
        request["choices"] = choices
    parameters = {}
    amounts = _amount_parameters(policy, program)
    for name in _parameters(policy, program):
        if _chance(draw, 80):
            parameters[name] = draw(st.sampled_from(_AMOUNTS if name in amounts else _PREMIUMS))
    for name in _parameters(policy, program, caller_supplied=False):  # a caller may override a stated value
        if _chance(draw, 10):
            parameters[name] = draw(st.sampled_from(_PREMIUMS))
    if parameters:
        request["parameters"] = parameters
    return request


@st.composite
def _enrollment(draw: Any, as_of: dt.date) -> dict[str, Any]:
    scheme = draw(st.sampled_from(("employee_medical", "employee_pension", "resident_medical")))
    if scheme == "resident_medical":
        record: dict[str, Any] = {"scheme": scheme, "year": as_of.year + draw(st.sampled_from((0, 1, -1)))}
        if draw(st.booleans()):
            record["tier"] = draw(st.sampled_from((1, 2)))
        if _chance(draw, 75):
            record["paid_by"] = draw(st.sampled_from(("self", "government")))
        if draw(st.booleans()):
            record["paid_on"] = (as_of - dt.timedelta(days=draw(st.integers(0, 500)))).isoformat()
        return record
    start = as_of - dt.timedelta(days=draw(st.integers(0, 15 * 365)))
    record = {"scheme": scheme, "from": start.isoformat()}
    if draw(st.booleans()):
        record["to"] = (start + dt.timedelta(days=draw(st.integers(0, 10 * 365)))).isoformat()
    if draw(st.booleans()):
        record["region"] = draw(regions())
    return record


def _policy_set(policies: PolicySet | Policy | None) -> PolicySet:
    if policies is None:
        from .. import bundled_policies

        return bundled_policies()
    if isinstance(policies, Policy):
        return PolicySet({policies.city: policies})
    if isinstance(policies, PolicySet):
        return policies
    raise InvalidArgument(f"policies must be a PolicySet, a Policy or None, not {type(policies).__name__}")


def _amount_parameters(policy: Policy, program: str) -> set[str]:
    """Parameters an output pays as the subsidy itself (``amount:``), not as a premium."""
    return {dict(o.sets)["amount"] for _, p in policy.places() if p.name == program
            for o in p.outputs if "amount" in dict(o.sets)}


def _parameters(policy: Policy, program: str, *, caller_supplied: bool = True) -> list[str]:
    """The parameters ``program`` declares: those the caller must supply, or the others."""
    return sorted({parameter.name for _, p in policy.places() if p.name == program
                   for parameter in p.parameters if parameter.caller_supplied == caller_supplied
                   and not parameter.threshold})


class _Ref:
    """A policy handed to composite strategies: Hypothesis prints it by its repr, not field by field."""

    __slots__ = ("policy",)

    def __init__(self, policy: Policy):
        self.policy = policy

    def __repr__(self) -> str:
        return repr(self.policy.city)

"""Planning requests aimed at a rule: the machinery behind ``strategies.requests``.

The policy's own conditions are flattened into goals (an ``any`` picks one part, a ``not``
asks for the opposite), each goal shapes a plan of the person (statuses with the tested
attributes, ages, hukou, enrolments, choices, dates), and every drawn request is checked
with the evaluator before it is returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from dateutil.relativedelta import relativedelta
from hypothesis import reject
from hypothesis import strategies as st

from .._calendar import age_on
from .._compile import CompiledProgram, Policy
from .._conditions import (AgeTest, AllOf, AnyOf, ChoiceTest, CoverageTest, CoverageYearTest, DateTest, EnrolledTest,
                           HukouTest, Not, PersonFact, StatusHeld)
from .._facts import CoverageYearDates
from .._request import STATUS_KINDS
from ._regions import codes_outside, codes_within
from .strategies import (_AMOUNTS, _BOOLEAN_FACTS, _COMMON, _PREMIUMS, EARLIEST, LATEST, _amount_parameters,
                         _chance, _names, _parameters, _Ref, _status_of, _window_dates, id_numbers, regions)


@st.composite
def aimed(draw: Any, ref: _Ref, places: tuple[tuple[int, str], ...],
           category: str | None, outcome: str | None, attempts: int) -> dict[str, Any]:
    from .. import evaluate

    policy = ref.policy
    for _ in range(attempts):
        index, program_name = draw(st.sampled_from(places))
        request = draw(_attempt(ref, index, program_name, category, outcome))
        if request is None:
            continue
        decision = evaluate(request, policy, trace=False)
        if outcome is not None and decision.outcome != outcome:
            continue
        if category is not None and category not in [c.id for c in decision.categories]:
            continue
        return request
    reject()


def _attempt(ref: _Ref, index: int, program_name: str, category: str | None, outcome: str | None
             ) -> st.SearchStrategy[dict[str, Any] | None]:
    """One try: goals (condition, wanted truth) drawn for the aim, then a plan meeting them."""
    program = ref.policy.versions[index].programs[program_name]
    pre = [(r.condition, True) for r in program.preconditions]
    not_excluded = [(r.condition, False) for r in program.exclusions]
    eligible_cats = [c for c in program.categories if c.spec.outcome == "eligible"]
    named = [c for c in program.categories if c.id == category]
    cats = named or eligible_cats or list(program.categories)
    plans: list[st.SearchStrategy[dict[str, Any] | None]] = []

    def plan(goals: list[tuple[Any, bool]], **kw: Any) -> st.SearchStrategy[dict[str, Any] | None]:
        return _planned(ref, index, program_name, goals, **kw)

    def with_category(extra: list[tuple[Any, bool]], **kw: Any) -> st.SearchStrategy[dict[str, Any] | None]:
        # indexes, not rules: Hypothesis' reprs of the strategies stay short
        return st.sampled_from(range(len(cats))).flatmap(
            lambda i: plan(pre + [(cats[i].condition, True)] + extra, **kw))

    if outcome in (None, "eligible"):
        plans.append(with_category(not_excluded))
    if outcome == "referred":
        referred_cats = [c for c in program.categories if c.spec.outcome == "referred" and (not named or c in named)]
        if referred_cats:
            plans.append(st.sampled_from(range(len(referred_cats))).flatmap(
                lambda i: plan(pre + [(referred_cats[i].condition, True)] + not_excluded)))
        for rule in program.exclusions:
            if rule.spec.outcome == "referred":
                plans.append(with_category([(rule.condition, True)]))
    if outcome in ("not_eligible", "enrollment_closed"):
        for rule in program.preconditions:
            if rule.spec.outcome == outcome:
                plans.append(plan([(rule.condition, False)]))
        for rule in program.exclusions:
            if rule.spec.outcome == outcome:
                plans.append(with_category([(rule.condition, True)]))
    if outcome == "not_eligible" and category is None:
        plans.append(plan(pre + [(c.condition, False) for c in program.categories]))
    if outcome == "enrollment_closed":
        plans.append(with_category([], closed_year=True))
    if outcome == "undetermined":
        plans.append(with_category(not_excluded, blank=True))
    if outcome == "no_policy_in_force":
        plans.append(_out_of_force(ref, program_name))
    if not plans:
        plans.append(with_category([]))
    return st.one_of(plans)


# --- planning a person that meets conditions --------------------------------------------------


@dataclass
class _Probe(CoverageYearDates):
    """Enough of the evaluator's facts to resolve a policy's date expressions while planning."""

    as_of: dt.date
    coverage_year: int
    status_date: dt.date
    person: Any = None
    primary_witness: int | None = None


@dataclass
class _Plan:
    policy: Policy
    program: CompiledProgram
    as_of: dt.date
    window: tuple[dt.date, dt.date]
    coverage_year: int | None = None          # given in the request
    birth_date: dt.date | None = None
    sex: str | None = None
    student: bool | None = None
    hukou_region: str | None = None
    hukou_kind: str | None = None
    statuses: list[dict[str, Any]] = field(default_factory=list)
    forbidden_kinds: set[str] = field(default_factory=set)
    enrollments: list[dict[str, Any]] = field(default_factory=list)
    forbidden_schemes: set[str] = field(default_factory=set)
    choices: dict[str, Any] = field(default_factory=dict)
    tested: list[tuple[Any, ...]] = field(default_factory=list)   # facts the goals read, to leave one out
    facts: dict[str, Any] = field(default_factory=dict)            # other person facts (social_security_card)

    def effective_coverage_year(self) -> int:
        return self.program.coverage_year(self.as_of, self.coverage_year)

    def probe(self) -> _Probe:
        return _Probe(self.as_of, self.effective_coverage_year(), self.as_of)


def _leaves(draw: Any, condition: Any, want: bool, out: list[tuple[Any, bool]]) -> None:
    """Flatten a condition into leaf goals: an ``any`` picks one part, a false ``all`` one part."""
    if condition is None:
        return
    if isinstance(condition, Not):
        _leaves(draw, condition.part, not want, out)
    elif isinstance(condition, (AllOf, AnyOf)):
        if not condition.parts:
            return
        every = isinstance(condition, AllOf) == want
        if every:
            for part in condition.parts:
                _leaves(draw, part, want, out)
        else:
            _leaves(draw, draw(st.sampled_from(condition.parts)), want, out)
    else:
        out.append((condition, want))


_PHASE = {DateTest: 0, CoverageTest: 0, CoverageYearTest: 0, AgeTest: 1, HukouTest: 1, PersonFact: 1, ChoiceTest: 1,
          StatusHeld: 2, EnrolledTest: 2}


@st.composite
def _planned(draw: Any, ref: _Ref, index: int, program_name: str, goals: list[tuple[Any, bool]],
             closed_year: bool = False, blank: bool = False) -> dict[str, Any] | None:
    policy = ref.policy
    version = policy.versions[index]
    program = version.programs[program_name]
    window = _window_dates(version)
    assert window is not None
    rule_years = program.spec.coverage_year.years
    start, end = window
    plan_year = None
    if rule_years:  # the version rules some insurance years only: apply for one of them
        plan_year = draw(st.sampled_from(rule_years))
        start, end = max(start, dt.date(plan_year - 1, 1, 1)), min(end, dt.date(plan_year, 12, 31))
        if start > end:
            return None
    plan = _Plan(policy, program, draw(st.dates(start, end)), (start, end), coverage_year=plan_year)
    leaves: list[tuple[Any, bool]] = []
    for condition, want in goals:
        _leaves(draw, condition, want, leaves)
    leaves.sort(key=lambda leaf: _PHASE.get(type(leaf[0]), 3))
    defaults_done = False
    for condition, want in leaves:
        if _PHASE.get(type(condition), 3) >= 2 and not defaults_done:
            _fill_person(draw, plan)
            defaults_done = True
        handler = _HANDLERS.get(type(condition))
        if handler is not None:
            handler(draw, plan, condition, want)
    if not defaults_done:
        _fill_person(draw, plan)
    if closed_year:
        plan.coverage_year = plan.as_of.year - 1
    if _chance(draw, 20):  # an unrelated extra status, as real people have
        kinds = [k for k in STATUS_KINDS if k not in plan.forbidden_kinds]
        if kinds:
            plan.statuses.append(draw(_status_of(draw(st.sampled_from(kinds)), plan.as_of, True)))
    request = _request_of(draw, plan, program_name)
    if blank and request is not None:
        request = _blank_one(draw, request, plan.tested)
    return request


def _fill_person(draw: Any, plan: _Plan) -> None:
    if plan.birth_date is None:
        plan.birth_date = plan.as_of - dt.timedelta(days=draw(st.integers(18 * 366, 85 * 365)))
    if plan.hukou_region is None:
        plan.hukou_region = draw(regions(plan.policy.region))
    if plan.hukou_kind is None:
        plan.hukou_kind = draw(st.sampled_from(("rural", "urban")))
    if plan.sex is None:
        plan.sex = draw(st.sampled_from(("female", "male")))
    if plan.student is None:
        plan.student = draw(st.booleans())
    plan.choices.setdefault("tier", draw(st.sampled_from((1, 2))))
    for name in _BOOLEAN_FACTS:
        plan.facts.setdefault(name, draw(st.booleans()))


def _on_date(draw: Any, plan: _Plan, condition: DateTest, want: bool) -> None:
    bound = condition.bound.resolve(plan.probe())
    if bound is None:
        return
    op = condition.op if want else _NEGATED[condition.op]
    start, end = plan.window
    if op in ("before", "on_or_before"):
        end = min(end, bound - dt.timedelta(days=1) if op == "before" else bound)
    else:
        start = max(start, bound + dt.timedelta(days=1) if op == "after" else bound)
    if condition.bound_time is not None:  # keep clear of the closing day, whose hour decides
        if op in ("before", "on_or_before"):
            end = min(end, bound - dt.timedelta(days=1))
        else:
            start = max(start, bound + dt.timedelta(days=1))
    if start <= end:
        plan.as_of = draw(st.dates(start, end))


_NEGATED = {"before": "on_or_after", "on_or_before": "after", "after": "on_or_before", "on_or_after": "before"}


def _on_coverage(draw: Any, plan: _Plan, condition: CoverageTest, want: bool) -> None:
    full = (condition.mode == "full_year") == want
    plan.coverage_year = plan.as_of.year + (1 if full else 0)


def _on_age(draw: Any, plan: _Plan, condition: AgeTest, want: bool) -> None:
    day = condition.at.resolve(plan.probe()) or plan.as_of
    low, high = condition.at_least or 0, (condition.under or 101) - 1
    if not want:
        sides = ([(0, low - 1)] if condition.at_least else []) + ([(high + 1, 100)] if condition.under else [])
        sides = [s for s in sides if s[0] <= s[1]]
        if not sides:
            return
        low, high = draw(st.sampled_from(sides))
    if low > high:
        return
    age = draw(st.integers(low, min(high, 100)))
    latest = day - relativedelta(years=age)
    earliest = day - relativedelta(years=age + 1) + dt.timedelta(days=1)
    latest = min(latest, plan.as_of)
    if earliest > latest:
        return
    birth = draw(st.dates(earliest, latest))
    if age_on(birth, day) == age:
        plan.birth_date = birth
        plan.tested.append(("birth_date",))


def _on_hukou(draw: Any, plan: _Plan, condition: HukouTest, want: bool) -> None:
    parts = (["region"] if condition.regions else []) + (["kind"] if condition.kind else [])
    if not parts:
        return
    negate = set() if want else {draw(st.sampled_from(parts))}
    if condition.regions:
        if "region" in negate:
            plan.hukou_region = draw(st.sampled_from(codes_outside(condition.regions)))
        else:
            plan.hukou_region = draw(st.sampled_from(codes_within(condition.regions)))
    if condition.kind:
        other = "urban" if condition.kind == "rural" else "rural"
        plan.hukou_kind = other if "kind" in negate else condition.kind
    plan.tested += [("hukou", part) for part in parts]


def _on_person_fact(draw: Any, plan: _Plan, condition: PersonFact, want: bool) -> None:
    expected = condition.expected
    other = (not expected) if isinstance(expected, bool) else ("male" if expected == "female" else "female")
    value = expected if want else other
    if condition.name in ("sex", "student"):
        setattr(plan, condition.name, value)
    else:
        plan.facts[condition.name] = value
    plan.tested.append((condition.name,))


def _on_choice(draw: Any, plan: _Plan, condition: ChoiceTest, want: bool) -> None:
    if not want:
        return
    if condition.allowed:
        value = draw(st.sampled_from(sorted(condition.allowed, key=str)))
    else:
        low = condition.at_least if condition.at_least is not None else 1
        high = condition.at_most if condition.at_most is not None else low + 1000
        value = draw(st.integers(int(low), int(high))) if low <= high else low
    plan.choices[condition.name] = value if condition.name == "tier" else str(value)


def _on_status(draw: Any, plan: _Plan, condition: StatusHeld, want: bool) -> None:
    if not want:
        plan.forbidden_kinds.update(condition.kinds)
        plan.statuses = [s for s in plan.statuses if s["kind"] not in condition.kinds]
        return
    existing = [s for s in plan.statuses if s["kind"] in condition.kinds]
    kinds = [k for k in condition.kinds if k not in plan.forbidden_kinds] or list(condition.kinds)
    status = existing[0] if existing else draw(_status_of(draw(st.sampled_from(kinds)), plan.as_of, True))
    status.pop("until", None)  # held on the status date
    for name, allowed in condition.tests:
        status[name] = draw(st.sampled_from(sorted(allowed, key=str)))
    if condition.area is not None:
        status["area"] = draw(st.sampled_from(sorted(condition.area)))
    if condition.certificate_valid:
        status["certificate_valid_until"] = (plan.as_of + dt.timedelta(days=draw(st.integers(1, 3650)))).isoformat()
    woman_age = condition.woman_age
    if woman_age is not None:  # family planning: the age of the woman of the couple
        low, under = woman_age
        age = draw(st.integers(low or 20, max(low or 20, (under or 60) - 1)))
        status["woman_birth_date"] = (plan.as_of - relativedelta(years=age)
                                      - dt.timedelta(days=draw(st.integers(1, 360)))).isoformat()
    since = dt.date.fromisoformat(status["since"])
    earliest, latest = EARLIEST, plan.as_of
    held_on = condition.on
    if held_on is not None:  # held on another day than the status date
        day = held_on.resolve(plan.probe())
        if day is not None:
            latest = min(latest, day)
    if plan.birth_date is not None and plan.birth_date <= latest:
        earliest = max(earliest, plan.birth_date)
    for op, expr in condition.since_tests:
        bound = expr.resolve(plan.probe())
        if bound is None:
            continue
        if op in ("before", "on_or_before"):
            latest = min(latest, bound - dt.timedelta(days=1) if op == "before" else bound)
        else:
            earliest = max(earliest, bound + dt.timedelta(days=1) if op == "after" else bound)
    if not earliest <= since <= latest and earliest <= latest:
        since = draw(st.dates(earliest, latest))
    status["since"] = since.isoformat()
    if not existing:
        plan.statuses.append(status)
    position = next(i for i, s in enumerate(plan.statuses) if s is status)
    plan.tested += [("statuses", position, name) for name, _ in condition.tests]
    if condition.certificate_valid:
        plan.tested.append(("statuses", position, "certificate_valid_until"))


def _on_enrolled(draw: Any, plan: _Plan, condition: EnrolledTest, want: bool) -> None:
    if not want:
        plan.forbidden_schemes.add(condition.scheme)
        plan.enrollments = [e for e in plan.enrollments if e["scheme"] != condition.scheme]
        return
    if condition.scheme == "resident_medical":
        record: dict[str, Any] = {"scheme": "resident_medical", "year": plan.effective_coverage_year(),
                                  "tier": draw(st.sampled_from((1, 2))),
                                  "paid_by": condition.paid_by or draw(st.sampled_from(("self", "government"))),
                                  "paid_on": (plan.as_of - dt.timedelta(days=draw(st.integers(0, 120)))).isoformat()}
        plan.enrollments.append(record)
        return
    day = condition.on.resolve(plan.probe()) if condition.on is not None else plan.as_of
    day = min(day or plan.as_of, plan.as_of)
    if condition.ended_within_months is None:
        start = day - dt.timedelta(days=draw(st.integers(0, 10 * 365)))
        record = {"scheme": condition.scheme, "from": start.isoformat()}
        if draw(st.booleans()):
            record["to"] = (day + dt.timedelta(days=draw(st.integers(0, 3 * 365)))).isoformat()
    else:
        ended = day - dt.timedelta(days=draw(st.integers(1, max(1, condition.ended_within_months * 28))))
        start = ended - dt.timedelta(days=draw(st.integers(0, 10 * 365)))
        record = {"scheme": condition.scheme, "from": start.isoformat(), "to": ended.isoformat()}
    region = draw(st.sampled_from(codes_within(condition.region))) if condition.region else plan.hukou_region
    if region:
        record["region"] = region
    plan.enrollments.append(record)


def _on_coverage_year(draw: Any, plan: _Plan, condition: Any, want: bool) -> None:
    if want:
        years = sorted(condition.years)
    else:
        years = [y for y in (plan.as_of.year, plan.as_of.year + 1) if y not in condition.years]
    if not years:
        return
    year = draw(st.sampled_from(years))
    plan.coverage_year = year
    if plan.as_of.year > year:  # apply in time: in the insurance year or the one before
        start, end = max(plan.window[0], dt.date(year - 1, 1, 1)), min(plan.window[1], dt.date(year, 12, 31))
        if start <= end:
            plan.as_of = draw(st.dates(start, end))




_HANDLERS: dict[type, Callable[..., None]] = {
    DateTest: _on_date, CoverageTest: _on_coverage, AgeTest: _on_age, HukouTest: _on_hukou,
    PersonFact: _on_person_fact, ChoiceTest: _on_choice, StatusHeld: _on_status, EnrolledTest: _on_enrolled,
    CoverageYearTest: _on_coverage_year,
}


def _request_of(draw: Any, plan: _Plan, program_name: str) -> dict[str, Any] | None:
    as_of = plan.as_of
    for status in plan.statuses:  # nothing granted after the application
        if dt.date.fromisoformat(status["since"]) > as_of:
            return None
    if plan.statuses:  # a registration paid once the statuses were granted (``status_date: registration``)
        granted = max(s["since"] for s in plan.statuses)
        for record in plan.enrollments:
            if record.get("paid_on") and record["paid_on"] < granted:
                record["paid_on"] = granted
    person: dict[str, Any] = {"birth_date": plan.birth_date.isoformat() if plan.birth_date else None,
                              "sex": plan.sex, "student": plan.student,
                              "hukou": {"region": plan.hukou_region, "kind": plan.hukou_kind},
                              "statuses": plan.statuses, "enrollments": plan.enrollments, **plan.facts}
    if plan.birth_date and plan.birth_date <= as_of and _chance(draw, 33):
        person["id_number"] = draw(id_numbers(birth_date=plan.birth_date, region=plan.hukou_region, sex=plan.sex))
        person["name"] = draw(_names())
    request: dict[str, Any] = {"city": plan.policy.city, "as_of": as_of.isoformat(), "person": person,
                               "choices": dict(plan.choices)}
    if plan.coverage_year is not None:
        request["coverage_year"] = plan.coverage_year
    if program_name != "resident_medical":
        request["program"] = program_name
    amounts = _amount_parameters(plan.policy, program_name)
    parameters = {name: draw(st.sampled_from(_AMOUNTS if name in amounts else _PREMIUMS))
                  for name in _parameters(plan.policy, program_name)}
    if parameters:
        request["parameters"] = parameters
    return request


def _blank_one(draw: Any, request: dict[str, Any], tested: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Leave out one fact a rule may need (for ``outcome='undetermined'``): one the aimed-at
    conditions read, or any when they read none."""
    person = request["person"]
    options: list[tuple[Any, ...]] = [("birth_date",), ("sex",), ("student",), ("hukou", "region"),
                                      ("hukou", "kind")] + [(name,) for name in _BOOLEAN_FACTS]
    for index, status in enumerate(person["statuses"]):
        options += [("statuses", index, key) for key in status if key not in _COMMON]
        if "area" in status:
            options.append(("statuses", index, "area"))
    present = [t for t in tested if t in options]
    choice = draw(st.sampled_from(present or options))
    person = {**person, "hukou": dict(person["hukou"]),
              "statuses": [dict(s) for s in person["statuses"]]}
    if choice[0] == "birth_date":
        person.pop("id_number", None)
        person["birth_date"] = None
    elif choice[0] == "statuses":
        person["statuses"][choice[1]].pop(choice[2])
    elif choice[0] == "hukou":
        person["hukou"][choice[1]] = None
    else:
        person[choice[0]] = None
    return {**request, "person": person}


@st.composite
def _out_of_force(draw: Any, ref: _Ref, program_name: str) -> dict[str, Any] | None:
    """A request no version rules: before the first window, after the last, or for a year not ruled."""
    policy = ref.policy
    gaps = []
    first = min(v.spec.effective.from_ for v in policy.versions)
    if first > EARLIEST:
        gaps.append((EARLIEST, first - dt.timedelta(days=1)))
    ends = [v.spec.effective.to for v in policy.versions]
    if all(ends) and max(ends) < LATEST:  # type: ignore[type-var]
        gaps.append((max(ends) + dt.timedelta(days=1), LATEST))  # type: ignore[type-var,operator]
    requests_: list[dict[str, Any]] = []
    if gaps:
        start, end = draw(st.sampled_from(gaps))
        as_of = draw(st.dates(start, end))
        requests_.append({"city": policy.city, "as_of": as_of.isoformat(), "coverage_year": as_of.year,
                          "person": {"birth_date": "1970-01-01"}})
    years = sorted({y for v in policy.versions if program_name in v.programs
                    for y in v.programs[program_name].spec.coverage_year.years or ()})
    if years and all(v.programs[program_name].spec.coverage_year.years
                     for v in policy.versions if program_name in v.programs):
        as_of = draw(st.dates(EARLIEST, LATEST))
        year = draw(st.sampled_from([y for y in (as_of.year, as_of.year + 1) if y not in years] or [as_of.year]))
        requests_.append({"city": policy.city, "as_of": as_of.isoformat(), "coverage_year": year,
                          "person": {"birth_date": "1970-01-01"}})
    if not requests_:
        return None
    request = draw(st.sampled_from(requests_))
    if program_name != "resident_medical":
        request["program"] = program_name
    return request

"""Planning requests aimed at a rule: the machinery behind ``strategies.requests``.

The policy's own conditions are flattened into goals (an ``any`` picks one part, a ``not``
asks for the opposite), each goal shapes a plan of the person (statuses with the tested
attributes, ages, hukou, enrolments, choices, dates), and every drawn request is checked
with the evaluator before it is returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from hypothesis import reject
from hypothesis import strategies as st

from ..contract import STATUS_KINDS
from ..language import DateExpr, Node, Policy, Program, date_function
from ..language.kinds import kind_of
from ._drawing import (_AMOUNTS, _BOOLEAN_FACTS, _COMMON, _PREMIUMS, EARLIEST, LATEST, _amount_parameters, _chance,
                       _names, _parameters, _Ref, _status_of, _window_dates, id_numbers, regions)
from ._regions import codes_outside, codes_within


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
    program = ref.policy.versions[index].program(program_name)
    assert program is not None
    pre = [(r.condition, True) for r in program.preconditions]
    not_excluded = [(r.condition, False) for r in program.exclusions]
    eligible_cats = [c for c in program.categories if c.outcome == "eligible"]
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
        referred_cats = [c for c in program.categories if c.outcome == "referred" and (not named or c in named)]
        if referred_cats:
            plans.append(st.sampled_from(range(len(referred_cats))).flatmap(
                lambda i: plan(pre + [(referred_cats[i].condition, True)] + not_excluded)))
        for rule in program.exclusions:
            if rule.outcome == "referred":
                plans.append(with_category([(rule.condition, True)]))
    if outcome in ("not_eligible", "enrollment_closed"):
        for rule in program.preconditions:
            if rule.outcome == outcome:
                plans.append(plan([(rule.condition, False)]))
        for rule in program.exclusions:
            if rule.outcome == outcome:
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


class _Probe:
    """Enough of the evaluator's facts to resolve a policy's date expressions while planning."""

    def __init__(self, as_of: dt.date, coverage_year: int):
        self.as_of, self.coverage_year, self.status_date = as_of, coverage_year, as_of
        self.coverage_year_start = dt.date(coverage_year, 1, 1)
        self.coverage_year_end = dt.date(coverage_year, 12, 31)
        self.person, self.primary_witness = None, None


@dataclass
class _Plan:
    """A request being planned: each condition kind's ``aim`` shapes it (``kinds/``)."""

    draw: Any
    policy: Policy
    program: Program
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
    goals: list[tuple[Node, bool]] = field(default_factory=list)
    earliest: dt.date = EARLIEST

    # -- what the kinds call ------------------------------------------------------------------
    def draw_dates(self, start: dt.date, end: dt.date) -> dt.date:
        return self.draw(st.dates(start, end))

    def draw_from(self, options: Any) -> Any:
        return self.draw(st.sampled_from(list(options)))

    def draw_int(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def draw_region(self, prefixes: tuple[str, ...], *, inside: bool) -> str:
        return self.draw_from(codes_within(prefixes) if inside else codes_outside(prefixes))

    def new_status(self, kind: str) -> dict[str, Any]:
        return self.draw(_status_of(kind, self.as_of, True))

    def years_before(self, day: dt.date, years: int, days: int) -> dt.date:
        return day - relativedelta(years=years) - dt.timedelta(days=days)

    def set_person_fact(self, name: str, value: Any) -> None:
        if name in ("sex", "student"):
            setattr(self, name, value)
        else:
            self.facts[name] = value

    def effective_coverage_year(self) -> int:
        return self.program.coverage_year(self.as_of, self.coverage_year)

    def threshold(self, value: Any) -> int | None:
        """A threshold's whole number in the planned coverage year (a parameter's value there)."""
        return self.program.threshold(value, self.effective_coverage_year())

    def resolve(self, expr: DateExpr) -> dt.date | None:
        return date_function(expr)(_Probe(self.as_of, self.effective_coverage_year()))  # type: ignore[arg-type]

    def apply_for_year(self, year: int) -> None:
        self.coverage_year = year
        if self.as_of.year > year:  # apply in time: in the insurance year or the one before
            start, end = max(self.window[0], dt.date(year - 1, 1, 1)), min(self.window[1], dt.date(year, 12, 31))
            if start <= end:
                self.as_of = self.draw_dates(start, end)

    def aim(self, node: Node | None, want: bool) -> None:
        """Flatten ``node`` into leaf goals (a composition's kind picks its parts)."""
        if node is None:
            return
        kind = kind_of(node)
        if kind.phase < 0:
            kind.aim(node, self, want)
        else:
            self.goals.append((node, want))


@st.composite
def _planned(draw: Any, ref: _Ref, index: int, program_name: str, goals: list[tuple[Any, bool]],
             closed_year: bool = False, blank: bool = False) -> dict[str, Any] | None:
    policy = ref.policy
    version = policy.versions[index]
    program = version.program(program_name)
    assert program is not None
    window = _window_dates(version)
    assert window is not None
    start, end = window
    plan_year = None
    if program.years:  # the version rules some insurance years only: apply for one of them
        plan_year = draw(st.sampled_from(program.years))
        start, end = max(start, dt.date(plan_year - 1, 1, 1)), min(end, dt.date(plan_year, 12, 31))
        if start > end:
            return None
    plan = _Plan(draw, policy, program, draw(st.dates(start, end)), (start, end), coverage_year=plan_year)
    for condition, want in goals:
        plan.aim(condition, want)
    leaves = sorted(plan.goals, key=lambda leaf: kind_of(leaf[0]).phase)
    defaults_done = False
    for condition, want in leaves:
        kind = kind_of(condition)
        if kind.phase >= 2 and not defaults_done:
            _fill_person(draw, plan)
            defaults_done = True
        kind.aim(condition, plan, want)
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
    first = min(v.effective_from for v in policy.versions)
    if first > EARLIEST:
        gaps.append((EARLIEST, first - dt.timedelta(days=1)))
    ends = [v.effective_to for v in policy.versions]
    if all(ends) and max(ends) < LATEST:  # type: ignore[type-var]
        gaps.append((max(ends) + dt.timedelta(days=1), LATEST))  # type: ignore[type-var,operator]
    requests_: list[dict[str, Any]] = []
    if gaps:
        start, end = draw(st.sampled_from(gaps))
        as_of = draw(st.dates(start, end))
        requests_.append({"city": policy.city, "as_of": as_of.isoformat(), "coverage_year": as_of.year,
                          "person": {"birth_date": "1970-01-01"}})
    programs = [p for _, p in policy.places() if p.name == program_name]
    years = sorted({y for p in programs for y in p.years or ()})
    if years and all(p.years for p in programs):
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

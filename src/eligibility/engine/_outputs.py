"""Outputs and the subsidy: what an eligible or referred decision carries.

Outputs apply in policy order; for a single-valued field the applying output of best
precedence wins (one that ``overrides`` another ranks before it; otherwise policy order),
lists accumulate. The subsidy is share × premium (or an amount parameter), rounded half-up
to the fen at the end, in a local decimal context.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any, NamedTuple

from ..contract import Decision, Deadline, OpenDeadline, OpenPart, ParameterUse, Subsidy, Tier, TierBenefit, build_model
from ..errors import CalendarError
from ..language import Program, Rule
from ..language.kinds import Facts


_FEN = Decimal("0.01")
_MONEY = Context(prec=40, rounding=ROUND_HALF_UP)


def apply_outputs(run: Any, program: Any, rules: Any, facts: Facts, primary: Rule, common: dict[str, Any],
                  open_categories: list[OpenPart]) -> Decision:
    """The outputs that apply, in order, and the decision they make with the primary category.

    Each part is settled on its own, three-valued: an output whose condition is unknown
    leaves the parts it would set open (``Decision.open``), never shown as holding; a
    single-valued field is open when an earlier unknown output could set another value."""
    chosen: dict[str, tuple[Any, Rule]] = {}
    flags: list[str] = []
    deadlines: list[Deadline] = []
    still_open: list[OpenDeadline] = []
    benefits: list[TierBenefit] = []
    unknown: list[tuple[Any, Any, tuple[str, ...]]] = []   # (output, plan, missing) of outputs not settled
    doubted: dict[str, list[tuple[Any, Rule, tuple[str, ...]]]] = {}  # field -> values unknown outputs would set
    as_of = facts.as_of
    precedence = rules.precedence
    ranks: dict[str, int] = {}   # field -> the rank of the output that set it
    for output, evaluate, plan in rules.outputs:
        rule = output.rule
        error = None
        try:  # free unless raised: an error names the output it was raised in
            result = evaluate(facts)
            value = result[0]
            if value is None:
                unknown.append((output, plan, result[1]))
                for name, set_value in _settings(plan, facts):
                    doubted.setdefault(name, []).append((set_value, rule, result[1]))
                continue
            if not value:
                continue
            rank = precedence[rule.id]
            for name, set_value in plan.sets:
                if name not in chosen or rank < ranks[name]:
                    chosen[name], ranks[name] = (set_value, rule), rank
            if plan.benefit_start is not None and ("benefit_start" not in chosen or rank < ranks["benefit_start"]):
                chosen["benefit_start"], ranks["benefit_start"] = (plan.benefit_start(facts), rule), rank
            if plan.benefit_end is not None and ("benefit_end" not in chosen or rank < ranks["benefit_end"]):
                chosen["benefit_end"], ranks["benefit_end"] = (plan.benefit_end(facts), rule), rank
            for flag in plan.flags:
                if flag not in flags:
                    flags.append(flag)
            for action, label, due_of in plan.deadlines:
                try:
                    due = due_of(facts)  # computed only here: for an output that applies
                except CalendarError as exc:
                    # one deadline the calendar cannot count does not stop the decision: it is open
                    still_open.append(build_model(OpenDeadline, action=action, label=label, clause=rule.clause,
                                                  rule=rule.id, code="calendar_not_covered", reason=exc.reason))
                    continue
                if due is not None:
                    deadlines.append(build_model(Deadline, action=action, label=label, due=due,
                                                 clause=rule.clause, rule=rule.id, passed=due < as_of))
            for item, label, benefit in plan.benefits:
                benefits.append(build_model(TierBenefit, item=item, label=label, value=benefit, clause=rule.clause))
        except Exception as exc:
            error = naming(exc, rule)
            if error is None:
                raise
        if error is not None:
            raise error  # outside the except block: the unnamed error is not chained to it
    if doubted and chosen:  # an unknown output ranked after the one that set a field cannot change it
        doubted = {name: [entry for entry in values if name not in ranks or precedence[entry[1].id] < ranks[name]]
                   for name, values in doubted.items()}
    open_parts, unsettled = _open_parts(unknown, doubted, chosen, flags) if unknown else ([], frozenset())
    for name in unsettled:
        chosen.pop(name, None)
    outcome = primary.outcome or "eligible"
    subsidy = _subsidy(run, program.program, facts, chosen, unsettled) if outcome == "eligible" else None
    tier_value = chosen["tier"][0] if "tier" in chosen else None
    if tier_value == "chosen":
        tier_value = run.request.choices.tier
    tier = build_model(Tier, level=tier_value, benefits=benefits) if tier_value is not None or benefits else None
    region = _responsible_region(chosen["responsible_region"][0], facts) if "responsible_region" in chosen else None
    if len(deadlines) > 1:
        deadlines.sort(key=_deadline_order)
    start = chosen["benefit_start"][0] if "benefit_start" in chosen else None
    end = chosen["benefit_end"][0] if "benefit_end" in chosen else None
    note = None
    if start is not None and end is not None and start > end:  # benefits would start after the year ends
        start = end = None
        note = "no_benefit_days_in_coverage_year"
    return run.finish(
        outcome, primary_category=primary.id, subsidy=subsidy, flags=flags, tier=tier,
        benefit_start=start, benefit_end=end, benefit_note=note,
        deadlines=deadlines, open_deadlines=still_open, responsible_region=region,
        enrollment_unit=chosen["enrollment_unit"][0] if "enrollment_unit" in chosen else None,
        referred_to=primary.department if outcome == "referred" else None,
        open=[*open_categories, *open_parts] if open_categories else open_parts, **common)


def _settings(plan: Any, facts: Facts) -> Any:
    """The single-valued fields an output sets, its benefit dates included."""
    yield from plan.sets
    if plan.benefit_start is not None:
        yield "benefit_start", plan.benefit_start(facts)
    if plan.benefit_end is not None:
        yield "benefit_end", plan.benefit_end(facts)


# the decision part a single-valued output field is
_PART_OF = {"funding_source": "subsidy.funding_source", "payment": "subsidy.payment", "share": "subsidy.amount",
            "premium": "subsidy.amount", "amount": "subsidy.amount", "tier": "tier.level"}


def _open_parts(unknown: list[tuple[Any, Any, tuple[str, ...]]],
                doubted: dict[str, list[tuple[Any, Rule, tuple[str, ...]]]],
                chosen: dict[str, tuple[Any, Rule]], flags: list[str]) -> tuple[list[OpenPart], frozenset[str]]:
    """The parts the unknown outputs leave open, and the single-valued fields no longer
    settled: one an unknown output before the deciding one would set to another value, or
    that only unknown outputs set."""
    parts: list[OpenPart] = []
    seen: set[tuple[str, str]] = set()

    def add(part: str, rule: Rule, needs: tuple[str, ...]) -> None:
        if (part, rule.id) not in seen:
            seen.add((part, rule.id))
            parts.append(build_model(OpenPart, part=part, needs=sorted(set(needs)), rule=rule.name.path,
                                     clause=rule.clause))

    unsettled = set()
    for name, values in doubted.items():
        settled = chosen.get(name)
        for value, rule, needs in values:
            if settled is None or value != settled[0]:
                unsettled.add(name)
                add(_PART_OF.get(name, name), rule, needs)
    for output, plan, needs in unknown:
        rule = output.rule
        for flag in plan.flags:
            if flag not in flags:
                add(f"flags.{flag}", rule, needs)
        for action, _, _ in plan.deadlines:
            add(f"deadlines.{action}", rule, needs)
        for item, _, _ in plan.benefits:
            add(f"tier.benefits.{item}", rule, needs)
    if unsettled & {"share", "premium", "amount"}:
        unsettled |= {"share", "premium", "amount"}
    return parts, frozenset(unsettled)


def naming(exc: Exception, rule: Rule | None) -> Exception | None:
    """The error to raise for ``exc`` raised while ``rule`` was evaluated: a CalendarError
    naming the rule and clause, or None when ``exc`` itself is raised (noted with the rule)."""
    if rule is None:
        return None
    if isinstance(exc, CalendarError):
        return None if exc.rule is not None else CalendarError(exc.reason, rule=rule.id, clause=rule.clause)
    exc.add_note(f"while evaluating {rule.kind} {rule.id!r} [{rule.clause}]")
    return None


def _deadline_order(deadline: Deadline) -> tuple[dt.date, str]:
    return deadline.due, deadline.action


def _responsible_region(how: str, facts: Facts) -> str | None:
    hukou = facts.person.hukou.region if facts.person.hukou else None
    if how == "approving_region" and facts.primary_witness is not None:
        return facts.person.statuses[facts.primary_witness].approved_by or hukou
    return hukou


class ParameterValue(NamedTuple):
    """A parameter's value for this decision and where it came from (``origin``: policy,
    request or missing; ``source``: the citation, ``request``, or why it is missing)."""

    name: str
    value: Decimal | None
    unit: str
    effective_from: dt.date | None
    source: str
    origin: str


def parameter_value(program: Program, name: str, facts: Facts) -> ParameterValue:
    """The value of parameter ``name`` for this decision: the request's, else the policy's
    on the first day of the coverage year."""
    parameter = program.parameter(name)
    assert parameter is not None  # the compiler checked every parameter an output names
    supplied = facts.request.parameters
    if name in supplied:
        return ParameterValue(name, supplied[name], parameter.unit, None, "request", "request")
    current = parameter.value_on(facts.coverage_year_start)
    if current is None:
        return ParameterValue(name, None, parameter.unit, None, parameter.note or "not stated by the policy", "missing")
    return ParameterValue(name, current.value, parameter.unit, current.from_, current.source, "policy")


def money(value: Decimal | None) -> str | None:
    """Yuan to the fen, rounded half-up, never negative zero."""
    if value is None:
        return None
    rounded = value.quantize(_FEN, context=_MONEY)
    return str(rounded.copy_abs() if rounded.is_zero() else rounded)


def _subsidy(run: Any, program: Program, facts: Facts, chosen: dict[str, tuple[Any, Rule]],
             unsettled: frozenset[str] = frozenset()) -> Subsidy:
    funding = chosen["funding_source"][0] if "funding_source" in chosen else None
    payment = chosen["payment"][0] if "payment" in chosen else None
    uses: list[ParameterValue] = []
    note = None
    rule: Rule | None
    if "amount" in chosen:
        pname, rule = chosen["amount"]
        use = parameter_value(program, pname, facts)
        uses.append(use)
        if use.value is None:
            note = f"{pname} is not stated by the policy and was not supplied in request.parameters"
        result = build_model(Subsidy, amount=money(use.value), share=None, premium=None, premium_parameter=pname,
                             premium_source=use.origin, premium_effective_from=use.effective_from,
                             premium_citation=use.source, funding_source=funding, payment=payment, note=note)
    else:
        share = chosen["share"][0] if "share" in chosen else None
        pname, rule = chosen.get("premium", (None, None))
        premium, source, use_ = None, None, None
        if pname is not None:
            use_ = parameter_value(program, pname, facts)
            premium, source = use_.value, use_.origin
            uses.append(use_)
            if premium is None:
                note = (f"the premium ({pname}) is not stated by the policy and was not supplied in "
                        "request.parameters; the amount is unknown")
        amount = _MONEY.multiply(share, premium) if share is not None and premium is not None else None
        if "amount" in unsettled:
            note = "the amount depends on facts the request does not give (see `open`)"
        result = build_model(Subsidy, amount=money(amount), share=str(share) if share is not None else None,
                             premium=money(premium), premium_parameter=pname, premium_source=source,
                             premium_effective_from=use_.effective_from if use_ else None,
                             premium_citation=use_.source if use_ else None,
                             funding_source=funding, payment=payment, note=note)
    tracer = run.tracer
    if tracer.recording:
        tracer.step("subsidy", "subsidy", rule.clause if rule is not None else None, "资助金额",
                    True if result.amount is not None else None,
                    facts={"amount": result.amount, "share": result.share},
                    parameters=[build_model(ParameterUse, name=u.name, value=None if u.value is None else str(u.value),
                                            unit=u.unit, effective_from=u.effective_from, source=u.source)
                                for u in uses])
    return result


__all__ = ["ParameterUse", "apply_outputs", "money", "parameter_value"]

"""Evaluation: one request against a compiled policy, producing a Decision with its trace.

The order is fixed and every step is recorded: version in force, coverage year,
preconditions, categories (in priority order), exclusions, outputs, subsidy, outcome.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from ._compile import CompiledProgram, CompiledRule, CompiledVersion, Policy
from ._facts import Facts, Result
from ._decision import TRACE_STEPS, Decision, ParameterUse, Reason, Subsidy
from ._request import Request

_FEN = Decimal("0.01")
_ALWAYS = Result(True)
_TRI = {True: "true", False: "false", None: "unknown"}


def evaluate_policy(policy: Policy, request: Request, *, trace: bool = True) -> Decision:
    """Evaluate ``request`` against ``policy`` (already matched by city).

    The decision is reached untraced. With ``trace``, the decision gets the means to replay
    the same evaluation with tracing on when its trace is first read: evaluation is a pure
    function of the (immutable) policy and request, so the replay takes the same path.
    """
    decision = _Run(policy, request, tracing=False).decide()
    if trace:
        decision._replay = lambda: _Run(policy, request, tracing=True).decide()
    return decision


class _Run:
    """One evaluation. Untraced, ``decide`` returns the Decision; tracing (the replay behind a
    decision's trace), it returns the trace steps of the same path."""

    def __init__(self, policy: Policy, request: Request, *, tracing: bool):
        self.policy, self.request, self.tracing = policy, request, tracing
        self.steps: list[dict[str, Any]] = []
        self.reasons: list[Reason] = []

    # -- helpers -------------------------------------------------------------------
    def step(self, rule: str, kind: str, clause: str | None, label: str, result: Any, *,
             facts: dict[str, Any] | None = None, parameters: list[ParameterUse] | None = None,
             detail: dict[str, Any] | None = None) -> None:
        if not self.tracing:
            return
        # plain data here; the Decision validates all steps at once (in pydantic-core)
        self.steps.append({"rule": rule, "kind": kind, "clause": clause, "label": label,
                           "result": _TRI[result] if not isinstance(result, str) else result,
                           "facts": facts or {}, "parameters": parameters or [], "detail": detail})

    def finish(self, outcome: str, *, version: CompiledVersion | None = None, coverage_year: int | None = None,
               **fields: Any) -> Decision:
        policy_ref = self.policy.version_refs[version.spec.id] if version is not None else None
        if self.tracing:
            self.step("outcome", "outcome", None, f"outcome: {outcome}", "true")
            return TRACE_STEPS.validate_python(self.steps)  # type: ignore[return-value]
        return Decision(outcome=outcome, eligible=outcome == "eligible", city=self.policy.city,
                        as_of=self.request.as_of, program=self.request.program, coverage_year=coverage_year,
                        policy=policy_ref, reasons=self.reasons, **fields)

    # -- the evaluation --------------------------------------------------------------
    def decide(self) -> Decision:
        request, policy = self.request, self.policy  # evaluate() has checked city and program
        person_facts = {}
        if self.tracing and request.person.id_number:  # only a trace shows it, masked
            person_facts["person.id_number"] = request.person.masked_id
        version = policy.version_on(request.as_of)
        if version is None:
            windows = ", ".join(f"{v.spec.id}: {v.spec.effective.from_}..{v.spec.effective.to or 'open'}"
                                for v in policy.versions)
            self.reasons.append(Reason(rule="version", clause=None, label="no version in force",
                                       code="no_policy_in_force",
                                       message=f"no version of {policy.city} is in force on {request.as_of} ({windows})"))
            self.step("version", "version", None, "选择适用版本", "false",
                      facts={"as_of": request.as_of.isoformat(), **person_facts})
            return self.finish("no_policy_in_force", coverage_year=request.coverage_year)
        spec = version.spec
        if self.tracing:
            self.step(f"version.{spec.id}", "version", spec.effective.basis or None,
                      f"适用版本 {spec.document.number or spec.document.title}", "true",
                      facts={"as_of": request.as_of.isoformat(), "effective_from": spec.effective.from_.isoformat(),
                             "effective_to": spec.effective.to.isoformat() if spec.effective.to else None,
                             **person_facts})
        program = version.programs.get(request.program)
        if program is None:
            self.reasons.append(Reason(rule="program", clause=None, label="program not ruled by this version",
                                       code="no_policy_in_force",
                                       message=f"version {spec.id} does not rule {request.program!r}"))
            return self.finish("no_policy_in_force", version=version, coverage_year=request.coverage_year)

        coverage_year = program.coverage_year(request.as_of, request.coverage_year)
        rule_years = program.years
        if coverage_year < request.as_of.year:
            self.reasons.append(Reason(rule="coverage_year", clause=None, label="coverage year already over",
                                       code="enrollment_closed",
                                       message=f"coverage year {coverage_year} ended before {request.as_of}"))
            self.step("coverage_year", "coverage", None, "参保年度", "false",
                      facts={"coverage_year": coverage_year, "as_of": request.as_of.isoformat()})
            return self.finish("enrollment_closed", version=version, coverage_year=coverage_year)
        if rule_years is not None and coverage_year not in rule_years:
            self.reasons.append(Reason(rule="coverage_year", clause=None, label="coverage year not ruled",
                                       code="no_policy_in_force",
                                       message=f"version {spec.id} rules the years {list(rule_years)}, not {coverage_year}"))
            self.step("coverage_year", "coverage", None, "参保年度", "false",
                      facts={"coverage_year": coverage_year, "ruled_years": list(rule_years)})
            return self.finish("no_policy_in_force", version=version, coverage_year=coverage_year)

        facts = Facts(request=request, person=request.person, as_of=request.as_of, coverage_year=coverage_year,
                      status_date=request.as_of, tracing=self.tracing)
        facts.status_date = self.status_date(program, facts)
        if self.tracing:
            self.step("coverage_year", "coverage", None, "参保年度", "true",
                      facts={"coverage_year": coverage_year,
                             "mode": "full_year" if coverage_year > request.as_of.year else "mid_year",
                             "status_date": facts.status_date.isoformat()})
        return self.judge(program, version, facts)

    def status_date(self, program: CompiledProgram, facts: Facts) -> dt.date:
        if program.spec.status_date == "registration":
            for record in facts.person.enrollments:
                if (record.scheme == "resident_medical" and record.year == facts.coverage_year
                        and record.paid_on is not None and record.paid_on <= facts.as_of):
                    return record.paid_on
        return facts.as_of

    def check(self, rule: CompiledRule, kind: str, facts: Facts) -> Result:
        if not self.tracing:
            return _check_untraced(rule, facts)
        facts.read = {}
        result = rule.condition.decide(facts) if rule.condition is not None else _ALWAYS
        self.step(rule_path(rule), kind, rule.clause, rule.label, result.value, facts=facts.read,
                  detail=result.detail)
        return result

    def judge(self, program: CompiledProgram, version: CompiledVersion, facts: Facts) -> Decision:
        coverage_year = facts.coverage_year
        pre = [(rule, self.check(rule, "precondition", facts)) for rule in program.preconditions]
        cats = [(rule, self.check(rule, "category", facts)) for rule in program.categories]
        # exclusions may test the categories (`category:`): they see which held and which are unknown
        facts.matched = frozenset(rule.id for rule, r in cats if r.value is True)
        facts.undecided = frozenset(rule.id for rule, r in cats if r.value is None)
        facts.memo.clear()
        excl = [(rule, self.check(rule, "exclusion", facts)) for rule in program.exclusions]

        failed_pre = [rule for rule, r in pre if r.value is False]
        for rule in failed_pre:
            self.reasons.append(Reason(rule=rule_path(rule), clause=rule.clause, label=rule.label,
                                       code="precondition_failed", message=f"not met: {rule.label}"))
        matched = [(rule, r) for rule, r in cats if r.value is True]
        unknown_cats = [rule for rule, r in cats if r.value is None]
        true_excl = [rule for rule, r in excl if r.value is True]
        for rule in true_excl:
            self.reasons.append(Reason(rule=rule_path(rule), clause=rule.clause, label=rule.label,
                                       code="excluded", message=f"excluded: {rule.label}"))
        categories = [r.ref for r, _ in matched]
        common = dict(version=version, coverage_year=coverage_year, categories=categories)

        if failed_pre:
            outcome = failed_pre[0].spec.outcome
            return self.finish(outcome, **common)
        if not matched:
            if unknown_cats and not any(rule.spec.outcome == "not_eligible" for rule in true_excl):
                return self.finish("undetermined", missing=sorted(set(facts.missing)), **common)
            traced = None
            for rule, result in cats:
                detail = result.detail
                if detail is None and rule.condition is not None:
                    # untraced runs keep no detail; the why-not needs it, so read this rule traced
                    traced = traced or facts.copy(tracing=True)
                    detail = rule.condition.evaluate(traced).detail
                why = _failing_test(detail)
                self.reasons.append(Reason(rule=rule_path(rule), clause=rule.clause, label=rule.label,
                                           code="category_not_met",
                                           message=f"not in category: {rule.label}" + (f" ({why})" if why else "")))
            return self.finish("not_eligible", **common)
        if true_excl:
            excluded = true_excl[0].spec
            return self.finish(excluded.outcome, referred_to=excluded.department, **common)
        primary_rule, primary_result = matched[0]
        ranked_above = [r for r in unknown_cats if program.categories.index(r) < program.categories.index(primary_rule)]
        if any(r.value is None for _, r in pre) or any(r.value is None for _, r in excl) or ranked_above:
            return self.finish("undetermined", missing=sorted(set(facts.missing)), **common)
        if self.tracing:
            self.step("priority", "priority", primary_rule.clause, f"主要类别 {primary_rule.label}", "true",
                      facts={"matched": [r.id for r, _ in matched], "primary": primary_rule.id})
        facts.matched = frozenset(r.id for r, _ in matched)
        facts.primary_witness = primary_result.witness
        facts.memo.clear()  # outputs read the matched categories and the primary status
        return self.apply_outputs(program, version, facts, primary_rule, common)

    def apply_outputs(self, program: CompiledProgram, version: CompiledVersion, facts: Facts,
                      primary: CompiledRule, common: dict[str, Any]) -> Decision:
        chosen: dict[str, tuple[Any, CompiledRule]] = {}
        flags: list[str] = []
        deadlines: list[dict[str, Any]] = []
        benefits: list[dict[str, Any]] = []
        for output in program.outputs:
            rule = output.rule
            result = self.check(rule, "output", facts)
            if result.value is None:
                return self.finish("undetermined", missing=sorted(set(facts.missing)), primary_category=primary.id,
                                   **common)
            if not result.value:
                continue
            for name, value in output.sets:
                if name not in chosen:
                    chosen[name] = (value, rule)
            if output.benefit_start is not None and "benefit_start" not in chosen:
                chosen["benefit_start"] = (output.benefit_start.resolve(facts), rule)
            if output.benefit_end is not None and "benefit_end" not in chosen:
                chosen["benefit_end"] = (output.benefit_end.resolve(facts), rule)
            for flag in output.flags:
                if flag not in flags:
                    flags.append(flag)
            for deadline in output.deadlines:
                due = deadline.due.resolve(facts)
                if due is not None:
                    # plain data: the Decision validates every part in one pydantic-core pass
                    deadlines.append({"action": deadline.action, "label": deadline.label, "due": due,
                                      "clause": rule.clause, "rule": rule.id})
            if output.benefits:
                benefits += [{"item": item, "label": label, "value": value, "clause": rule.clause}
                             for item, label, value in output.benefits]
        outcome = primary.spec.outcome
        subsidy = self.subsidy(program, facts, chosen) if outcome == "eligible" else None
        tier_value = chosen.get("tier", (None,))[0]
        if tier_value == "chosen":
            tier_value = self.request.choices.tier
        tier = {"level": tier_value, "benefits": benefits} if tier_value is not None or benefits else None
        region = None
        if "responsible_region" in chosen:
            region = self.responsible_region(chosen["responsible_region"][0], facts)
        return self.finish(
            outcome, primary_category=primary.id, subsidy=subsidy, flags=flags, tier=tier,
            benefit_start=chosen.get("benefit_start", (None,))[0], benefit_end=chosen.get("benefit_end", (None,))[0],
            deadlines=sorted(deadlines, key=lambda d: (d["due"], d["action"])), responsible_region=region,
            enrollment_unit=chosen.get("enrollment_unit", (None,))[0],
            referred_to=primary.spec.department if outcome == "referred" else None, **common)

    def responsible_region(self, how: str, facts: Facts) -> str | None:
        hukou = facts.person.hukou.region if facts.person.hukou else None
        if how == "approving_region" and facts.primary_witness is not None:
            return facts.person.statuses[facts.primary_witness].approved_by or hukou
        return hukou

    def parameter(self, program: CompiledProgram, name: str, facts: Facts) -> "_ParameterValue":
        parameter = program.parameters[name]
        if name in self.request.parameters:
            return _ParameterValue(name, self.request.parameters[name], parameter.unit, None, "request", "request")
        on = facts.coverage_year_start
        values = [v for v in program.values[name] if v.from_ <= on]
        if not values:
            return _ParameterValue(name, None, parameter.unit, None, parameter.note or "not stated by the policy",
                                   "missing")
        current = max(values, key=lambda v: v.from_)
        return _ParameterValue(name, current.value, parameter.unit, current.from_, current.source, "policy")

    def subsidy(self, program: CompiledProgram, facts: Facts, chosen: dict[str, tuple[Any, CompiledRule]]) -> Subsidy:
        funding = chosen.get("funding_source", (None,))[0]
        payment = chosen.get("payment", (None,))[0]
        uses: list[_ParameterValue] = []
        note = None
        if "amount" in chosen:
            pname, rule = chosen["amount"]
            use = self.parameter(program, pname, facts)
            amount, source = use.value, use.origin
            uses.append(use)
            if amount is None:
                note = f"{pname} is not stated by the policy and was not supplied in request.parameters"
            result = Subsidy(amount=_money(amount), share=None, premium=None, premium_parameter=pname,
                             premium_source=source, premium_effective_from=use.effective_from,
                             premium_citation=use.source, funding_source=funding, payment=payment, note=note)
        else:
            share = chosen.get("share", (None,))[0]
            pname, rule = chosen.get("premium", (None, None))
            premium, source, use = None, None, None
            if pname is not None:
                use = self.parameter(program, pname, facts)
                premium, source = use.value, use.origin
                uses.append(use)
                if premium is None:
                    note = (f"the premium ({pname}) is not stated by the policy and was not supplied in "
                            "request.parameters; the amount is unknown")
            amount = share * premium if share is not None and premium is not None else None
            result = Subsidy(amount=_money(amount), share=str(share) if share is not None else None,
                             premium=_money(premium), premium_parameter=pname, premium_source=source,
                             premium_effective_from=use.effective_from if use else None,
                             premium_citation=use.source if use else None,
                             funding_source=funding, payment=payment, note=note)
        if self.tracing:
            self.step("subsidy", "subsidy", rule.clause if rule is not None else None, "资助金额",
                      "true" if result.amount is not None else "unknown",
                      facts={"amount": result.amount, "share": result.share},
                      parameters=[ParameterUse(name=u.name, value=None if u.value is None else str(u.value),
                                               unit=u.unit, effective_from=u.effective_from, source=u.source)
                                  for u in uses])
        return result


class _ParameterValue(NamedTuple):
    """A parameter's value for this decision and where it came from (``origin``: policy,
    request or missing; ``source``: the citation, ``request``, or why it is missing)."""

    name: str
    value: Decimal | None
    unit: str
    effective_from: dt.date | None
    source: str
    origin: str


def _check_untraced(rule: CompiledRule, facts: Facts) -> Result:
    """``_Run.check`` without a trace: the hot path, kept to the fewest lookups."""
    condition = rule.condition
    return _ALWAYS if condition is None else condition.decide(facts)


def rule_path(rule: CompiledRule) -> str:
    """``categories.dibao``: how traces and reasons name a rule."""
    return f"{PLURAL[rule.kind]}.{rule.id}"


# how a rule kind is named in rule paths (`categories.dibao`)
PLURAL = {"precondition": "preconditions", "category": "categories", "exclusion": "exclusions", "output": "outputs"}


def _money(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(value.quantize(_FEN, rounding=ROUND_HALF_UP))


def _failing_test(detail: dict[str, Any] | None) -> str | None:
    """The sub-condition that made a condition false, as text with what it read (traced runs)."""
    if detail is None or detail.get("result") != "false":
        return None
    if detail["test"] in ("all", "any"):
        for part in detail["parts"]:
            found = _failing_test(part)
            if found:
                return found
    read = ", ".join(f"{k}={v}" for k, v in detail.get("read", {}).items())
    return f"false: {detail['test']}" + (f" [{read}]" if read else "")


"""Evaluating one request against a compiled policy: the scalar evaluator.

The order is fixed: version in force, coverage year, preconditions, categories (in
priority order), exclusions, the verdict (``_outcome.judge``), then the outputs and the
subsidy. With a recording tracer every step is recorded in the same pass.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, NamedTuple

from ..contract import (AppliedDefault, CategoryRef, Decision, OpenPart, PolicyRef, Reason, ReformRef, Request,
                        build_model, fact_value, with_fact)
from ..language import Policy, Program, Rule, Version
from ..language.kinds import Facts, Result
from ._branches import merge
from ._anchors import qualified_on_function, status_date
from ._by_cases import by_cases
from ._outcome import judge, possible_primaries
from ._outputs import apply_outputs, naming
from ._reasons import why_not
from ._questions import attach
from ._tracer import NULL_TRACER, RecordingTracer
from ._walk import ProgramBuild

class RuleSet:
    """A program's rules, each with the function that checks it: untraced, or recording its
    step on the evaluation's tracer."""

    def __init__(self, program: Program, build: ProgramBuild):
        rule = _recording if build.traced else _plain
        self.preconditions = tuple((r, rule(r, build)) for r in program.preconditions)
        self.categories = tuple((r, rule(r, build)) for r in program.categories)
        self.exclusions = tuple((r, rule(r, build)) for r in program.exclusions)
        self.outputs = tuple((output, rule(output.rule, build), _output_plan(output, build))
                             for output in program.outputs)
        self.precedence = program.output_precedence()   # single-valued fields: the best-ranked output wins


class OutputPlan(NamedTuple):
    """An output's effects, with its dates as functions."""

    sets: tuple[tuple[str, Any], ...]
    benefit_start: Callable[[Facts], dt.date | None] | None
    benefit_end: Callable[[Facts], dt.date | None] | None
    deadlines: tuple[tuple[str, str, Callable[[Facts], dt.date | None]], ...]
    flags: tuple[str, ...]
    benefits: tuple[tuple[str, str, str], ...]


def _output_plan(output: Any, build: ProgramBuild) -> OutputPlan:
    return OutputPlan(output.sets, build.date(output.benefit_start) if output.benefit_start is not None else None,
                      build.date(output.benefit_end) if output.benefit_end is not None else None,
                      tuple((d.action, d.label, build.date(d.due)) for d in output.deadlines), output.flags,
                      tuple((b.item, b.label, b.value) for b in output.benefits))


def _plain(rule: Rule, build: ProgramBuild) -> Callable[[Facts], Result]:
    return build.rule(rule.condition)


def _recording(rule: Rule, build: ProgramBuild) -> Callable[[Facts], Result]:
    evaluate = build.rule(rule.condition)
    kind, rule_id, clause, label = rule.kind, rule.id, rule.clause, rule.label  # a rule's kind is its step's

    def recording(facts: Facts) -> Result:
        tracer = facts.tracer
        tracer.begin_rule()
        result = evaluate(facts)
        tracer.step(kind, rule_id, clause, label, result[0], facts=tracer.read, condition=tracer.end_rule())
        return result
    return recording


class CompiledProgram:
    """A program's rules as functions, built once per program (untraced, and traced when
    first asked for)."""

    def __init__(self, program: Program):
        self.program = program
        self.untraced = ProgramBuild(program, traced=False)
        self.rules = RuleSet(program, self.untraced)
        self._traced: ProgramBuild | None = None
        self._traced_rules: RuleSet | None = None
        self.refs = {rule.id: CategoryRef(id=rule.id, label=rule.label, clause=rule.clause)
                     for rule in program.categories}

    @property
    def traced(self) -> ProgramBuild:
        if self._traced is None:
            self._traced = ProgramBuild(self.program, traced=True, untraced=self.untraced)
        return self._traced

    @property
    def traced_rules(self) -> RuleSet:
        if self._traced_rules is None:
            self._traced_rules = RuleSet(self.program, self.traced)
        return self._traced_rules


class CompiledPolicy:
    """A policy's programs as functions and the decision's ``policy`` part per version."""

    def __init__(self, policy: Policy):
        self.programs = {id(program): CompiledProgram(program) for _, program in policy.places()}
        # the parameters a request may supply, by program
        self.parameters: dict[str, frozenset[str]] = {}
        for _, program in policy.places():
            self.parameters[program.name] = self.parameters.get(program.name, frozenset()) | {
                parameter.name for parameter in program.parameters if not parameter.threshold}
        self.refs = {id(version): PolicyRef(city=policy.city, name=policy.name, version=version.id,
                                            document_number=version.document.number,
                                            document_title=version.document.title,
                                            effective_from=version.effective_from, effective_to=version.effective_to,
                                            source=version.document.source, reform=_reform_ref(policy))
                     for version in policy.versions}


def _reform_ref(policy: Policy) -> ReformRef | None:
    reform = policy.reform
    if reform is None:
        return None
    return ReformRef(id=reform.id, label=reform.label, content_hash=policy.content_hash, base=reform.base_city,
                     base_content_hash=reform.base_hash)


def prepare(policy: Policy) -> CompiledPolicy:
    """Compile ``policy`` for evaluation, once: at load (the loaders call this), else on first use."""
    ready = policy.compiled
    if ready is None:
        ready = CompiledPolicy(policy)
        object.__setattr__(policy, "compiled", ready)  # a cache of derived data, set once
    return ready


def compiled(program: Program, policy: Policy) -> CompiledProgram:
    """The compiled form of ``program`` of ``policy`` (built with the policy, once)."""
    return prepare(policy).programs[id(program)]


def _policy_ref(policy: Policy, version: Version) -> PolicyRef:
    return prepare(policy).refs[id(version)]


def evaluate_policy(policy: Policy, request: Request, *, trace: bool = False, cases: bool = True) -> Decision:
    """Evaluate ``request`` against ``policy`` (already matched by city and program). With
    ``cases``, an outcome the rules leave unknown is decided by cases where it can be
    (``_by_cases``)."""
    return _Run(policy, request, RecordingTracer() if trace else NULL_TRACER, cases).decide()


# a decision's fields before the evaluation fills them (lists are made per decision)
_LISTS = tuple(name for name, info in Decision.model_fields.items()
               if info.default_factory is not None and name != "trace")
_EMPTY_DECISION = {name: (None if name in _LISTS else info.default)
                   for name, info in Decision.model_fields.items() if name != "trace"}


class _Run:
    """One evaluation."""

    def __init__(self, policy: Policy, request: Request, tracer: Any, cases: bool = True):
        self.policy, self.request, self.tracer, self.cases = policy, request, tracer, cases
        self.reasons: list[Reason] = []
        self.explain: Callable[[], list[Reason]] | None = None
        self.missing: list[str] = []
        self.defaults: list[AppliedDefault] = []
        # for the questions of a decision that lacks facts: the program's compiled (untraced) build
        self.context: tuple[ProgramBuild, Facts] | None = None

    def finish(self, outcome: str, *, version: Version | None = None, coverage_year: int | None = None,
               **fields: Any) -> Decision:
        tracer = self.tracer
        trace: Any = []
        if tracer.recording:
            tracer.step("outcome", "outcome", None, f"outcome: {outcome}", True)
            trace = tracer.steps
        request = self.request
        values = dict(_EMPTY_DECISION)  # every field given: the builder's fast path
        values.update(fields, outcome=outcome, eligible=outcome == "eligible", city=self.policy.city,
                      as_of=request.as_of, program=request.program, coverage_year=coverage_year,
                      policy=_policy_ref(self.policy, version) if version is not None else None, trace=trace,
                      defaults=self.defaults)
        for name in _LISTS:
            if values[name] is None:
                values[name] = []
        decision = build_model(Decision, **values)
        if self.context is not None and (values["missing"] or values["open"] or outcome == "not_eligible"):
            policy = self.policy
            attach(decision, lambda changed: evaluate_policy(policy, changed), self.request, *self.context,
                   ask=bool(values["missing"] or values["open"]))
        private = decision.__pydantic_private__  # set directly: pydantic's private setattr is slow
        explain = self.explain
        if explain is None:
            private["_reasons"] = self.reasons
        else:
            private["_explain"] = explain
        return decision

    def decide(self) -> Decision:
        request, policy, tracer = self.request, self.policy, self.tracer
        person_facts = {}
        if tracer.recording and request.person.id_number:  # only a trace shows it, masked
            person_facts["person.id_number"] = request.person.masked_id
        version = policy.version_on(request.as_of)
        if version is None:
            windows = ", ".join(f"{v.id}: {v.effective_from}..{v.effective_to or 'open'}" for v in policy.versions)
            self.reasons.append(Reason(rule="version", clause=None, label="no version in force",
                                       code="no_policy_in_force",
                                       message=f"no version of {policy.city} is in force on {request.as_of} ({windows})"))
            tracer.step("version", "", None, "选择适用版本", False,
                        facts={"as_of": request.as_of.isoformat(), **person_facts})
            return self.finish("no_policy_in_force", coverage_year=request.coverage_year)
        if tracer.recording:
            tracer.step("version", version.id, version.basis or None,
                        f"适用版本 {version.document.number or version.document.title}", True,
                        facts={"as_of": request.as_of.isoformat(), "effective_from": version.effective_from.isoformat(),
                               "effective_to": version.effective_to.isoformat() if version.effective_to else None,
                               **person_facts})
        program = version.program(request.program)
        if program is None:
            self.reasons.append(Reason(rule="program", clause=None, label="program not ruled by this version",
                                       code="no_policy_in_force",
                                       message=f"version {version.id} does not rule {request.program!r}"))
            return self.finish("no_policy_in_force", version=version, coverage_year=request.coverage_year)

        coverage_year = program.coverage_year(request.as_of, request.coverage_year)
        if coverage_year < request.as_of.year:
            self.reasons.append(Reason(rule="coverage_year", clause=None, label="coverage year already over",
                                       code="enrollment_closed",
                                       message=f"coverage year {coverage_year} ended before {request.as_of}"))
            tracer.step("coverage", "coverage_year", None, "参保年度", False,
                        facts={"coverage_year": coverage_year, "as_of": request.as_of.isoformat()})
            return self.finish("enrollment_closed", version=version, coverage_year=coverage_year)
        if program.years is not None and coverage_year not in program.years:
            self.reasons.append(Reason(rule="coverage_year", clause=None, label="coverage year not ruled",
                                       code="no_policy_in_force",
                                       message=f"version {version.id} rules the years {list(program.years)}, "
                                               f"not {coverage_year}"))
            tracer.step("coverage", "coverage_year", None, "参保年度", False,
                        facts={"coverage_year": coverage_year, "ruled_years": list(program.years)})
            return self.finish("no_policy_in_force", version=version, coverage_year=coverage_year)
        if coverage_year > request.as_of.year + 1 and program.years is None:  # a listed year was checked above
            # one applies for the current year or, in its collection period, the next, unless
            # the version lists the years it rules: a version in force today does not rule 2100
            self.reasons.append(Reason(rule="coverage_year", clause=None, label="coverage year not ruled",
                                       code="no_policy_in_force",
                                       message=f"coverage year {coverage_year} is more than a year after as_of "
                                               f"({request.as_of}); version {version.id} is in force "
                                               f"{version.effective_from}..{version.effective_to or 'open'}"))
            tracer.step("coverage", "coverage_year", None, "参保年度", False,
                        facts={"coverage_year": coverage_year, "as_of": request.as_of.isoformat()})
            return self.finish("no_policy_in_force", version=version, coverage_year=coverage_year)

        if program.defaults:
            request = self.apply_defaults(program, request)
        facts = Facts(request, coverage_year, status_date(program, request, coverage_year),
                      tracer if tracer.recording else None)
        built = prepare(policy).programs[id(program)]
        self.context = (built.untraced, facts)
        if tracer.recording:
            tracer.step("coverage", "coverage_year", None, "参保年度", True,
                        facts={"coverage_year": coverage_year,
                               "mode": "full_year" if coverage_year > request.as_of.year else "mid_year",
                               "status_date": facts.status_date.isoformat()})
        return self.judge(built, version, facts)

    def apply_defaults(self, program: Program, request: Request) -> Request:
        """The request with the facts it leaves out that the text itself settles; each default
        applied is listed in the decision and traced with its clause."""
        applied = []
        for default in program.defaults:
            if fact_value(request, default.fact) is None:
                request = with_fact(request, default.fact, default.value)
                applied.append(build_model(AppliedDefault, fact=default.fact, value=default.value,
                                           clause=default.clause, label=default.label))
                if self.tracer.recording:
                    self.tracer.step("default", default.fact, default.clause, default.label, True,
                                     facts={default.fact: default.value})
        if applied:
            self.request, self.defaults = request, applied
        return request

    def check(self, rules: tuple[tuple[Rule, Callable[[Facts], Result]], ...], facts: Facts
              ) -> list[tuple[Rule, Result]]:
        """Each rule's result; the missing facts of the unknown ones are collected. An error
        names the rule it was raised in (one handler around the loop: nothing per rule)."""
        results = []
        missing = self.missing
        rule = None
        try:
            for rule, evaluate in rules:
                result = evaluate(facts)
                if result[0] is None:
                    missing += result[1]
                results.append((rule, result))
            return results
        except Exception as exc:
            error = naming(exc, rule)
            if error is None:
                raise
        raise error

    def judge(self, program: CompiledProgram, version: Version, facts: Facts) -> Decision:
        rules = program.traced_rules if self.tracer.recording else program.rules
        pre = self.check(rules.preconditions, facts)
        cats = self.check(rules.categories, facts)
        # exclusions may test the categories (`category:`): they see which held and which are unknown
        matched = frozenset([rule.id for rule, r in cats if r[0] is True])
        facts = facts.next_phase(matched=matched, undecided={rule.id: r[1] for rule, r in cats if r[0] is None})
        excl = self.check(rules.exclusions, facts)

        for rule, r in pre:
            if r[0] is False:
                self.reasons.append(Reason(rule=rule.name.path, clause=rule.clause, label=rule.label,
                                           code="precondition_failed", message=f"not met: {rule.label}"))
        for rule, r in excl:
            if r[0] is True:
                self.reasons.append(Reason(rule=rule.name.path, clause=rule.clause, label=rule.label,
                                           code="excluded", message=f"excluded: {rule.label}"))
        verdict = judge([(rule, r[0]) for rule, r in pre], [(rule, r[0]) for rule, r in cats],
                        [(rule, r[0]) for rule, r in excl])
        common = dict(version=version, coverage_year=facts.coverage_year,
                      categories=[program.refs[rule.id] for rule, r in cats if r[0] is True])
        outcome = verdict.outcome
        open_cats = _open_categories(cats)  # a decided outcome lists the categories it left unknown
        if outcome == "undetermined":
            missing = sorted(set(self.missing))
            if self.cases:  # by cases first: it sees more than the branches (a category whose every case holds)
                policy = self.policy
                found = by_cases(lambda case: evaluate_policy(policy, case, cases=False), self.request, missing)
                if found is not None:
                    unknown = next(rule for rule, r in (*pre, *cats, *excl) if r[0] is None)
                    return self.settled_by_cases(*found, unknown, common)
            candidates = possible_primaries([(rule, r[0]) for rule, r in pre], [(rule, r[0]) for rule, r in cats],
                                            [(rule, r[0]) for rule, r in excl])
            if candidates is not None:
                return self.branched(program, rules, facts, cats, candidates, common, open_cats)
            return self.finish("undetermined", missing=missing, **common)
        if verdict.no_category:
            self.explain = why_not(program, facts, list(self.reasons), [rule for rule, _ in cats])
            return self.finish(outcome, open=open_cats, **common)
        if verdict.primary is None:  # a failed precondition or an exclusion decided
            rule = verdict.rule
            if rule is not None and rule.kind == "exclusion":
                return self.finish(outcome, referred_to=rule.department, open=open_cats, **common)
            return self.finish(outcome, open=open_cats, **common)
        primary_rule, primary_result = cats[verdict.primary]
        if self.tracer.recording:
            self.tracer.step("priority", "priority", primary_rule.clause, f"主要类别 {primary_rule.label}", True,
                             facts={"matched": [rule.id for rule, r in cats if r[0] is True],
                                    "primary": primary_rule.id})
        # outputs read the matched categories and the primary status
        return apply_outputs(self, program, rules, _primary_phase(program, facts, primary_rule, primary_result),
                             primary_rule, common, open_cats)

    def settled_by_cases(self, cases: list[Decision], split: list[str], rule: Rule, common: dict[str, Any]
                         ) -> Decision:
        """Every case of the facts split on gives one outcome: it stands, with the parts the
        cases agree on and the others open (``_by_cases``)."""
        fields = merge(cases, split, rule)
        if self.tracer.recording:
            self.tracer.step("cases", "cases", None, f"未知事实的每一取值结论相同：{', '.join(split)}", True,
                             facts={"split": split, "cases": len(cases), "outcome": cases[0].outcome})
        self.reasons = [reason for reason in cases[0].reasons if all(reason in c.reasons for c in cases[1:])]
        return self.finish(cases[0].outcome, version=common["version"], coverage_year=common["coverage_year"],
                           **fields)

    def branched(self, program: CompiledProgram, rules: RuleSet, facts: Facts, cats: list[tuple[Rule, Result]],
                 candidates: tuple[int, ...], common: dict[str, Any], open_cats: list[OpenPart]) -> Decision:
        """The outcome stands though a category ranked above the holding one is unknown: the
        outputs are decided with each possible primary category and merged (``_branches``)."""
        *doubted, first = candidates
        primary_rule, primary_result = cats[first]
        if self.tracer.recording:
            self.tracer.step("priority", "priority", primary_rule.clause, f"主要类别待定 {primary_rule.label}", None,
                             facts={"matched": [rule.id for rule, r in cats if r[0] is True],
                                    "possible": [cats[i][0].id for i in candidates]})
        branches = [apply_outputs(self, program, rules, _primary_phase(program, facts, primary_rule, primary_result),
                                  primary_rule, common, open_cats)]
        for index in doubted:
            rule = cats[index][0]
            branch = _Run(self.policy, self.request, NULL_TRACER)
            # in this branch the category holds and those ranked above it do not
            above = {cats[i][0].id for i in range(index)}
            shifted = facts.next_phase(matched=facts.matched | {rule.id},
                                       undecided={k: v for k, v in facts.undecided.items()
                                                  if k != rule.id and k not in above})
            branches.append(apply_outputs(branch, program, program.rules, shifted, rule, common, open_cats))
        fields = merge(branches, [fact for i in doubted for fact in cats[i][1][1]], cats[doubted[0]][0])
        del fields["categories"]  # the categories that hold are the same in every branch
        fields["open"] = open_cats + [p for p in fields["open"] if p not in open_cats]
        decision = branches[0].model_copy(update=fields)
        decision.__pydantic_private__.update(_source=None, _ask=None, _questions=None)
        if decision.open and self.context is not None:
            policy = self.policy
            attach(decision, lambda changed: evaluate_policy(policy, changed), self.request, *self.context)
        return decision


def _primary_phase(program: CompiledProgram, facts: Facts, rule: Rule, result: Result) -> Facts:
    """The outputs' phase: they read the matched categories and the primary status (its
    witness, and the day the primary category began to hold)."""
    return facts.next_phase(primary_witness=result[2],
                            qualified_on=qualified_on_function(program.untraced.untraced(rule.condition)))


def _open_categories(cats: list[tuple[Rule, Result]]) -> list[OpenPart]:
    """An open part for each category left unknown by a decided outcome."""
    if all(r[0] is not None for _, r in cats):
        return []
    return [build_model(OpenPart, part=rule.name.path, needs=sorted(set(r[1])), rule=rule.name.path,
                        clause=rule.clause) for rule, r in cats if r[0] is None]

"""The decision contract: what an evaluation returns (``docs/schema/decision.json``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, TypeAdapter, computed_field,
                      model_validator)

DECISION_SCHEMA_VERSION = "3.0"

Outcome = Literal["eligible", "not_eligible", "referred", "no_policy_in_force", "enrollment_closed", "undetermined"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ReformRef(_Frozen):
    """The reform that decided, when a reform did: its id, the sha256 of its file, and the base policy it changes."""

    id: str
    label: str
    content_hash: str = Field(description="sha256 of the reform file's text")
    base: str = Field(description="the city of the base policy")
    base_content_hash: str = Field(description="sha256 of the base policy file's text")


class PolicyRef(_Frozen):
    city: str
    name: str
    version: str
    document_number: str | None
    document_title: str
    effective_from: dt.date
    effective_to: dt.date | None
    source: str
    # additive: a city policy's decisions keep the shape they had (no `reform: null`)
    reform: ReformRef | None = Field(None, exclude_if=lambda value: value is None, description=(
        "present only when a reform decided (issue 13): which reform, over which base; absent for a city's policy"))


class CategoryRef(_Frozen):
    id: str
    label: str
    clause: str


class Subsidy(_Frozen):
    amount: str | None = Field(description="yuan, two decimal places; null when the premium is unknown")
    share: str | None = Field(description="share of the individual contribution the government pays")
    premium: str | None = Field(description="the individual contribution the share applies to, in yuan")
    premium_parameter: str | None
    premium_source: Literal["policy", "request", "missing"] | None
    premium_effective_from: dt.date | None = None
    premium_citation: str | None = None
    funding_source: str | None
    payment: Literal["direct", "reimbursed_after_payment", "other_department"] | None
    note: str | None = None


class Deadline(_Frozen):
    action: str
    label: str
    due: dt.date
    clause: str
    rule: str
    passed: bool = Field(False, description="the due date was already past on `as_of`: kept, and marked")


class OpenDeadline(_Frozen):
    """A deadline the decision carries but cannot date, and why (``code``: ``calendar_not_covered``
    when it counts working days in a year the official calendar does not cover)."""

    action: str
    label: str
    clause: str
    rule: str
    code: str
    reason: str


class OpenPart(_Frozen):
    """A part of the decision the request's facts do not settle: which part (``flags.rural``,
    ``deadlines.submit_card_data``, ``subsidy.funding_source``, ``tier.level``,
    ``benefit_start``, ...), the request facts it needs, and the rule that would decide it.
    An open part is never also shown as holding in ``flags``, ``deadlines`` or elsewhere."""

    part: str
    needs: list[str]
    rule: str
    clause: str | None


class AppliedDefault(_Frozen):
    """A fact the request left out that the text itself settles (a default the law sets),
    with the clause that sets it."""

    fact: str
    value: Any
    clause: str
    label: str


class Question(_Frozen):
    """A fact that would settle what is still open, with a question a clerk can ask.
    ``settles`` lists ``outcome`` and/or the open parts it decides."""

    fact: str
    zh: str
    en: str
    settles: list[str]


class WhatIf(_Frozen):
    """The decision under one value of a questioned fact (a what-if branch), summarised."""

    fact: str
    value: Any
    outcome: Outcome
    primary_category: str | None
    amount: str | None
    flags: list[str]
    deadlines: list[str] = Field(description="`action due` of each deadline")
    open: list[str]


class Change(_Frozen):
    """One change of the facts a person or an office can make: ``grant_status`` (``value``: the
    status granted), ``renew_certificate`` and ``end_enrollment`` (``value``: the new date),
    ``withdraw_enrollment`` (a self-paid enrolment for the year), ``choose`` (``value``: the choice)."""

    fact: str
    action: Literal["grant_status", "renew_certificate", "end_enrollment", "withdraw_enrollment", "choose"]
    value: Any = None


class Counterfactual(_Frozen):
    """A smallest set of changes under which the same policy makes the person eligible, with
    the rules it would satisfy."""

    changes: list[Change]
    category: str
    rules: list[str]
    clauses: list[str]


class Explanation(_Frozen):
    """What a decision leaves to ask and what would change it (``eligibility.explain``): its
    questions, the decision under each value of each questioned fact, and, for a not-eligible
    decision, the smallest changes that would make the person eligible."""

    outcome: Outcome
    questions: list[Question]
    what_if: list[WhatIf]
    counterfactuals: list[Counterfactual]


class TierBenefit(_Frozen):
    item: str
    label: str
    value: str
    clause: str


class Tier(_Frozen):
    level: int | None
    benefits: list[TierBenefit] = Field(default_factory=list)


class Reason(_Frozen):
    rule: str
    clause: str | None
    label: str
    code: str
    message: str


class ParameterUse(_Frozen):
    name: str
    value: str | None
    unit: str
    effective_from: dt.date | None
    source: str


@dataclass(frozen=True, slots=True)
class ConditionTrace:
    """One (sub-)condition as it was evaluated: the test, its result (null: unknown), the
    request facts it read (masked), the facts it lacked, and its parts. A plain frozen
    dataclass (a traced decision holds dozens): pydantic validates and serialises it as a
    field of ``TraceStep``."""

    test: str
    result: bool | None
    read: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    parts: list["ConditionTrace"] = field(default_factory=list)


StepKind = Literal["version", "coverage", "default", "precondition", "category", "exclusion", "priority", "output",
                   "subsidy", "cases", "outcome"]
_PLURAL = {"precondition": "preconditions", "category": "categories", "exclusion": "exclusions",
           "output": "outputs"}


class TraceStep(_Frozen):
    """One step of a decision: a rule checked (``kind`` and ``rule`` id), or a step of the
    procedure (version, coverage, priority, subsidy, outcome)."""

    kind: StepKind
    rule: str = Field(description="the rule's id (`dibao`), the version's id, or the step's name")
    clause: str | None
    label: str
    result: bool | None = Field(description="true, false, or null when unknown")
    facts: dict[str, Any] = Field(default_factory=dict, description="the request facts read, by path (masked)")
    parameters: list[ParameterUse] = Field(default_factory=list)
    condition: ConditionTrace | None = Field(None, description="the condition tree with each part's result")

    @property
    def path(self) -> str:
        """The rule as one string: ``categories.dibao``, ``version.2020``, ``subsidy``."""
        plural = _PLURAL.get(self.kind)
        if plural is not None:
            return f"{plural}.{self.rule}"
        if self.kind == "version":
            return f"version.{self.rule}" if self.rule else "version"
        return self.rule


class Decision(_Frozen):
    """The answer for one request. ``eligible`` is true exactly when ``outcome`` is ``eligible``."""

    schema_version: str = DECISION_SCHEMA_VERSION
    outcome: Outcome
    eligible: bool
    city: str
    as_of: dt.date
    program: str
    coverage_year: int | None
    policy: PolicyRef | None
    categories: list[CategoryRef] = Field(default_factory=list)
    primary_category: str | None = None
    subsidy: Subsidy | None = None
    flags: list[str] = Field(default_factory=list)
    tier: Tier | None = None
    benefit_start: dt.date | None = None
    benefit_end: dt.date | None = None
    benefit_note: Literal["no_benefit_days_in_coverage_year"] | None = Field(None, description=(
        "why an eligible decision has no benefit period: `no_benefit_days_in_coverage_year` when benefits would "
        "start after the coverage year ends (a December registration); never an inverted period"))
    deadlines: list[Deadline] = Field(default_factory=list)
    open_deadlines: list[OpenDeadline] = Field(default_factory=list, description=(
        "deadlines that apply but cannot be dated, each with its reason; left out of `deadlines`"))
    responsible_region: str | None = None
    enrollment_unit: str | None = Field(None, description="code of the unit the person is enrolled under")
    referred_to: str | None = None
    missing: list[str] = Field(default_factory=list, description=(
        "the request facts the outcome needs and the request lacks (set when `outcome` is undetermined)"))
    open: list[OpenPart] = Field(default_factory=list, description=(
        "parts the facts do not settle, each with the facts it needs and its rule; never also shown as holding"))
    defaults: list[AppliedDefault] = Field(default_factory=list, description=(
        "facts the request left out that the text itself settles, each with its clause"))
    trace: list[TraceStep] = Field(default_factory=list, description=(
        "ordered steps, each with rule kind and id, clause, label, the facts it read (masked), the parameters "
        "used and each sub-condition's result; empty when untraced"))

    # Why-not reasons are built when first read (a not-eligible decision names the failing
    # test of every category): deciding stays cheap for callers who never read them.
    _reasons: list[Reason] | None = PrivateAttr(default=None)
    _explain: Callable[[], list[Reason]] | None = PrivateAttr(default=None)
    # Questions are found by deciding again under each value of each missing fact: built when
    # first read, and only for a decision that lacks a fact. ``_source`` is what decided it.
    _questions: list[Question] | None = PrivateAttr(default=None)
    _ask: Callable[[], list[Question]] | None = PrivateAttr(default=None)
    _source: Any = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _take_reasons(cls, data: Any, handler: Any) -> "Decision":
        reasons = questions = None
        if isinstance(data, dict) and ("reasons" in data or "questions" in data or "main_reason" in data):
            data = dict(data)
            reasons = data.pop("reasons", None)
            questions = data.pop("questions", None)
            data.pop("main_reason", None)  # derived from the reasons: read back, it is computed again
        decision = handler(data)
        decision._reasons = REASONS.validate_python(reasons) if reasons is not None else []
        decision._questions = QUESTIONS.validate_python(questions) if questions is not None else []
        return decision

    @computed_field(description="why: the rules that decided a not-eligible, referred or closed outcome, with "
                                "their clauses and the test that failed")
    @property
    def reasons(self) -> list[Reason]:
        return self._built("_reasons", "_explain")

    @computed_field(description="the facts that would settle the outcome (when undetermined) and the open parts, most "
                                "decisive first, each with a question in Chinese and English; a fact is listed only "
                                "when some of its values decide differently")
    @property
    def questions(self) -> list[Question]:
        return self._built("_questions", "_ask")

    def _built(self, name: str, builder: str) -> Any:
        """A part built when first read (``name``), by its builder (``builder``), then kept."""
        private = self.__pydantic_private__
        value = private[name]
        if value is None:
            build = private[builder]
            value = private[name] = build() if build is not None else []
            private[builder] = None
        return value

    @computed_field(description="the one reason that decided a not-eligible, referred, closed or no-policy "
                                "outcome (docs/contract.md: the first of a version or coverage-year check, a "
                                "failed precondition, an exclusion, else the highest-priority category not met); "
                                "null for an eligible or undetermined decision")
    @property
    def main_reason(self) -> Reason | None:
        if self.outcome in ("eligible", "undetermined"):
            return None
        return main_reason(self.reasons)

    def to_json(self, *, trace: bool | None = None, indent: int | None = None) -> str:
        """The decision as JSON text (UTF-8, not escaped; shape versioned by ``schema_version``).

        ``trace=None`` (the default) writes the trace when it holds steps and leaves an empty
        one out (an untraced decision); ``False`` always leaves it out; ``True`` always writes
        it, ``[]`` when the decision was evaluated with ``trace=False``. ``reasons`` are built
        and written either way.
        """
        leave_out = trace is False or (trace is None and not self.trace)
        return self.model_dump_json(by_alias=True, exclude={"trace"} if leave_out else None, indent=indent)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Decision):
            return NotImplemented
        return (self.__dict__ == other.__dict__ and self.reasons == other.reasons
                and self.questions == other.questions)

    __hash__ = None  # type: ignore[assignment]  # decisions hold lists; compare them, do not hash them

    def __getstate__(self) -> dict[Any, Any]:
        self.reasons  # a pickled decision carries its reasons and questions, not the functions that build them
        self.questions
        state = super().__getstate__()
        private = state.get("__pydantic_private__")
        if private and private.get("_source") is not None:
            state = {**state, "__pydantic_private__": {**private, "_source": None}}
        return state


REASONS = TypeAdapter(list[Reason])
QUESTIONS = TypeAdapter(list[Question])

# which reason decides, most decisive first; among equals, the first listed (preconditions and
# exclusions in policy order, categories in priority order)
_DECISIVE = {"no_policy_in_force": 0, "enrollment_closed": 0, "precondition_failed": 1, "excluded": 2,
             "category_not_met": 3}


def main_reason(reasons: list[Reason]) -> Reason | None:
    """The one reason that decided: a version or coverage-year check, else a failed
    precondition, else an exclusion, else the highest-priority category not met; the first
    listed among equals. None without reasons."""
    return min(reasons, key=lambda r: _DECISIVE.get(r.code, len(_DECISIVE)), default=None)


_TEMPLATES: dict[type, tuple[Any, ...]] = {}
_new = object.__new__
_set = object.__setattr__


def _template(cls: type[BaseModel]) -> tuple[Any, ...]:
    plain, factories = {}, []
    for name, info in cls.model_fields.items():
        if info.default_factory is not None:
            factories.append((name, info.default_factory))
        elif not info.is_required():
            plain[name] = info.default
    private = {name: attr.get_default() for name, attr in cls.__private_attributes__.items()} or None
    template = _TEMPLATES[cls] = (plain, tuple(factories), private, len(cls.model_fields),
                                  set(cls.model_fields))
    return template


def build_model(cls: type[BaseModel], **values: Any) -> Any:
    """A model from values the engine built and typed itself, without validating them again
    (``model_construct`` without its per-call overhead). Every field given, as the engine
    does, is the fast path."""
    plain, factories, private, count, every = _TEMPLATES.get(cls) or _template(cls)
    if len(values) == count:
        fields, given = values, every
    else:
        fields = dict(plain)
        for name, factory in factories:
            if name not in values:
                fields[name] = factory()
        fields.update(values)
        given = set(values)
    model = _new(cls)
    _set(model, "__dict__", fields)
    _set(model, "__pydantic_fields_set__", given)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", dict(private) if private is not None else None)
    return model

"""The decision contract: what an evaluation returns (``docs/schema/decision.json``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, TypeAdapter, computed_field, model_validator

DECISION_SCHEMA_VERSION = "1.0"

Outcome = Literal["eligible", "not_eligible", "referred", "no_policy_in_force", "enrollment_closed", "undetermined"]
TriText = Literal["true", "false", "unknown"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicyRef(_Frozen):
    city: str
    name: str
    version: str
    document_number: str | None
    document_title: str
    effective_from: dt.date
    effective_to: dt.date | None
    source: str


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


class TraceStep(_Frozen):
    rule: str
    kind: Literal["version", "coverage", "precondition", "category", "exclusion", "priority", "output",
                  "subsidy", "outcome"]
    clause: str | None
    label: str
    result: TriText
    facts: dict[str, Any] = Field(default_factory=dict)
    parameters: list[ParameterUse] = Field(default_factory=list)
    detail: dict[str, Any] | None = Field(None, description="the condition tree with each sub-condition's result")


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
    deadlines: list[Deadline] = Field(default_factory=list)
    responsible_region: str | None = None
    enrollment_unit: str | None = Field(None, description="code of the unit the person is enrolled under")
    referred_to: str | None = None
    missing: list[str] = Field(default_factory=list)
    reasons: list[Reason] = Field(default_factory=list)

    # The trace is built when first read (``decision.trace``, a dump, the renderers), not
    # during evaluation: the engine hands over a function that replays the same, deterministic
    # evaluation with tracing on. Deciding stays cheap; a caller who reads the trace pays once.
    _trace: list[TraceStep] | None = PrivateAttr(default=None)
    _replay: Callable[[], list[TraceStep]] | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _take_trace(cls, data: Any, handler: Any) -> "Decision":
        steps = None
        if isinstance(data, dict) and "trace" in data:
            data = dict(data)
            steps = data.pop("trace")
        decision = handler(data)
        decision._trace = TRACE_STEPS.validate_python(steps) if steps is not None else None
        return decision

    @computed_field(description="ordered steps, each with rule, clause, label, the facts it read (masked), "
                                "the parameters used and each sub-condition's result; empty when untraced")
    @property
    def trace(self) -> list[TraceStep]:
        trace = self._trace
        if trace is None:
            replay = self._replay
            if replay is None:  # untraced, or another reader has just stored the steps
                trace = self._trace if self._trace is not None else []
            else:
                # concurrent readers may each replay (same steps); an error is raised on every
                # read, never turned into an empty trace
                trace = replay()
                self._trace, self._replay = trace, None  # store the steps before dropping the replay
        return trace

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Decision):
            return NotImplemented
        return self.__dict__ == other.__dict__ and self.trace == other.trace

    __hash__ = None  # type: ignore[assignment]  # decisions hold lists; compare them, do not hash them

    def __getstate__(self) -> dict[Any, Any]:
        self.trace  # a pickled decision carries its trace, not the function that would rebuild it
        return super().__getstate__()


TRACE_STEPS = TypeAdapter(list[TraceStep])

"""The policy language: pydantic models of a policy file (see ``docs/authoring.md``).

Conditions (``when:``) and date expressions are kept as raw data here and compiled by
``_conditions`` and ``_dates``, which know the facts and report unknown names with a
did-you-mean. Everything else is validated by these models.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_IDENT = r"^[a-z][a-z0-9_]*$"

# Every label is written twice: ``label`` in Chinese, from the text, and ``label_en``, its
# faithful English; both are required (a missing one is a located ``missing_key``).
Label = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class Document(_Strict):
    number: str | None = Field(None, description="文号, e.g. 韶人社函〔2016〕287号; null when the text has none")
    title: str
    issuers: list[str] = Field(min_length=1)
    issued: dt.date | None = None
    source: str = Field(description="the seed file the text comes from")


class Window(_Strict):
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None
    basis: str | None = Field(None, description="which clause sets the window, or the interpretation used")


class ParameterValue(_Strict):
    from_: dt.date = Field(alias="from")
    # not negative, at most a billion, to the hundred-millionth: a larger figure is a typo
    # ("1e26") and would overflow rounding to the fen, a negative one a sign slip
    value: Decimal = Field(ge=0, le=Decimal("1000000000"), decimal_places=8)
    source: str = Field(min_length=1, description="clause or public source the figure comes from")

    @field_validator("value", mode="before")
    @classmethod
    def _plain_number(cls, value: Any) -> Any:
        if isinstance(value, float):
            # YAML floats lose precision; amounts must be written as strings or integers.
            raise ValueError("write amounts as quoted strings or integers, not floats (e.g. \"293\")")
        return value


class Parameter(_Strict):
    label: Label
    label_en: Label
    unit: Literal["yuan", "ratio", "percent", "days", "years"]
    caller_supplied: bool = Field(False, description="the text gives no value: the request must supply it")
    note: str | None = None
    values: list[ParameterValue] = Field(default_factory=list)


class CoverageYear(_Strict):
    default: Literal["as_of_year", "next_year", "first_ruled"] = "as_of_year"
    ruled: Window | None = None
    years: list[Annotated[int, Field(ge=1900, le=2100)]] | None = Field(
        None, description="the insurance years this version rules; all if absent")


class Deadline(_Strict):
    action: str = Field(pattern=_IDENT)
    label: Label
    label_en: Label
    due: Any


class TierBenefit(_Strict):
    item: str = Field(pattern=_IDENT)
    label: Label
    label_en: Label
    value: str


class RuleBase(_Strict):
    id: str = Field(pattern=_IDENT)
    clause: str = Field(min_length=1)
    label: Label
    label_en: Label
    when: Any = None


class Precondition(RuleBase):
    outcome: Literal["not_eligible", "enrollment_closed", "no_policy_in_force"] = "not_eligible"


class Category(RuleBase):
    outcome: Literal["eligible", "referred"] = "eligible"
    department: str | None = Field(None, pattern=_IDENT, description="who handles a referred category: a code "
                                                                      "declared under `codes: departments:`")


class Exclusion(RuleBase):
    outcome: Literal["not_eligible", "referred", "enrollment_closed"] = "not_eligible"
    department: str | None = Field(None, pattern=_IDENT)


class Output(RuleBase):
    funding_source: str | None = None
    payment: Literal["direct", "reimbursed_after_payment", "other_department"] | None = None
    share: Decimal | None = Field(None, ge=0, le=1)
    premium: str | None = None
    amount: str | None = Field(None, description="a parameter giving the subsidy amount directly")
    tier: int | Literal["chosen"] | None = None
    benefit_start: Any = None
    benefit_end: Any = None
    responsible_region: Literal["approving_region", "hukou_region"] | None = None
    enrollment_unit: str | None = Field(None, description="code of the unit the person is enrolled under")
    flags: list[str] = Field(default_factory=list)
    deadlines: list[Deadline] = Field(default_factory=list)
    benefits: list[TierBenefit] = Field(default_factory=list)
    overrides: list[Annotated[str, Field(pattern=_IDENT)]] = Field(default_factory=list, description=(
        "outputs of the program whose single-valued fields this one wins over when both apply"))


class FactDefault(_Strict):
    """A fact the text itself settles when the request leaves it out (412号: special groups
    are enrolled at tier 1 unless they choose tier 2)."""

    fact: Literal["choices.tier", "choices.pension_grade", "person.student", "person.social_security_card"]
    value: Any
    clause: str = Field(min_length=1)
    label: str = Field(min_length=1, description="what the text says, quoted or closely paraphrased")
    label_en: Label


class Program(_Strict):
    label: Label
    label_en: Label
    coverage_year: CoverageYear = Field(default_factory=CoverageYear)
    status_date: Literal["as_of", "registration"] = Field(
        "as_of", description="registration: statuses are judged on the day an existing enrolment "
                             "for the coverage year was paid (eligibility fixed at registration)")
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    preconditions: list[Precondition] = Field(default_factory=list)
    categories: list[Category] = Field(min_length=1)
    priority: list[str] | None = None
    exclusions: list[Exclusion] = Field(default_factory=list)
    outputs: list[Output] = Field(default_factory=list)
    defaults: list[FactDefault] = Field(default_factory=list, description=(
        "facts the text settles when a request leaves them out, each with its clause"))


class Version(_Strict):
    id: str
    document: Document
    effective: Window
    programs: dict[str, Program] = Field(min_length=1)


class CodeLabel(_Strict):
    """One code's labels: Chinese from the text, its English, and the clause it comes from."""

    zh: str = Field(min_length=1, description="the label in Chinese, from the official text")
    en: str = Field(min_length=1, description="the label in English, translated from `zh`")
    clause: str | None = Field(None, description="the clause of the text the code comes from")


class Codes(_Strict):
    """The codes a policy's outputs and rules use, each with its labels, so decisions and docs can name them."""

    flags: dict[Annotated[str, Field(pattern=_IDENT)], CodeLabel] = Field(default_factory=dict)
    funding_sources: dict[Annotated[str, Field(pattern=_IDENT)], CodeLabel] = Field(default_factory=dict)
    departments: dict[Annotated[str, Field(pattern=_IDENT)], CodeLabel] = Field(
        default_factory=dict, description="who handles a referred category or exclusion")


class Acknowledgement(_Strict):
    """A lint finding the authors mean: its code, the rule it is about, and why it stands."""

    code: str = Field(pattern=_IDENT)
    rule: str = Field(pattern=r"^[a-z_]+\.[a-z][a-z0-9_]*$", description="kind and id: `outputs.lottery_funded`")
    reason: str = Field(min_length=1)


class Lint(_Strict):
    acknowledge: list[Acknowledgement] = Field(default_factory=list)


class PolicyFile(_Strict):
    city: str = Field(pattern=_IDENT)
    name: str
    region: str = Field(pattern=r"^\d{2,6}$")
    codes: Codes = Field(default_factory=Codes)
    lint: Lint = Field(default_factory=Lint)
    versions: list[Version] = Field(min_length=1)

"""The request contract: one person, one date, one city, as pydantic models.

Field names are fixed: other systems are written against them (``docs/schema/request.json``).
Parsing collects every bad field at once (:func:`parse_request`); identifying values
(ID number, name) never appear in errors or reprs.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ._errors import FieldIssue, RequestError
from ._identity import id_birth_date, id_problem, mask_id, mask_name

RegionCode = Annotated[str, Field(pattern=r"^\d{6}$", description="GB/T 2260 six-digit region code")]
Area = Literal["rural", "urban"]

MAX_STATUSES = 64
MAX_ENROLLMENTS = 64


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Hukou(_Model):
    """Household registration: where (GB/T 2260 code) and which kind."""

    region: RegionCode | None = None
    kind: Area | None = None


class _Status(_Model):
    since: dt.date = Field(description="date the status was granted")
    until: dt.date | None = Field(None, description="last day the status holds; open if absent")
    approved_by: RegionCode | None = Field(None, description="region code of the approving authority")
    area: Area | None = Field(None, description="rural or urban, where it differs from the hukou kind")

    @model_validator(mode="after")
    def _since_before_until(self) -> "_Status":
        if self.until is not None and self.until < self.since:
            raise PydanticCustomError("date_order", "until ({until}) is before since ({since})",
                                      {"until": str(self.until), "since": str(self.since)})
        return self

    def holds_on(self, day: dt.date) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)


Care = Literal["dispersed", "centralized"]
Institution = Literal["city_welfare_home", "county_welfare_home", "town_nursing_home"]


class Dibao(_Status):
    kind: Literal["dibao"]


class Tekun(_Status):
    kind: Literal["tekun"]
    care: Care | None = None
    institution: Institution | None = None


class Orphan(_Status):
    kind: Literal["orphan"]
    care: Care | None = None
    institution: Institution | None = None
    allowance: bool | None = Field(None, description="receives the orphan basic living allowance")


class DeFactoUnsupportedChild(_Status):
    kind: Literal["de_facto_unsupported_child"]


class DistressedChild(_Status):
    kind: Literal["distressed_child"]
    unable_to_pay: bool | None = None


class RegisteredPoor(_Status):
    kind: Literal["registered_poor"]
    poverty_exit: Literal["not_exited", "exited", "stable_exit"] | None = None
    unable_to_pay: bool | None = None


class LowIncomeHousehold(_Status):
    kind: Literal["low_income_household"]


class SeriousIllness(_Status):
    kind: Literal["serious_illness"]
    disease: Literal["malignant_tumor_treatment", "chronic_renal_failure_dialysis",
                     "organ_transplant_antirejection", "hemophilia", "aplastic_anemia", "other"] | None = None


class Disability(_Status):
    kind: Literal["disability"]
    grade: Literal[1, 2, 3, 4] | None = None
    type: Literal["visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"] | None = None
    certificate_valid_until: dt.date | None = None
    lost_work_capacity: bool | None = None


class EntitledGroup(_Status):
    kind: Literal["entitled_group"]
    class_: Literal[1, 2, 3] | None = Field(None, alias="class")
    key: bool | None = Field(None, description="a key entitled person (重点优抚对象)")


class FamilyPlanning(_Status):
    kind: Literal["family_planning"]
    plan: Literal["rural_only_child_parent", "only_child", "rural_two_daughters_sterilized",
                  "bereaved_only_child_parent"] | None = None
    honour_certificate: bool | None = Field(None, description="holds the 独生子女父母光荣证")


class SettledVagrant(_Status):
    kind: Literal["settled_vagrant"]
    placed_by: Literal["city", "county"] | None = None


Status = Annotated[
    Union[Dibao, Tekun, Orphan, DeFactoUnsupportedChild, DistressedChild, RegisteredPoor,
          LowIncomeHousehold, SeriousIllness, Disability, EntitledGroup, FamilyPlanning, SettledVagrant],
    Field(discriminator="kind"),
]
STATUS_KINDS = ("dibao", "tekun", "orphan", "de_facto_unsupported_child", "distressed_child",
                "registered_poor", "low_income_household", "serious_illness", "disability",
                "entitled_group", "family_planning", "settled_vagrant")


class _EmployeeScheme(_Model):
    """A period of employee insurance (medical or pension), open-ended while ``to`` is absent."""

    from_: dt.date = Field(alias="from")
    to: dt.date | None = None
    region: RegionCode | None = Field(None, description="region code where the insurance was held")

    @model_validator(mode="after")
    def _order(self) -> "_EmployeeScheme":
        if self.to is not None and self.to < self.from_:
            raise PydanticCustomError("date_order", "to ({to}) is before from ({start})",
                                      {"to": str(self.to), "start": str(self.from_)})
        return self


class EmployeeMedical(_EmployeeScheme):
    scheme: Literal["employee_medical"]


class EmployeePension(_EmployeeScheme):
    scheme: Literal["employee_pension"]


class ResidentMedical(_Model):
    scheme: Literal["resident_medical"]
    year: int = Field(ge=1990, le=2100)
    tier: Literal[1, 2] | None = None
    paid_by: Literal["self", "government"] | None = None
    paid_on: dt.date | None = None


Enrollment = Annotated[Union[EmployeeMedical, EmployeePension, ResidentMedical], Field(discriminator="scheme")]
SCHEMES = ("employee_medical", "employee_pension", "resident_medical")


class Person(_Model):
    """The person applied for. ``id_number`` and ``name`` never leave the library unmasked."""

    id_number: str | None = Field(None, repr=False, description="18-character resident ID (GB 11643)")
    name: str | None = Field(None, repr=False, max_length=100)
    birth_date: dt.date | None = Field(None, description="required unless id_number gives it")
    sex: Literal["female", "male"] | None = None
    hukou: Hukou | None = None
    student: bool | None = Field(None, description="a full-time student (needed by pension rules)")
    statuses: list[Status] = Field(default_factory=list, max_length=MAX_STATUSES)
    enrollments: list[Enrollment] = Field(default_factory=list, max_length=MAX_ENROLLMENTS)

    @field_validator("id_number")
    @classmethod
    def _valid_id(cls, value: str | None) -> str | None:
        if value is not None:
            value = value.upper()
            problem = id_problem(value)
            if problem:
                raise PydanticCustomError("id_number", "invalid ID number: {problem}", {"problem": problem})
        return value

    @model_validator(mode="after")
    def _birth_date_agrees(self) -> "Person":
        if self.id_number and self.birth_date:
            encoded = id_birth_date(self.id_number)
            if encoded != self.birth_date:
                raise PydanticCustomError(
                    "birth_date_mismatch",
                    "birth_date {given} contradicts the birth date in id_number",
                    {"given": str(self.birth_date)})
        return self

    @property
    def effective_birth_date(self) -> dt.date | None:
        if self.birth_date is not None:
            return self.birth_date
        return id_birth_date(self.id_number) if self.id_number else None

    @property
    def masked_id(self) -> str | None:
        return mask_id(self.id_number) if self.id_number else None

    @property
    def masked_name(self) -> str | None:
        return mask_name(self.name) if self.name else None


class Choices(_Model):
    tier: Literal[1, 2] | None = None
    pension_grade: Decimal | None = Field(None, gt=0)


class Request(_Model):
    """One evaluation request. See ``docs/schema/request.json`` and the README."""

    city: str = Field(min_length=1, max_length=64, description="policy id: the policy file's stem")
    as_of: dt.date = Field(description="date of the application; picks the version in force")
    as_of_time: dt.time | None = Field(
        None, description="time of day of the application, where a window closes at an hour")
    coverage_year: int | None = Field(
        None, ge=1990, le=2100,
        description="insurance year applied for; default set by the policy (see docs/authoring.md)")
    program: str = Field("resident_medical", min_length=1, max_length=64)
    person: Person
    choices: Choices = Field(default_factory=Choices)
    parameters: dict[str, Decimal] = Field(default_factory=dict, max_length=64)

    @model_validator(mode="before")
    @classmethod
    def _split_datetime(cls, data: Any) -> Any:
        """Accept ``as_of: 2018-02-22T16:30`` as a date and a time."""
        if isinstance(data, dict):
            value = data.get("as_of")
            if isinstance(value, dt.datetime):
                data = {**data, "as_of": value.date(), "as_of_time": value.time()}
            elif isinstance(value, str) and ("T" in value or " " in value.strip()):
                try:
                    parsed = dt.datetime.fromisoformat(value.strip())
                except ValueError:
                    return data
                data = {**data, "as_of": parsed.date(), "as_of_time": parsed.time()}
        return data

    @field_validator("parameters")
    @classmethod
    def _non_negative(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        bad = sorted(name for name, amount in value.items() if not amount.is_finite() or amount < 0)
        if bad:
            raise PydanticCustomError("negative_amount",
                                      "parameter values must be finite and not negative: {names}",
                                      {"names": ", ".join(bad)})
        return value

    @model_validator(mode="after")
    def _nothing_after_application(self) -> "Request":
        for index, status in enumerate(self.person.statuses):
            if status.since > self.as_of:
                raise PydanticCustomError(
                    "status_after_as_of",
                    "person.statuses[{index}].since ({since}) is after as_of ({as_of}): "
                    "a status cannot be granted after the application",
                    {"index": index, "since": str(status.since), "as_of": str(self.as_of)})
        return self


_SECRET_FIELDS = {"id_number", "name"}


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in STATUS_KINDS or part in SCHEMES:
            continue  # the discriminator tag pydantic inserts; the index already names the item
        else:
            path += f".{part}" if path else str(part)
    return path


def _issue_from_pydantic(error: dict[str, Any]) -> FieldIssue:
    path = _loc_to_path(tuple(error["loc"]))
    kind = error["type"]
    message = error["msg"]
    if kind == "union_tag_invalid":
        message = f"unknown kind; expected one of: {', '.join(error['ctx']['expected_tags'].split(', '))}"
    elif kind == "literal_error":
        message = f"{message}"
    elif kind == "extra_forbidden":
        message = "unknown field"
    elif kind == "missing":
        message = "field required"
    if kind not in ("id_number", "birth_date_mismatch") and not (set(map(str, error["loc"])) & _SECRET_FIELDS):
        value = error.get("input")
        if isinstance(value, (str, int, float, Decimal, dt.date)) and kind not in ("missing",):
            shown = str(value)
            if len(shown) <= 40:
                message += f" (got {shown!r})"
    return FieldIssue(path=path, code=kind, message=message)


def parse_request(data: Any) -> Request:
    """Validate a decoded request (a mapping), reporting every bad field in one RequestError."""
    if isinstance(data, Request):
        return data
    if not isinstance(data, dict):
        raise RequestError([FieldIssue("", "type", f"a request must be a mapping, got {type(data).__name__}")])
    try:
        return Request.model_validate(data)
    except ValidationError as exc:
        raise RequestError([_issue_from_pydantic(error) for error in exc.errors()]) from None


class _RequestYamlLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so pydantic reports a bad date by its field path."""


_RequestYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_request_text(text: str, *, source: str = "<request>") -> Request:
    """Parse a request given as JSON or YAML text."""
    try:
        data = json.loads(text)
    except ValueError:
        try:
            data = yaml.load(text, Loader=_RequestYamlLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise RequestError([FieldIssue("", "syntax", f"{source} is neither JSON nor YAML{where}")]) from None
    return parse_request(data)


def mask_text(text: str, person: Person | None) -> str:
    """Replace the person's ID number and name wherever they occur in ``text``."""
    if person is None:
        return text
    if person.id_number:
        text = text.replace(person.id_number, mask_id(person.id_number))
    if person.name:
        text = text.replace(person.name, mask_name(person.name))
    return text

"""The records a request carries: household registration, hardship statuses, enrolments.

Every status kind and its attributes are declared here once; the policy language checks
its status conditions against ``STATUS_ATTRIBUTES``.
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field

from ._fields import Area, Day, Flag, RegionCode, _Model

class Hukou(_Model):
    """Household registration: where (GB/T 2260 code) and which kind."""

    region: RegionCode | None = None
    kind: Area | None = None


class _Status(_Model):
    since: Day = Field(description="date the status was granted")
    until: Day | None = Field(None, description="last day the status holds; open if absent")
    approved_by: RegionCode | None = Field(None, description="region code of the approving authority")
    area: Area | None = Field(None, description="rural or urban, where it differs from the hukou kind")

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
    allowance: Flag | None = Field(None, description="receives the orphan basic living allowance")


class DeFactoUnsupportedChild(_Status):
    kind: Literal["de_facto_unsupported_child"]


class DistressedChild(_Status):
    kind: Literal["distressed_child"]
    unable_to_pay: Flag | None = None


class RegisteredPoor(_Status):
    kind: Literal["registered_poor"]
    poverty_exit: Literal["not_exited", "exited", "stable_exit"] | None = None
    unable_to_pay: Flag | None = None


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
    certificate_valid_until: Day | None = None
    lost_work_capacity: Flag | None = None


class EntitledGroup(_Status):
    kind: Literal["entitled_group"]
    class_: Literal[1, 2, 3] | None = Field(None, alias="class")
    key: Flag | None = Field(None, description="a key entitled person (重点优抚对象)")


class FamilyPlanning(_Status):
    kind: Literal["family_planning"]
    plan: Literal["rural_only_child_parent", "only_child", "rural_two_daughters_sterilized",
                  "bereaved_only_child_parent", "disabled_only_child_parent"] | None = None
    honour_certificate: Flag | None = Field(None, description="holds the 独生子女父母光荣证")
    child_disability_grade: Literal[1, 2, 3, 4] | None = Field(
        None, description="disabled_only_child_parent: the legally assessed disability grade of the only child")
    cannot_have_another_child: Flag | None = Field(
        None, description="the couple cannot have another child or adopt one lawfully (不能再生育子女或不具备合法收养子女条件)")
    woman_birth_date: Day | None = Field(
        None, description="birth date of the woman of the couple (女方), for rules counting from her age")


class SettledVagrant(_Status):
    kind: Literal["settled_vagrant"]
    placed_by: Literal["city", "county"] | None = None


class DisabledParent(_Status):
    """A parent of the person holds a disability certificate (for rules on disabled people's
    newborns, e.g. Shaoguan 附件3·一): the attributes are the parent's; ``area`` is the
    parent's rural/urban status where it differs from the person's hukou kind."""

    kind: Literal["disabled_parent"]
    grade: Literal[1, 2, 3, 4] | None = Field(None, description="the parent's disability grade")
    type: Literal["visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"] | None = Field(
        None, description="the parent's disability type")


Status = Annotated[
    Union[Dibao, Tekun, Orphan, DeFactoUnsupportedChild, DistressedChild, RegisteredPoor,
          LowIncomeHousehold, SeriousIllness, Disability, EntitledGroup, FamilyPlanning, SettledVagrant,
          DisabledParent],
    Field(discriminator="kind"),
]
# every status kind, its model and its attributes, read once from the models above: the
# policy language checks status conditions against these (one declaration, not two)
STATUS_MODELS: dict[str, type[BaseModel]] = {
    typing.get_args(model.model_fields["kind"].annotation)[0]: model
    for model in typing.get_args(typing.get_args(Status)[0])}
STATUS_KINDS: tuple[str, ...] = tuple(STATUS_MODELS)
STATUS_COMMON_FIELDS = frozenset({"kind", "since", "until", "approved_by", "area"})


def attribute_values(annotation: Any) -> tuple[Any, ...] | None:
    """The values an optional status attribute takes (its Literal values, or true and false);
    None for a date attribute."""
    values: list[Any] = []
    for arg in typing.get_args(annotation) or (annotation,):
        if arg is type(None):
            continue
        if typing.get_origin(arg) is typing.Annotated:  # the strict Flag
            arg = typing.get_args(arg)[0]
        if typing.get_origin(arg) is Literal:
            values += typing.get_args(arg)
        elif arg is bool:
            values += [True, False]
        else:
            return None
    return tuple(values)


def _attributes(model: type[BaseModel]) -> dict[str, tuple[str, tuple[Any, ...] | None]]:
    return {(info.alias or name): (name, attribute_values(info.annotation))
            for name, info in model.model_fields.items() if name not in STATUS_COMMON_FIELDS}


# kind -> attribute (as written, e.g. ``class``) -> (model field name, its values or None for a date)
STATUS_ATTRIBUTES: dict[str, dict[str, tuple[str, tuple[Any, ...] | None]]] = {
    kind: _attributes(model) for kind, model in STATUS_MODELS.items()}


class _EmployeeScheme(_Model):
    """A period of employee insurance (medical or pension), open-ended while ``to`` is absent."""

    from_: Day = Field(alias="from")
    to: Day | None = None
    region: RegionCode | None = Field(None, description="region code where the insurance was held")


class EmployeeMedical(_EmployeeScheme):
    scheme: Literal["employee_medical"]


class EmployeePension(_EmployeeScheme):
    scheme: Literal["employee_pension"]


class ResidentMedical(_Model):
    scheme: Literal["resident_medical"]
    year: int = Field(ge=1990, le=2100)
    tier: Literal[1, 2] | None = None
    paid_by: Literal["self", "government"] | None = None
    paid_on: Day | None = None


Enrollment = Annotated[Union[EmployeeMedical, EmployeePension, ResidentMedical], Field(discriminator="scheme")]
SCHEMES = ("employee_medical", "employee_pension", "resident_medical")
ENROLLMENT_MODELS: dict[str, type[BaseModel]] = {
    "employee_medical": EmployeeMedical, "employee_pension": EmployeePension, "resident_medical": ResidentMedical}



"""The request contract: one person, one date, one city, as pydantic models.

Field names are fixed: other systems are written against them (``docs/schema/request.json``).
Parsing collects every bad field at once (:func:`parse_request`); identifying values
(ID number, name) never appear in errors or reprs.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..errors import FieldIssue, RequestError
from ._fields import (EARLIEST_DATE, LATEST_DATE, MAX_AMOUNT, MAX_ENROLLMENTS, MAX_STATUSES, Day,
                      Flag, _Model)
from ._times import china_time
from ._identity import id_birth_date, id_problem, mask_id, mask_name, scrub
from ._records import SCHEMES, STATUS_KINDS, Enrollment, Hukou, Status

class Person(_Model):
    """The person applied for. ``id_number`` and ``name`` never leave the library unmasked."""

    id_number: str | None = Field(None, repr=False, description="18-character resident ID (GB 11643)")
    name: str | None = Field(None, repr=False, max_length=100)
    birth_date: Day | None = Field(None, description="required unless id_number gives it")
    sex: Literal["female", "male"] | None = None
    hukou: Hukou | None = None
    student: Flag | None = Field(None, description="a full-time student (needed by pension rules)")
    social_security_card: Flag | None = Field(
        None, description="holds a social security card (社会保障卡)")
    # tuples, not lists: a request cannot change under a decision whose trace replays it
    statuses: tuple[Status, ...] = Field(default=(), max_length=MAX_STATUSES)
    enrollments: tuple[Enrollment, ...] = Field(default=(), max_length=MAX_ENROLLMENTS)

    @field_validator("id_number")
    @classmethod
    def _valid_id(cls, value: str | None) -> str | None:
        if value is not None:
            value = value.upper()
            problem = id_problem(value)
            if problem:
                raise PydanticCustomError("id_number", "invalid ID number: {problem}", {"problem": problem})
        return value

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


def _whole_number(value: Any) -> Any:
    # a Literal[1, 2] takes True as 1 and 1.0 as 1: `tier: true` would silently be tier 1
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError("int_type", "a tier is the number 1 or 2")
    return value


class Choices(_Model):
    tier: Annotated[Literal[1, 2], BeforeValidator(_whole_number)] | None = None
    pension_grade: Decimal | None = Field(None, gt=0, le=MAX_AMOUNT)


class Request(_Model):
    """One evaluation request. See ``docs/schema/request.json`` and the README."""

    city: str = Field(min_length=1, max_length=64, description="policy id: the policy file's stem")
    as_of: Day = Field(description="date of the application; picks the version in force")
    as_of_time: dt.time | None = Field(
        None, description="time of day of the application in China Standard Time, where a window closes at an "
                          "hour (an offset such as +00:00 is converted to UTC+8)")
    coverage_year: int | None = Field(
        None, ge=1990, le=2100,
        description="insurance year applied for; default set by the policy (see docs/authoring.md)")
    program: str = Field("resident_medical", min_length=1, max_length=64)
    person: Person
    choices: Choices = Field(default=Choices())  # frozen: one shared "no choices" serves every request
    parameters: dict[Annotated[str, Field(min_length=1, max_length=64)], Decimal] = Field(
        default_factory=dict, max_length=64,
        description="parameter values in the policy's unit (yuan: a decimal string such as \"320\")")

    @model_validator(mode="before")
    @classmethod
    def _split_datetime(cls, data: Any) -> Any:
        """``as_of: 2018-02-22T16:30`` is a date and a time; an offset is converted to China
        Standard Time (UTC+8), the day moving with it; a time given twice is refused."""
        if isinstance(data, dict):
            return china_time(data)
        return data

    @field_validator("parameters")
    @classmethod
    def _plausible_amounts(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        negative, too_large = [], []
        for name, amount in value.items():
            if not amount.is_finite() or amount < 0:
                negative.append(name)
            elif amount > MAX_AMOUNT or amount.as_tuple().exponent < -8:  # type: ignore[operator]
                too_large.append(name)  # a typo; it would also overflow rounding to the fen
        if negative:
            raise PydanticCustomError("negative_amount",
                                      "parameter values must be finite and not negative: {names}",
                                      {"names": ", ".join(sorted(negative))})
        if too_large:
            raise PydanticCustomError("amount_out_of_range",
                                      "parameter values must be at most {limit} with at most 8 decimals: {names}",
                                      {"limit": str(MAX_AMOUNT), "names": ", ".join(sorted(too_large))})
        return value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> "Request":
        # one check of every field against the others (not one validator per record): the
        # first problem here; parse_request reports every one by its own path
        if info.context and info.context.get("consistency_reported_by_caller"):
            return self
        problems = consistency_problems(self)
        if problems:
            path, code, message = problems[0]
            raise PydanticCustomError(code, "{path}: {message}", {"path": path, "message": message})
        return self


def consistency_problems(request: Request) -> list[tuple[str, str, str]]:
    """(path, code, message) for each field that contradicts another: a period ending before
    it starts, a birth date other than the ID's, a date after ``as_of`` that cannot be."""
    person = request.person
    return _contradictions(request.as_of, person.birth_date,
                           id_birth_date(person.id_number) if person.id_number else None,
                           [(status.since, status.until) for status in person.statuses],
                           [(getattr(e, "from_", None), getattr(e, "to", None)) for e in person.enrollments])


def _contradictions(as_of: dt.date | None, born: dt.date | None, id_born: dt.date | None,
                    statuses: list[tuple[dt.date | None, dt.date | None]],
                    periods: list[tuple[dt.date | None, dt.date | None]]) -> list[tuple[str, str, str]]:
    """The cross-field checks, on decoded or raw requests alike (a date left None is not checked)."""
    problems = [(f"person.statuses[{i}]", "date_order", f"until ({until}) is before since ({since})")
                for i, (since, until) in enumerate(statuses) if since and until and until < since]
    problems += [(f"person.enrollments[{i}]", "date_order", f"to ({end}) is before from ({start})")
                 for i, (start, end) in enumerate(periods) if start and end and end < start]
    if id_born is not None and born is not None and id_born != born:
        problems.append(("person", "birth_date_mismatch", f"birth_date {born} contradicts the birth date in id_number"))
    if as_of is None:
        return problems
    return problems + _timeline(as_of, born or id_born, "person.birth_date" if born else "person.id_number",
                                [since for since, _ in statuses])


def _timeline(as_of: dt.date, born: dt.date | None, born_path: str,
              sinces: list[dt.date | None]) -> list[tuple[str, str, str]]:
    problems = []
    if born is not None and born > as_of:
        problems.append((born_path, "born_after_as_of",
                         f"the birth date ({born}) is after as_of ({as_of}): the person is not born yet"))
    for index, since in enumerate(sinces):
        if since is not None and since > as_of:
            problems.append((f"person.statuses[{index}].since", "status_after_as_of",
                             f"since ({since}) is after as_of ({as_of}): "
                             "a status cannot be granted after the application"))
    return problems


_SECRET_FIELDS = {"id_number", "name"}


def shown_input(value: Any) -> str | None:
    """``value`` as a message may quote it, or None: only short plain ASCII is echoed, since a
    name typed into the wrong field is Chinese text and must not come back in an error."""
    if isinstance(value, (str, int, float, Decimal, dt.date)) and not isinstance(value, bool):
        shown = str(value)
        # names hold no digits: "280元" or "2021-13-01" is echoed, "陈某某" never
        if _PLAIN.fullmatch(shown) or (len(shown) <= 40 and any(c.isdigit() for c in shown)):
            return repr(scrub(shown))
    return None


_PLAIN = re.compile(r"[\x20-\x7e]{0,40}")


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    path = ""
    after_index = False
    for part in loc:
        if isinstance(part, str) and not _PLAIN.fullmatch(part):
            part = "<unknown key>"  # a key is only echoed when it is plain ASCII, like every field name
        if isinstance(part, int):
            path += f"[{part}]"
        elif after_index and (part in STATUS_KINDS or part in SCHEMES):
            after_index = False
            continue  # the discriminator tag pydantic inserts after an item's index
        else:
            path += f".{part}" if path else str(part)
        after_index = isinstance(part, int)
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
    elif kind in ("greater_than_equal", "less_than_equal") and re.fullmatch(
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}", str(error.get("ctx", {}).get("ge", error.get("ctx", {}).get("le", "")))):
        kind = "date_out_of_range"
        message = f"date {error.get('input')} is outside {EARLIEST_DATE}..{LATEST_DATE}"
    if kind not in ("id_number", "birth_date_mismatch", "missing") and not (
            set(map(str, error["loc"])) & _SECRET_FIELDS):
        shown = shown_input(error.get("input"))
        if shown is not None:
            message += f" (got {shown})"
    return FieldIssue(path=path, code=kind, message=message)


def parse_request(data: Any) -> Request:
    """Validate a decoded request (a mapping), reporting every bad field in one RequestError.

    No message or path of the error holds the person's ID number or name, nor anything
    shaped like an ID number, even when it was typed into another field.
    """
    if isinstance(data, Request):
        return data
    if not isinstance(data, dict):
        raise RequestError([FieldIssue("", "type", f"a request must be a mapping, got {type(data).__name__}")])
    secrets = _secrets(data)
    issues = None
    try:
        request = Request.model_validate(data, context=_CALLER_REPORTS)
    except ValidationError as exc:
        issues = [_issue_from_pydantic(error) for error in exc.errors()]
    if issues is not None:
        # raised here, not in the except block: the ValidationError (which holds the raw ID
        # and name as its inputs) must not ride along as the RequestError's __context__
        issues += [FieldIssue(path, code, message) for path, code, message in _raw_timeline_problems(data)]
        raise RequestError(scrub_issues(issues, secrets))
    problems = consistency_problems(request)
    if problems:
        raise RequestError(scrub_issues([FieldIssue(*problem) for problem in problems], secrets))
    return request


_CALLER_REPORTS = {"consistency_reported_by_caller": True}


def _secrets(data: dict[str, Any]) -> tuple[str, ...]:
    person = data.get("person")
    if not isinstance(person, dict):
        return ()
    return tuple(value for value in (person.get("id_number"), person.get("name"))
                 if isinstance(value, str) and value.strip())


def scrub_issues(issues: list[FieldIssue], secrets: tuple[str, ...] = ()) -> list[FieldIssue]:
    """The issues with every ID-shaped number and every ``secrets`` string masked."""
    return [FieldIssue(scrub(issue.path, secrets), issue.code, scrub(issue.message, secrets)) for issue in issues]


def _raw_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?![0-9])")


def _raw_timeline_problems(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The consistency checks on undecoded data, so they are reported with the other bad fields."""
    as_of = _raw_date(data.get("as_of"))
    person = data.get("person")
    if not isinstance(person, dict):
        return []
    statuses = person.get("statuses")
    enrollments = person.get("enrollments")
    id_number = person.get("id_number")
    id_born = id_birth_date(id_number.upper()) if isinstance(id_number, str) and not id_problem(id_number.upper()) \
        else None

    def pair(record: Any, first: str, last: str) -> tuple[dt.date | None, dt.date | None]:
        return (_raw_date(record.get(first)), _raw_date(record.get(last))) if isinstance(record, dict) else (None, None)
    return _contradictions(as_of, _raw_date(person.get("birth_date")), id_born,
                           [pair(s, "since", "until") for s in (statuses if isinstance(statuses, list) else [])],
                           [pair(e, "from", "to") for e in (enrollments if isinstance(enrollments, list) else [])])

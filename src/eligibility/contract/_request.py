"""The request contract: one person, one date, one city, as pydantic models.

Field names are fixed: other systems are written against them (``docs/schema/request.json``).
Parsing collects every bad field at once (:func:`parse_request`); identifying values
(ID number, name) never appear in errors or reprs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..errors import FieldIssue, RequestError
from ..loading import SAFE_LOADER, load_located
from ._fields import (EARLIEST_DATE, LATEST_DATE, MAX_AMOUNT, MAX_ENROLLMENTS, MAX_REQUEST_BYTES, MAX_STATUSES, Day,
                      Flag, _Model)
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
    pension_grade: Decimal | None = Field(None, gt=0, le=MAX_AMOUNT)


class Request(_Model):
    """One evaluation request. See ``docs/schema/request.json`` and the README."""

    city: str = Field(min_length=1, max_length=64, description="policy id: the policy file's stem")
    as_of: Day = Field(description="date of the application; picks the version in force")
    as_of_time: dt.time | None = Field(
        None, description="time of day of the application, where a window closes at an hour")
    coverage_year: int | None = Field(
        None, ge=1990, le=2100,
        description="insurance year applied for; default set by the policy (see docs/authoring.md)")
    program: str = Field("resident_medical", min_length=1, max_length=64)
    person: Person
    choices: Choices = Field(default_factory=Choices)
    parameters: dict[Annotated[str, Field(min_length=1, max_length=64)], Decimal] = Field(
        default_factory=dict, max_length=64,
        description="parameter values in the policy's unit (yuan: a decimal string such as \"320\")")

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
        # a huge or over-precise figure is a typo; it would also overflow rounding to the fen
        bad = sorted(name for name, amount in value.items()
                     if amount > MAX_AMOUNT or amount.as_tuple().exponent < -8)
        if bad:
            raise PydanticCustomError("amount_out_of_range",
                                      "parameter values must be at most {limit} with at most 8 decimals: {names}",
                                      {"limit": str(MAX_AMOUNT), "names": ", ".join(bad)})
        return value

    @model_validator(mode="after")
    def _nothing_after_application(self, info: ValidationInfo) -> "Request":
        if info.context and info.context.get("timeline_reported_by_caller"):
            return self  # parse_request reports every such date by its own path
        problems = timeline_problems(self)
        if problems:
            path, code, message = problems[0]
            raise PydanticCustomError(code, "{path}: {message}", {"path": path, "message": message})
        return self


def timeline_problems(request: Request) -> list[tuple[str, str, str]]:
    """(path, code, message) for each date that cannot be later than ``as_of`` but is."""
    person = request.person
    return _timeline(request.as_of, person.effective_birth_date,
                     "person.birth_date" if person.birth_date is not None else "person.id_number",
                     [status.since for status in person.statuses])


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
    for part in loc:
        if isinstance(part, str) and not _PLAIN.fullmatch(part):
            part = "<unknown key>"  # a key is only echoed when it is plain ASCII, like every field name
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
    elif kind in ("greater_than_equal", "less_than_equal") and "datetime.date" in str(error.get("ctx")):
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
    try:
        request = Request.model_validate(data, context={"timeline_reported_by_caller": True})
    except ValidationError as exc:
        issues = [_issue_from_pydantic(error) for error in exc.errors()]
        issues += [FieldIssue(path, code, message) for path, code, message in _raw_timeline_problems(data)]
        raise RequestError(scrub_issues(issues, secrets)) from None
    problems = timeline_problems(request)
    if problems:
        raise RequestError(scrub_issues([FieldIssue(*problem) for problem in problems], secrets))
    return request


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
    """The timeline checks on undecoded data, so they are reported with the other bad fields."""
    as_of = _raw_date(data.get("as_of"))
    person = data.get("person")
    if as_of is None or not isinstance(person, dict):
        return []
    statuses = person.get("statuses")
    return _timeline(as_of, _raw_date(person.get("birth_date")), "person.birth_date",
                     [_raw_date(s.get("since")) if isinstance(s, dict) else None
                      for s in (statuses if isinstance(statuses, list) else [])])


class _RequestYamlLoader(SAFE_LOADER):  # type: ignore[misc,valid-type]
    """Safe YAML that leaves dates as text, so pydantic reports a bad date by its field path."""


_RequestYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_request_text(text: str, *, source: str = "<request>") -> Request:
    """Parse a request given as JSON or YAML text (at most MAX_REQUEST_BYTES).

    YAML is read with the policy loader's limits: core tags only, no alias bombs, no
    deep nesting.
    """
    if len(text) > MAX_REQUEST_BYTES or len(text.encode("utf-8", errors="replace")) > MAX_REQUEST_BYTES:
        raise RequestError([FieldIssue("", "request_too_large",
                                       f"{source} is larger than {MAX_REQUEST_BYTES} bytes; one request is one person")])
    try:
        data = json.loads(text)
    except RecursionError:
        raise RequestError([FieldIssue("", "too_deep", f"{source} nests deeper than a request can")]) from None
    except ValueError:
        located, problems = load_located(text, source, loader_class=_RequestYamlLoader, max_bytes=MAX_REQUEST_BYTES)
        if located is None:
            problem = problems[0]
            where = f" at line {problem.line}, column {problem.column}" if problem.line else ""
            code = "syntax" if problem.code == "yaml_syntax" else problem.code
            # the walker's other messages quote values and keys, which may be a name
            detail = (f": {scrub(problem.message)}" if problem.code in ("yaml_syntax", "bad_character", "too_deep")
                      else f" ({problem.code})")
            raise RequestError([FieldIssue("", code, f"{source} is neither JSON nor valid YAML{where}{detail}")]) \
                from None
        data = located.data
    return parse_request(data)

"""Located policy issues from pydantic validation errors, with did-you-mean hints.

One converter serves the policy file's models and every condition kind's spec: the
walker adds the location (``base`` + pydantic's ``loc``); nothing here builds paths by hand.
"""

from __future__ import annotations

import difflib
import typing
from typing import Any, Iterable

from pydantic import BaseModel

from ..errors import PolicyIssue
from ..loading import Located


def did_you_mean(word: Any, choices: Iterable[Any]) -> str:
    """``"did you mean 'x'? "`` for the closest of ``choices``, or ``""``."""
    close = difflib.get_close_matches(str(word), sorted(str(c) for c in choices), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        found += _models_in(arg)
    return found


def _is_mapping_of_models(annotation: Any) -> bool:
    for arg in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(arg) is dict:
            return True
    return False


def model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model that validates the mapping at ``loc`` below ``model``, for did-you-mean."""
    candidates: list[type[BaseModel]] = [model]
    key_next = False
    for part in loc:
        if isinstance(part, int):
            continue
        if key_next:  # a mapping's own key (a program or parameter name)
            key_next = False
            continue
        found = None
        for candidate in candidates:
            for name, info in candidate.model_fields.items():
                if part in (name, info.alias):
                    found = info.annotation
                    break
            if found is not None:
                break
        if found is None:
            return None
        candidates = _models_in(found)
        key_next = _is_mapping_of_models(found)
        if not candidates:
            return None
    return candidates[0] if candidates else None


def field_names(model: type[BaseModel]) -> list[str]:
    return sorted(info.alias or name for name, info in model.model_fields.items())


# hints for pydantic's error types (docs/errors.md lists them); anything else gets a pointer
HINTS = {
    "string_type": "write text here (quote it if YAML reads it as a number, date or yes/no)",
    "string_too_short": "this text may not be empty",
    "string_pattern_mismatch": "ids are snake_case (a-z, 0-9, _); region codes are digits, quoted; "
                               "a month_day is \"MM-DD\"",
    "int_type": "write a whole number, unquoted", "int_parsing": "write a whole number",
    "int_from_float": "write a whole number",
    "bool_type": "write true or false, unquoted", "bool_parsing": "write true or false",
    "list_type": "write a list: [a, b] or one `- item` per line",
    "dict_type": "write a mapping: `key: value` lines",
    "model_type": "write a mapping: `key: value` lines",
    "model_attributes_type": "write a mapping: `key: value` lines",
    "too_short": "the list may not be empty", "too_long": "the list is too long",
    "finite_number": "write a finite number", "less_than_equal": "the value is too large",
    "greater_than_equal": "the value is too small", "greater_than": "the value is too small",
    "less_than": "the value is too large",
    "date_type": "dates are YYYY-MM-DD", "datetime_type": "date-times are YYYY-MM-DDTHH:MM",
}


def pydantic_issues(located: Located, base: tuple, model: type[BaseModel], errors: list[dict[str, Any]]
                    ) -> list[PolicyIssue]:
    """One located issue for each pydantic error of validating ``model`` at ``base``."""
    return [_issue(located, base, model, error) for error in errors]


def _issue(located: Located, base: tuple, model: type[BaseModel], error: dict[str, Any]) -> PolicyIssue:
    loc = tuple(part for part in error["loc"] if part != "root")
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = model_at(model, loc[:-1])
        allowed = field_names(parent) if parent else []
        hint = f"{did_you_mean(loc[-1], allowed)}allowed keys here: {', '.join(allowed)}" if allowed else None
        return located.issue(base + loc, "unknown_key", f"unknown key {loc[-1]!r}", hint)
    if kind == "missing":
        return located.issue(base + loc[:-1], "missing_key", f"missing key {loc[-1]!r}", f"add `{loc[-1]}:`")
    message = error["msg"]
    value = error.get("input")
    if isinstance(value, (str, int, float)) and len(str(value)) < 60:
        message += f" (got {value!r})"
    hint = HINTS.get(kind, "see docs/authoring.md for what this key takes")
    if kind.startswith("decimal") or kind == "value_error":
        hint = "amounts are plain numbers, quoted, with no unit: \"280\""
    elif kind.startswith("date") and kind not in HINTS:
        hint = "dates are YYYY-MM-DD"
    elif kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        options = [o.strip().strip("'") for o in expected.replace(" or ", ", ").split(",") if o.strip()]
        hint = f"{did_you_mean(value, options)}use one of the values listed"
    if isinstance(value, str) and kind in ("int_type", "bool_type", "int_parsing", "bool_parsing"):
        hint += f" (YAML read {value!r} as text)"
    return located.issue(base + loc, kind, message, hint)

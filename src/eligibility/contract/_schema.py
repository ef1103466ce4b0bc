"""JSON Schemas (Draft 2020-12) of the request and decision contracts, as published in
``docs/schema/`` and shipped in the wheel.

The schemas are generated from the same pydantic models the library validates with, then
made to say what the library enforces where a schema can say it, in standard keywords only
(strict validators such as Ajv refuse vendor keywords like ``discriminator``):

- dates are ``YYYY-MM-DD`` in the years 1900-2100; ``as_of`` may carry a time;
- parameter values are non-negative numbers or decimal strings;
- per city (``request-<city>.json``): the city, its programs and its declared parameters.

What no schema can say is listed in ``NOT_EXPRESSIBLE``; :func:`eligibility.validate` checks it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Iterable

from ..errors import EligibilityError
from ._decision import DECISION_SCHEMA_VERSION, Decision
from ._request import Request

_BASE = "https://eligibility.invalid/schema/"
_YEAR = "(19[0-9]{2}|20[0-9]{2}|2100)"
DATE_PATTERN = f"^{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
DATE_TIME_PATTERN = (f"^{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
                     "([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$")
AMOUNT = {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$"}]}

NOT_EXPRESSIBLE = (
    "the ID number's check character (ISO 7064 MOD 11-2) and the birth date it encodes",
    "a birth date that contradicts the ID number",
    "dates that cannot be after as_of (the birth date, a status's grant date)",
    "a period that ends before it starts (a status's until, an enrolment's to)",
    "a day that does not exist in its month (2021-02-30 matches the date pattern)",
    "parameter amounts above 1,000,000,000 or with more than 8 decimals",
)
"""Rules the library enforces that a JSON Schema cannot express."""


def request_schema(policy: Any = None) -> dict[str, Any]:
    """The request schema; for one city's ``policy``, with its city, programs and parameters."""
    schema = _standard(Request.model_json_schema(by_alias=True))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    properties = schema["properties"]
    properties["as_of"] = {**{k: v for k, v in properties["as_of"].items() if k != "format"},
                           "pattern": DATE_TIME_PATTERN,
                           "description": "date of the application (YYYY-MM-DD), optionally with a time"}
    properties["parameters"]["additionalProperties"] = AMOUNT
    if policy is None:
        schema["$id"] = _BASE + "request.json"
        return schema
    schema["$id"] = f"{_BASE}request-{policy.city}.json"
    schema["title"] = f"Request for {policy.city} ({policy.name})"
    properties["city"] = {"const": policy.city, "description": properties["city"].get("description", "")}
    properties["program"] = {**properties["program"], "enum": sorted(policy.programs)}
    declared = sorted({p.name for _, program in policy.places() for p in program.parameters if not p.threshold})
    properties["parameters"] = {**{k: v for k, v in properties["parameters"].items()
                                   if k not in ("additionalProperties", "propertyNames")},
                                "properties": {name: AMOUNT for name in declared}, "additionalProperties": False}
    return schema


def decision_schema() -> dict[str, Any]:
    schema = _standard(Decision.model_json_schema(by_alias=True, mode="serialization"))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"{_BASE}decision-{DECISION_SCHEMA_VERSION}.json"
    return schema


def schemas(policies: Iterable[Any] = ()) -> dict[str, dict[str, Any]]:
    """File name → schema: ``request.json``, ``decision.json``, and ``request-<city>.json``
    for each of ``policies``."""
    out = {"request.json": request_schema(), "decision.json": decision_schema()}
    for policy in policies:
        out[f"request-{policy.city}.json"] = request_schema(policy)
    return out


def write_schemas(directory: Path, policies: Iterable[Any] = ()) -> list[Path]:
    """Write the schemas into ``directory`` (created); EligibilityError when it cannot be written."""
    written = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, schema in schemas(policies).items():
            path = directory / name
            path.write_text(json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                            encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise EligibilityError(f"cannot write the schemas to {directory}: {exc.strerror or exc}") from None
    return written


def schema_file(name: str) -> Path:
    """Where the published schema ``name`` (``request.json``, ``request-shantou.json``, …) is:
    inside the installed package, or the repository's ``docs/schema/``."""
    from importlib import resources

    packaged = Path(str(resources.files("eligibility"))) / "schema" / name
    return packaged if packaged.is_file() else Path(__file__).resolve().parents[3] / "docs" / "schema" / name


def _standard(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` in standard keywords only, dates limited to the years the library takes."""
    schema = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            node.pop("discriminator", None)  # pydantic's OpenAPI keyword; oneOf/anyOf says the same
            if node.get("format") == "date" and node.get("type") == "string":
                node["pattern"] = DATE_PATTERN
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(schema)
    return schema

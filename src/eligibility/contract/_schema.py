"""JSON Schemas of the request and decision contracts, as published in ``docs/schema/``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import EligibilityError
from ._decision import DECISION_SCHEMA_VERSION, Decision
from ._request import Request


def schemas() -> dict[str, dict[str, Any]]:
    request = Request.model_json_schema(by_alias=True)
    decision = Decision.model_json_schema(by_alias=True, mode="serialization")
    request["$id"] = "https://eligibility.invalid/schema/request.json"
    decision["$id"] = f"https://eligibility.invalid/schema/decision-{DECISION_SCHEMA_VERSION}.json"
    return {"request.json": request, "decision.json": decision}


def write_schemas(directory: Path) -> list[Path]:
    """Write the schemas into ``directory`` (created); EligibilityError when it cannot be written."""
    written = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, schema in schemas().items():
            path = directory / name
            path.write_text(json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                            encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise EligibilityError(f"cannot write the schemas to {directory}: {exc.strerror or exc}") from None
    return written

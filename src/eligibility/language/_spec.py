"""The base of every condition and date body's pydantic spec."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Spec(BaseModel):
    """Base of condition bodies: unknown keys are errors, values are strict (``"60"`` is
    not 60, ``"no"`` is not false)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True, defer_build=True)

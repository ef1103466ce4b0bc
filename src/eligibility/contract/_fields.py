"""The request contract's building blocks: the base model, typed fields and limits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator
from pydantic_core import PydanticCustomError

# [0-9], not \d: the pattern engine's \d also takes full-width and other Unicode digits
RegionCode = Annotated[str, Field(pattern=r"^[0-9]{6}$", description="GB/T 2260 six-digit region code")]
# a yes/no fact is true or false, never the text "yes" or the number 1 read as one
Flag = Annotated[bool, Strict()]
Area = Literal["rural", "urban"]

MAX_STATUSES = 64
MAX_ENROLLMENTS = 64
MAX_REQUEST_BYTES = 1024 * 1024
MAX_AMOUNT = Decimal("1000000000")        # yuan; a premium or grade above this is a typo, not a policy
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


class _Model(BaseModel):
    # hide_input_in_errors: a ValidationError raised by direct model use must not print an ID or name
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, hide_input_in_errors=True)

    @field_validator("*", mode="after")
    @classmethod
    def _plausible_date(cls, value: Any) -> Any:
        # a date outside these years is a typo; left in, it overflows date arithmetic later
        if isinstance(value, dt.date) and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise PydanticCustomError("date_out_of_range", "date {date} is outside {first}..{last}",
                                      {"date": str(value), "first": str(EARLIEST_DATE), "last": str(LATEST_DATE)})
        return value



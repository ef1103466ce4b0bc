"""The request contract's building blocks: the base model, typed fields and limits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict
from pydantic_core import PydanticCustomError

from ._identity import scrub

# [0-9], not \d: the pattern engine's \d also takes full-width and other Unicode digits
REGION_PATTERN = r"^[0-9]{6}$"
RegionCode = Annotated[str, Field(pattern=REGION_PATTERN, description="GB/T 2260 six-digit region code")]
# a yes/no fact is true or false, never the text "yes" or the number 1 read as one
Flag = Annotated[bool, Strict()]
Area = Literal["rural", "urban"]

MAX_STATUSES = 64
MAX_ENROLLMENTS = 64
MAX_REQUEST_BYTES = 1024 * 1024
MAX_AMOUNT = Decimal("1000000000")        # yuan; a premium or grade above this is a typo, not a policy
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def _written_as_a_date(value: Any) -> Any:
    # pydantic reads a number as seconds since 1970: 0 would be 1970-01-01, silently
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise PydanticCustomError("date_type", "a date is written YYYY-MM-DD, not as the number {number}",
                                  {"number": value})
    return value


# a date outside these years is a typo; left in, it overflows date arithmetic later (the
# range is checked by pydantic-core; ``date_out_of_range`` is its code in our errors)
# (the range first: pydantic-core checks it; a constraint after a Python validator would be
# one more Python call per date)
Day = Annotated[dt.date, Field(ge=EARLIEST_DATE, le=LATEST_DATE), BeforeValidator(_written_as_a_date)]


class _Model(BaseModel):
    # hide_input_in_errors: a ValidationError raised by direct model use must not print an ID or name
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, hide_input_in_errors=True,
                              defer_build=True)

    # an ID typed into a text field (city, program, a parameter's name) is masked in a repr too
    def __repr__(self) -> str:
        return scrub(super().__repr__())

    def __str__(self) -> str:
        return scrub(super().__str__())



"""Input checks at the boundary (DESIGN §9 "API edge cases"): ids in the 64-bit range, strings without NUL
bytes (PostgreSQL refuses them), datetimes parsed and converted to UTC within what every database stores, and
JSON documents of bounded depth with 64-bit integers and finite numbers only. What passes here cannot turn
into a database error and a 500 further down.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, Field, StringConstraints

from botfactory.errors import ValidationError

MAX_ID = 2**63 - 1
NO_NUL = r"^[^\x00]*$"
MAX_DEPTH = 32
# MySQL's DATETIME starts at year 1000; keep every backend able to store and compare what we accept.
MIN_YEAR, MAX_YEAR = 1000, 9998


def utc_moment(value: datetime) -> datetime:
    """Aware UTC; naive input is taken as UTC. Out-of-range times are refused rather than overflowing."""
    try:
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValueError("time is out of range once converted to UTC") from exc
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ValueError(f"time must be between the years {MIN_YEAR} and {MAX_YEAR}")
    return moment


def no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def check_json(value: Any, field: str, depth: int = 0) -> Any:
    """Raise ValidationError (naming the path) for JSON that a database or a job could choke on."""
    if depth > MAX_DEPTH:
        raise ValidationError(f"{field}: nested deeper than {MAX_DEPTH} levels", field=field)
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationError(f"{field}: must not contain NUL characters", field=field)
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int):
        if not -(2**63) <= value <= MAX_ID:
            raise ValidationError(f"{field}: integer out of the 64-bit range", field=field)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"{field}: numbers must be finite", field=field)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or "\x00" in key:
                raise ValidationError(f"{field}: keys must be strings without NUL characters", field=field)
            check_json(item, f"{field}.{key}", depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_json(item, f"{field}[{i}]", depth + 1)
    else:
        raise ValidationError(f"{field}: not a JSON value", field=field)
    return value


# Types for request bodies (pydantic).
Text = Annotated[str, AfterValidator(no_nul)]
Moment = Annotated[datetime, AfterValidator(utc_moment)]
IdValue = Annotated[int, Field(ge=1, le=MAX_ID)]

EventTypeName = Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)]
ShortText = Annotated[str, StringConstraints(max_length=255, pattern=NO_NUL)]

# Path and query parameters.
PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="A positive 64-bit id")]
Limit = Annotated[int, Query(ge=1, le=1000, description="At most this many items (1-1000)")]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1, description="Skip this many items")]


def text_query(description: str, max_length: int = 255) -> Any:
    return Query(max_length=max_length, pattern=NO_NUL, description=description)


MomentQuery = Annotated[Moment | None, Query(description="ISO-8601 time; without an offset it is UTC")]


def checked_moment(value: datetime | None, field: str) -> datetime | None:
    """Query datetimes: FastAPI parses them; the range and the conversion to UTC are checked here."""
    if value is None:
        return None
    try:
        return utc_moment(value)
    except ValueError as exc:
        raise ValidationError(f"{field}: {exc}", field=field, value=str(value)) from exc

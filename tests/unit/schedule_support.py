"""Helpers shared by the concrete-date schedule tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from botfactory.errors import ValidationError
from botfactory.schedule import Schedule

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def occurrences(schedule: Schedule, after: datetime, count: int) -> list[datetime]:
    found: list[datetime] = []
    for _ in range(count):
        nxt = schedule.next_after(after)
        assert nxt is not None
        found.append(nxt)
        after = nxt
    return found


def assert_invalid(field: str, build: Any, *args: Any, **kwargs: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        build(*args, **kwargs)
    assert caught.value.field == field
    assert field in str(caught.value)
    return caught.value

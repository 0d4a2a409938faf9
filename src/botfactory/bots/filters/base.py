"""What the built-in filters share: their registry wrapper and small, fast helpers.

Filters run once per resource over whole accounts, so helpers avoid work per call: compiled patterns are
cached, times are parsed only when a filter needs them.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from botfactory.bots.fields import FieldError
from botfactory.bots.registry import BotFactoryRegistryWrapper
from botfactory.clock import as_utc, now

# Built-in filters record here; ``botfactory.bots.builtin.install()`` activates them.
registry = BotFactoryRegistryWrapper()

# Where the cloud layer keeps a resource's creation time when the store's created_at is only discovery time.
CREATION_PROPERTIES = ("launch_time", "create_time", "creation_date", "create_date")


def parse_time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    try:
        return as_utc(datetime.fromisoformat(str(value)))
    except ValueError:
        return None


def created_at(resource: Any) -> datetime | None:
    """The earliest known creation time: the cloud's own (launch or create time) or, failing that, the store's
    ``created_at`` (which is the discovery time when the cloud does not say)."""
    times = [parse_time(resource.properties.get(key)) for key in CREATION_PROPERTIES]
    times.append(resource.created_at)
    known = [t for t in times if t is not None]
    return min(known) if known else None


def days_ago(days: float) -> datetime:
    return now() - timedelta(days=float(days))


@lru_cache(maxsize=256)
def compiled(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE if ignore_case else 0)


def check_pattern(field: str, pattern: str | None) -> list[FieldError]:
    if not pattern:
        return []
    try:
        compiled(pattern)
    except re.error as exc:
        return [FieldError(f"field {field!r}: not a valid regular expression: {exc}", field=field, value=pattern)]
    return []


def check_ports(field: str, ports: list[Any]) -> list[FieldError]:
    bad = [p for p in ports or () if not str(p).isdigit() or not 0 <= int(str(p)) <= 65535]
    if bad:
        return [FieldError(f"field {field!r}: ports must be numbers from 0 to 65535, got {bad}", field=field)]
    return []

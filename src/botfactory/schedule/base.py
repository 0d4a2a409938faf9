"""The ``Schedule`` contract, the JSON envelope and the argument checks every schedule shares.

Stored schedules are JSON with a ``type`` and a ``version`` (DESIGN §5). Each concrete class registers
its ``type`` by subclassing with ``kind=...``; ``from_json`` looks the class up there, so nothing read
from the database is ever turned into an import path.
"""

from __future__ import annotations

import json
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any, ClassVar, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botfactory.clock import as_utc
from botfactory.errors import ValidationError

VERSION = 1
"""The one JSON layout version this code writes and reads."""

TICK = timedelta(microseconds=1)
"""datetime's resolution: "at or after t" is exactly "strictly after t - TICK"."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_TIME_TEXT = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")


def invalid(field: str, value: object, problem: str) -> NoReturn:
    """Raise a ValidationError whose message starts with the field, so a log line alone says what to fix."""
    raise ValidationError(f"{field}: {problem} (got {value!r})", field=field, value=value)


def check_int(value: object, field: str, low: int, high: int) -> int:
    # bool is an int subclass; Hourly(True) is a bug, not minute 1.
    if isinstance(value, bool) or not isinstance(value, int):
        invalid(field, value, f"must be an integer from {low} to {high}")
    if not low <= value <= high:
        invalid(field, value, f"must be from {low} to {high}")
    return value


def check_number(value: object, field: str) -> float:
    """A finite, non-negative int or float (not bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        invalid(field, value, "must be a number")
    if not math.isfinite(value) or value < 0:
        invalid(field, value, "must be a finite number >= 0")
    return value


def check_datetime(value: object, field: str, *, text: bool = False) -> datetime:
    """An aware UTC datetime from a datetime (naive = UTC) or, when ``text``, an ISO-8601 string."""
    if text and isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            invalid(field, value, "must be an ISO-8601 date and time")
    if not isinstance(value, datetime):
        invalid(field, value, "must be a datetime" + (" or an ISO-8601 string" if text else ""))
    try:
        return as_utc(value)
    except OverflowError:
        invalid(field, value, "is out of range once converted to UTC")


def check_time(value: object, field: str = "time") -> time:
    """A wall-clock time of day from a ``datetime.time`` or "HH:MM" / "HH:MM:SS"."""
    if isinstance(value, str):
        match = _TIME_TEXT.fullmatch(value.strip())
        if match is None:
            invalid(field, value, 'must be a time of day as "HH:MM" or "HH:MM:SS"')
        hour, minute, second = (int(part or 0) for part in match.groups())
        if hour > 23 or minute > 59 or second > 59:
            invalid(field, value, "is not a valid time of day")
        return time(hour, minute, second)
    if not isinstance(value, time):
        invalid(field, value, 'must be a datetime.time or "HH:MM[:SS]"')
    # The zone is the schedule's own tz argument; a second one on the time would contradict it.
    if value.tzinfo is not None:
        invalid(field, value, "must not carry a time zone; pass tz= instead")
    # JSON keeps "HH:MM:SS"; sub-second wall-clock schedules would not survive a round trip.
    if value.microsecond:
        invalid(field, value, "must be whole seconds")
    return value.replace(fold=0)


def check_zone(name: object, field: str = "tz") -> ZoneInfo:
    if not isinstance(name, str):
        invalid(field, name, "must be an IANA time zone name such as 'Europe/Berlin'")
    # Both resolve only through the host's /usr/share/zoneinfo, so workers on different machines could
    # disagree on when the event is due: "localtime" is that host's zone, and "right/..." zones count
    # leap seconds, which zoneinfo does not, so their DST transitions land 27 seconds late.
    if name == "localtime" or name.startswith("right/"):
        invalid(field, name, "must be a plain IANA zone name; this one differs from machine to machine")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: not a relative key or not a TZif file; OSError: a directory such as "Europe".
        invalid(field, name, "is not a known IANA time zone name")


def format_utc(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def format_time(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


class Schedule(ABC):
    """When an event is due: immutable, compared and hashed by value, stored as versioned JSON.

    Subclasses declare ``kind`` (the JSON ``type``) as a class keyword, list their JSON parameters in
    ``required`` / ``optional``, and implement ``next_after``, ``describe``, ``_params``, ``_from_params``
    and ``_args`` (the constructor arguments, for ``repr``).
    """

    kind: ClassVar[str]
    required: ClassVar[frozenset[str]] = frozenset()
    optional: ClassVar[frozenset[str]] = frozenset()
    _kinds: ClassVar[dict[str, type[Schedule]]] = {}

    def __init_subclass__(cls, kind: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Only classes that name a kind own a JSON type; Periodic reuses Interval's, bases have none.
        if kind is not None:
            cls.kind = kind
            Schedule._kinds[kind] = cls

    def _set(self, **values: object) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        # Schedules are hashed by value and shared between events; mutating one would move its events.
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    @abstractmethod
    def next_after(self, dt: datetime) -> datetime | None:
        """The first occurrence strictly after ``dt`` (naive = UTC) as an aware UTC datetime, or None."""

    def first(self, now: datetime) -> datetime | None:
        """The first occurrence of an event created at ``now``: the first one at or after ``now``."""
        return self.next_after(as_utc(now) - TICK)

    @property
    def is_recurring(self) -> bool:
        return True

    @abstractmethod
    def describe(self) -> str:
        """A short human description, e.g. "Daily at 09:00 Europe/Berlin"."""

    @abstractmethod
    def _params(self) -> dict[str, Any]:
        """The JSON parameters (everything but ``type`` and ``version``), already JSON-serialisable."""

    @classmethod
    @abstractmethod
    def _from_params(cls, params: Mapping[str, Any]) -> Schedule:
        """Build from checked JSON parameters; raise ValidationError naming the field on bad values."""

    @abstractmethod
    def _args(self) -> dict[str, object]:
        """The constructor arguments, so ``repr`` reads back as Python."""

    def to_json(self) -> dict[str, Any]:
        return {"type": self.kind, "version": VERSION, **self._params()}

    def __eq__(self, other: object) -> bool:
        # Equal exactly when they store the same; this is what makes Periodic(hours=2) == Interval(2h).
        if not isinstance(other, Schedule):
            return NotImplemented
        return self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_json(), sort_keys=True))

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={value!r}" for name, value in self._args().items())
        return f"{type(self)._kinds[self.kind].__name__}({args})"


def from_json(data: Mapping[str, Any] | str) -> Schedule:
    """Rebuild a schedule from ``to_json()`` output, given as a dict or as a JSON string."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise ValidationError(f"schedule: not valid JSON ({exc})", field="schedule", value=data) from exc
    if not isinstance(data, Mapping):
        invalid("schedule", data, "must be a JSON object with 'type' and 'version'")
    kind = data.get("type")
    cls = Schedule._kinds.get(kind) if isinstance(kind, str) else None
    if cls is None:
        invalid("type", kind, f"unknown schedule type; expected one of {', '.join(sorted(Schedule._kinds))}")
    version = data.get("version")
    # True == 1 in Python, so compare the type too.
    if type(version) is not int or version != VERSION:
        invalid("version", version, f"unsupported schedule version; this botfactory reads version {VERSION}")
    params = {key: value for key, value in data.items() if key not in ("type", "version")}
    unknown = sorted((key for key in params if key not in cls.required | cls.optional), key=str)
    if unknown:
        invalid(str(unknown[0]), params[unknown[0]], f"unknown field for a {kind!r} schedule")
    missing = sorted(cls.required - params.keys())
    if missing:
        invalid(missing[0], None, f"missing from the {kind!r} schedule")
    return cls._from_params(params)

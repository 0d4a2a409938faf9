"""Schedules on the UTC time line, untouched by time zones: Once, Interval (and Periodic), Hourly."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from botfactory import clock
from botfactory.clock import as_utc
from botfactory.schedule.base import (
    EPOCH,
    TICK,
    Schedule,
    check_datetime,
    check_int,
    check_number,
    format_utc,
    invalid,
)

_US_PER_SECOND = 1_000_000


class Once(Schedule, kind="once"):
    """One occurrence at ``when`` (naive = UTC). A time in the past is valid: the event is due at once."""

    required = frozenset({"when"})
    when: datetime

    def __init__(self, when: datetime) -> None:
        # Strings only via from_json: a str here is usually a caller that forgot to parse, and a
        # silently guessed format would be worse than the error.
        self._set(when=check_datetime(when, "when"))

    def next_after(self, dt: datetime) -> datetime | None:
        return self.when if self.when > as_utc(dt) else None

    def first(self, now: datetime) -> datetime | None:
        # Scheduling "now" (or a moment ago) is normal (DESIGN §5); the worker runs it as overdue.
        return self.when

    @property
    def is_recurring(self) -> bool:
        return False

    def describe(self) -> str:
        return f"Once @ {format_utc(self.when)}"

    def _params(self) -> dict[str, Any]:
        return {"when": self.when.isoformat()}

    @classmethod
    def _from_params(cls, params: Mapping[str, Any]) -> Once:
        return cls(check_datetime(params["when"], "when", text=True))

    def _args(self) -> dict[str, object]:
        return {"when": self.when}


class Interval(Schedule, kind="interval"):
    """Every ``every``: at ``start + k * every`` for k >= 0, or, without ``start``, at ``epoch + k * every``.

    Anchoring at the Unix epoch makes ``Interval(timedelta(hours=2))`` fire at even UTC hours on every
    machine, whenever the event was created.
    """

    required = frozenset({"every"})
    optional = frozenset({"start"})
    every: timedelta
    start: datetime | None

    def __init__(self, every: timedelta, start: datetime | None = None) -> None:
        if not isinstance(every, timedelta):
            invalid("every", every, "must be a datetime.timedelta")
        if every <= timedelta(0):
            invalid("every", every, "must be greater than zero")
        self._set(every=every, start=None if start is None else check_datetime(start, "start"))

    def next_after(self, dt: datetime) -> datetime | None:
        after = as_utc(dt)
        anchor = EPOCH if self.start is None else self.start
        # Whole microseconds as ints: float seconds since 1970 have too few digits to keep microseconds,
        # and a drifting step would slide an epoch-anchored schedule off its grid.
        step = self.every // TICK
        k = (after - anchor) // TICK // step + 1
        if self.start is not None:
            k = max(k, 0)
        try:
            return anchor + timedelta(microseconds=k * step)
        except OverflowError:
            return None

    def describe(self) -> str:
        text = _describe_every(self.every)
        return text if self.start is None else f"{text} from {format_utc(self.start)}"

    def _params(self) -> dict[str, Any]:
        micros = self.every // TICK
        # An int whenever possible, so the common case is exact in JSON and reads naturally.
        every = micros // _US_PER_SECOND if micros % _US_PER_SECOND == 0 else micros / _US_PER_SECOND
        return {"every": every, "start": None if self.start is None else self.start.isoformat()}

    @classmethod
    def _from_params(cls, params: Mapping[str, Any]) -> Interval:
        seconds = params["every"]
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds):
            invalid("every", seconds, "must be a number of seconds")
        try:
            every = timedelta(microseconds=round(seconds * _US_PER_SECOND))
        except OverflowError:
            invalid("every", seconds, "is too large")
        start = params.get("start")
        return cls(every, None if start is None else check_datetime(start, "start", text=True))

    def _args(self) -> dict[str, object]:
        return {"every": self.every} if self.start is None else {"every": self.every, "start": self.start}


class Periodic(Interval):
    """DivvyCloud's spelling of an epoch-anchored Interval: ``Periodic(hours=2) == Interval(timedelta(hours=2))``.

    It stores as an ``interval``, so it reads back as an ``Interval`` (which compares equal).
    """

    def __init__(self, hours: float = 0, minutes: float = 0, seconds: float = 0) -> None:
        every = timedelta()
        parts = {"hours": hours, "minutes": minutes, "seconds": seconds}
        for name, value in parts.items():
            try:
                every += timedelta(**{name: check_number(value, name)})
            except OverflowError:
                invalid(name, value, "is too large")
        if every <= timedelta(0):
            invalid("hours", parts, "Periodic needs hours, minutes or seconds adding up to more than zero")
        super().__init__(every)


class Hourly(Schedule, kind="hourly"):
    """Every hour at ``minute`` past the UTC hour (so ``Hourly(5)`` is at :35 on Asia/Kolkata clocks)."""

    optional = frozenset({"minute"})
    minute: int

    def __init__(self, minute: int = 0) -> None:
        self._set(minute=check_int(minute, "minute", 0, 59))

    def next_after(self, dt: datetime) -> datetime | None:
        after = as_utc(dt)
        candidate = after.replace(minute=self.minute, second=0, microsecond=0)
        try:
            return candidate if candidate > after else candidate + timedelta(hours=1)
        except OverflowError:
            return None

    def describe(self) -> str:
        return f"Hourly at :{self.minute:02d}"

    def _params(self) -> dict[str, Any]:
        return {"minute": self.minute}

    @classmethod
    def _from_params(cls, params: Mapping[str, Any]) -> Hourly:
        return cls(params.get("minute", 0))

    def _args(self) -> dict[str, object]:
        return {"minute": self.minute}


def schedule_hours_from_now(hours: float, now: datetime | None = None) -> Once:
    """``Once(now + hours)``; 0 hours means one minute from now, DivvyCloud's "as soon as possible"."""
    hours = check_number(hours, "hours")
    base = clock.now() if now is None else check_datetime(now, "now")
    try:
        return Once(base + (timedelta(minutes=1) if hours == 0 else timedelta(hours=hours)))
    except OverflowError:
        invalid("hours", hours, "puts the time beyond the year 9999")


def _describe_every(every: timedelta) -> str:
    micros = every // TICK
    units = (("week", 604_800), ("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1))
    for unit, seconds in units:
        size = seconds * _US_PER_SECOND
        if micros % size == 0:
            count = micros // size
            return f"Every {unit}" if count == 1 else f"Every {count} {unit}s"
    return f"Every {micros / _US_PER_SECOND} seconds"

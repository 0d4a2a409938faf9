"""The one source of "now" and of waiting.

Everything that needs the current time or needs to sleep asks the active clock, so tests can swap in a
``FakeClock`` that only moves when told to and wakes waiting workers when it does. Times are always aware
UTC datetimes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC (DivvyCloud code passes ``datetime.utcnow()``); aware ones converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class Clock:
    """Real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, event: threading.Event, timeout: float | None) -> bool:
        """Wait until ``event`` is set or ``timeout`` seconds pass; True when the event was set."""
        return event.wait(timeout)


class FakeClock(Clock):
    """A clock that moves only when told to. Waiters wake when the clock passes their deadline."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = as_utc(start) if start else datetime(2026, 1, 1, tzinfo=UTC)
        self._mono = 0.0
        self._cond = threading.Condition()

    def now(self) -> datetime:
        with self._cond:
            return self._now

    def monotonic(self) -> float:
        with self._cond:
            return self._mono

    def advance(self, delta: timedelta | float) -> datetime:
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        with self._cond:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds
            self._cond.notify_all()
            return self._now

    def set(self, when: datetime) -> None:
        when = as_utc(when)
        with self._cond:
            self._mono += max(0.0, (when - self._now).total_seconds())
            self._now = when
            self._cond.notify_all()

    def wait(self, event: threading.Event, timeout: float | None) -> bool:
        # Poll the event in short real-time slices so a setter that does not know about this clock
        # still wakes us; fake time decides when the timeout has passed.
        with self._cond:
            deadline = None if timeout is None else self._mono + timeout
            while not event.is_set():
                if deadline is not None and self._mono >= deadline:
                    return False
                self._cond.wait(0.01)
            return True


_active: Clock = Clock()


def get_clock() -> Clock:
    return _active


def set_clock(clock: Clock) -> Clock:
    """Install ``clock`` process-wide and return the previous one."""
    global _active
    previous, _active = _active, clock
    return previous


@contextmanager
def using_clock(clock: Clock) -> Iterator[Clock]:
    previous = set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)


def now() -> datetime:
    return _active.now()

"""Wall-clock schedules (Daily, Weekly, Monthly; Cron builds on the same base) and DST by hand.

Each wall-clock schedule lists its candidate local wall times in order; ``WallClockSchedule.next_after``
turns them into UTC instants under the two rules of DESIGN §5 and §9:

* a wall time inside a spring-forward gap moves forward to the first valid instant after the gap
  (zoneinfo alone would apply the pre-gap offset: Berlin's non-existent 02:30 would land at 01:30 UTC,
  which is 03:30 local, instead of 01:00 UTC, which is 03:00 local);
* a wall time that an autumn fall-back repeats fires once, at its first (fold=0) reading.

Mapped like that, later wall times never give earlier instants, so the first candidate whose instant is
past ``dt`` is the answer, and successive ``next_after`` calls strictly increase.
"""

from __future__ import annotations

import calendar
from abc import abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from botfactory.clock import as_utc
from botfactory.schedule.base import TICK, Schedule, check_int, check_time, check_zone, format_time, invalid

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NUMBERS = {name: number for number, name in enumerate(_DAY_NAMES)} | {
    name.lower(): number for number, name in enumerate(calendar.day_name)
}


def _first_instant_with_offset_of(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The UTC instant in (before, after] at which ``zone`` switches to the offset it has at ``after``.

    Only called across a single transition, where ``before`` still has the old offset. tzdata transitions
    fall on whole seconds, but bisecting microseconds keeps this exact without relying on it (~32 steps).
    """
    target = after.astimezone(zone).utcoffset()
    low, high = 0, (after - before) // TICK
    while high - low > 1:
        middle = (low + high) // 2
        if (before + middle * TICK).astimezone(zone).utcoffset() == target:
            high = middle
        else:
            low = middle
    return before + high * TICK


def wall_to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant a naive local wall time fires at in ``zone``, under the gap and overlap rules above."""
    # fold=0 is the first reading of a repeated wall time, which is the one we fire at.
    instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # The wall time does not exist. For a gap time, fold=1 applies the post-gap offset, which lands
    # before the transition, and fold=0 the pre-gap one, which lands after it: bisect between them.
    before_gap = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return _first_instant_with_offset_of(zone, before_gap, instant)


def _search_start(after: datetime, zone: ZoneInfo) -> datetime:
    """The local wall time after which candidates can fire later than ``after`` (aware UTC)."""
    local = after.astimezone(zone)
    if not local.fold:
        return local.replace(tzinfo=None)
    # ``after`` is in the second pass through a repeated hour. Every wall time still in that hour already
    # fired on its first pass, so the search starts where the repetition ends: the wall time the old
    # offset would have shown at the transition.
    old_offset = local.replace(fold=0).utcoffset()
    new_offset = local.utcoffset()
    assert old_offset is not None and new_offset is not None
    transition = _first_instant_with_offset_of(zone, after - (old_offset - new_offset), after)
    return (transition + old_offset).replace(tzinfo=None) - TICK


class WallClockSchedule(Schedule):
    """A schedule defined by local wall times in an IANA zone; subclasses list the wall times."""

    tz: str
    zone: ZoneInfo

    def __init__(self, tz: str) -> None:
        self._set(zone=check_zone(tz), tz=tz)

    @abstractmethod
    def _wall_times_after(self, wall: datetime) -> Iterator[datetime]:
        """Naive local wall times strictly after ``wall``, in increasing order, without repeats."""

    def next_after(self, dt: datetime) -> datetime | None:
        after = as_utc(dt)
        try:
            for wall in self._wall_times_after(_search_start(after, self.zone)):
                instant = wall_to_utc(wall, self.zone)
                # With the mapping above and _search_start the first candidate already passes; the check
                # stays so that results strictly increase whatever odd transitions a zone's history holds.
                if instant > after:
                    return instant
        except OverflowError:
            # Within a day of datetime.max a zone offset can push the instant past year 9999.
            return None
        return None


def _dates_from(start: date) -> Iterator[date]:
    for ordinal in range(start.toordinal(), date.max.toordinal() + 1):
        yield date.fromordinal(ordinal)


def _check_days(days: Iterable[int | str] | int | str) -> tuple[int, ...]:
    # A lone "mon" would otherwise iterate as "m", "o", "n".
    items = [days] if isinstance(days, str | int) else days
    try:
        items = list(items)
    except TypeError:
        invalid("days", days, 'must be weekday names ("mon".."sun") or numbers (Monday = 0)')
    numbers: set[int] = set()
    for item in items:
        if isinstance(item, str) and item.strip().lower() in _DAY_NUMBERS:
            numbers.add(_DAY_NUMBERS[item.strip().lower()])
        elif isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 6:
            numbers.add(item)
        else:
            invalid("days", item, 'must be weekday names ("mon".."sun") or numbers from 0 (Monday) to 6')
    if not numbers:
        invalid("days", days, "must name at least one weekday")
    return tuple(sorted(numbers))


class Daily(WallClockSchedule, kind="daily"):
    """Every day at ``time`` ("HH:MM[:SS]" or ``datetime.time``) local time in ``tz``."""

    required = frozenset({"time"})
    optional = frozenset({"tz"})
    time: time

    def __init__(self, time: time | str, tz: str = "UTC") -> None:
        self._set(time=check_time(time))
        super().__init__(tz)

    def _wall_times_after(self, wall: datetime) -> Iterator[datetime]:
        for day in _dates_from(wall.date()):
            candidate = datetime.combine(day, self.time)
            if candidate > wall:
                yield candidate

    def describe(self) -> str:
        return f"Daily at {format_time(self.time)} {self.tz}"

    def _params(self) -> dict[str, Any]:
        return {"time": self.time.isoformat(), "tz": self.tz}

    @classmethod
    def _from_params(cls, params: Mapping[str, Any]) -> Daily:
        return cls(params["time"], params.get("tz", "UTC"))

    def _args(self) -> dict[str, object]:
        return {"time": self.time, "tz": self.tz}


class Weekly(WallClockSchedule, kind="weekly"):
    """On the given weekdays at ``time`` local time in ``tz``; ``days`` is kept as sorted numbers (Monday = 0)."""

    required = frozenset({"days", "time"})
    optional = frozenset({"tz"})
    days: tuple[int, ...]
    time: time

    def __init__(self, days: Iterable[int | str] | int | str, time: time | str, tz: str = "UTC") -> None:
        self._set(days=_check_days(days), time=check_time(time))
        super().__init__(tz)

    def _wall_times_after(self, wall: datetime) -> Iterator[datetime]:
        for day in _dates_from(wall.date()):
            if day.weekday() in self.days:
                candidate = datetime.combine(day, self.time)
                if candidate > wall:
                    yield candidate

    def describe(self) -> str:
        names = ", ".join(_DAY_NAMES[day].title() for day in self.days)
        return f"Weekly on {names} at {format_time(self.time)} {self.tz}"

    def _params(self) -> dict[str, Any]:
        return {"days": list(self.days), "time": self.time.isoformat(), "tz": self.tz}

    @classmethod
    def _from_params(cls, params: Mapping[str, Any]) -> Weekly:
        # A JSON string here is a malformed document, not a single weekday.
        if not isinstance(params["days"], list):
            invalid("days", params["days"], "must be a JSON list of weekdays")
        return cls(params["days"], params["time"], params.get("tz", "UTC"))

    def _args(self) -> dict[str, object]:
        return {"days": self.days, "time": self.time, "tz": self.tz}


class Monthly(WallClockSchedule, kind="monthly"):
    """On ``day`` (1..31) of every month at ``time`` in ``tz``; in shorter months, on their last day."""

    required = frozenset({"day", "time"})
    optional = frozenset({"tz"})
    day: int
    time: time

    def __init__(self, day: int, time: time | str, tz: str = "UTC") -> None:
        self._set(day=check_int(day, "day", 1, 31), time=check_time(time))
        super().__init__(tz)

    def _wall_times_after(self, wall: datetime) -> Iterator[datetime]:
        for index in range(wall.year * 12 + wall.month - 1, (date.max.year + 1) * 12):
            year, month = divmod(index, 12)
            # "Day 31" means month-end billing-style: Feb 28/29, Apr 30, never skipping a month.
            day = min(self.day, calendar.monthrange(year, month + 1)[1])
            candidate = datetime.combine(date(year, month + 1, day), self.time)
            if candidate > wall:
                yield candidate

    def describe(self) -> str:
        return f"Monthly on day {self.day} at {format_time(self.time)} {self.tz}"

    def _params(self) -> dict[str, Any]:
        return {"day": self.day, "time": self.time.isoformat(), "tz": self.tz}

    @classmethod
    def _from_params(cls, params: Mapping[str, Any]) -> Monthly:
        return cls(params["day"], params["time"], params.get("tz", "UTC"))

    def _args(self) -> dict[str, object]:
        return {"day": self.day, "time": self.time, "tz": self.tz}

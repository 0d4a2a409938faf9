"""Cron expressions, evaluated by croniter on local wall time and mapped to UTC by the wall-clock rules."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from croniter import CroniterBadDateError, croniter

from botfactory.schedule.base import invalid
from botfactory.schedule.wallclock import WallClockSchedule

# Any fixed instant works for the "can this ever fire?" probe; a fixed one keeps validation deterministic.
_PROBE_START = datetime(2000, 1, 1)


def _check_expression(expression: object) -> str:
    if not isinstance(expression, str):
        invalid("expression", expression, "must be a cron expression string")
    # Stored and compared in one spelling, so "0  9 * * *" and "0 9 * * *" are the same schedule.
    text = " ".join(expression.split())
    # Aliases such as @daily are croniter's to check; otherwise 5 fields, or croniter's 6 with seconds
    # last. Its 7th "year" field is refused: an expression that runs out of years would silently stop.
    if not text.startswith("@") and len(text.split(" ")) not in (5, 6):
        invalid(
            "expression",
            expression,
            "must have 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds last",
        )
    if not croniter.is_valid(text):
        invalid("expression", expression, "is not a valid cron expression")
    try:
        croniter(text, _PROBE_START).get_next(datetime)
    except CroniterBadDateError:
        invalid("expression", expression, "never matches a date (e.g. the 30th of February)")
    return text


class Cron(WallClockSchedule, kind="cron"):
    """A cron expression in ``tz`` local time, e.g. ``Cron("0 9 * * 1-5", "Europe/Berlin")``.

    Fields: minute, hour, day of month, month, day of week, and optionally seconds as a 6th field (croniter's
    convention: seconds last). Day of month and day of week combine with OR when both are restricted, as in
    Vixie cron. Across DST, a wall time in a spring-forward gap fires at the end of the gap, and one that
    an autumn fall-back repeats fires only at its first reading: ``*/30 * * * *`` in New York skips the
    repeated 01:00 and 01:30, leaving 90 minutes between 01:30 EDT and 02:00 EST. Use ``Interval`` for
    elapsed-time spacing.
    """

    required = frozenset({"expression"})
    optional = frozenset({"tz"})
    expression: str

    def __init__(self, expression: str, tz: str = "UTC") -> None:
        self._set(expression=_check_expression(expression))
        super().__init__(tz)

    def _wall_times_after(self, wall: datetime) -> Iterator[datetime]:
        # croniter gets naive datetimes, so it walks plain wall time (its own DST handling, which fires
        # a repeated hour twice, never runs) and treats them as UTC, so the host's zone cannot leak in.
        # Matches fall on whole seconds, so flooring keeps "strictly after" and keeps croniter's float
        # timestamps exact.
        matches = croniter(self.expression, wall.replace(microsecond=0))
        while True:
            try:
                yield matches.get_next(datetime)
            except (CroniterBadDateError, OverflowError, ValueError):
                # Out of representable years (datetime.max): no later occurrence exists.
                return

    def describe(self) -> str:
        return f"Cron {self.expression!r} {self.tz}"

    def _params(self) -> dict[str, Any]:
        return {"expression": self.expression, "tz": self.tz}

    @classmethod
    def _from_params(cls, params: Mapping[str, Any]) -> Cron:
        return cls(params["expression"], params.get("tz", "UTC"))

    def _args(self) -> dict[str, object]:
        return {"expression": self.expression, "tz": self.tz}

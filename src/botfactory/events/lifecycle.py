"""What happens to a scheduled event after an attempt (DESIGN §4), as pure functions of the claimed row.

The worker decides *what* an attempt produced (``Outcome``); this module decides what the event becomes:
retried with exponential backoff and jitter, moved to its next occurrence, or ended. The store writes the
result; nothing here touches the database or the clock, so every rule is unit-testable.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botfactory.errors import ValidationError
from botfactory.events.records import EventRecord
from botfactory.schedule import Once

FAILED_STATUSES = frozenset({"ERROR", "TIMEOUT"})
# Statuses after which the job's code actually ran (SKIPPED and MISSED did not run it).
RAN_STATUSES = frozenset({"SUCCESS", "ERROR", "TIMEOUT"})
# Longest retry delay: with many attempts, 2**n would otherwise push a retry weeks away.
MAX_RETRY_DELAY = 6 * 3600.0
# Jitter spreads retries of events that failed together (an API outage) so they do not return together.
JITTER = 0.25
# What last_status says when an attempt was lost with its worker (history then says ERROR with the reason).
LEASE_LOST = "LEASE_LOST"


@dataclass(frozen=True)
class HistoryRow:
    """One ``event_history`` row of an attempt, before the store adds the event's columns."""

    resource_id: str
    started_at: datetime
    finished_at: datetime
    status: str
    result_data: str | None = None


@dataclass(frozen=True)
class Outcome:
    """The result of one attempt of one claimed event: its history rows (one per resource)."""

    event: EventRecord
    rows: Sequence[HistoryRow] = field(default_factory=tuple)
    # When set, a failed attempt with attempts left is due again at this time instead of after a backoff.
    retry_at: datetime | None = None
    last_status: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(self.rows))  # iterated more than once

    @property
    def status(self) -> str:
        return summarize(row.status for row in self.rows)

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES


def summarize(statuses: Iterable[str]) -> str:
    """One status for an attempt over several resources: any ERROR (then TIMEOUT) fails the attempt; all
    SKIPPED or all MISSED say so; anything else (success, possibly with some skipped resources) is SUCCESS."""
    seen = set(statuses)
    for status in ("ERROR", "TIMEOUT"):
        if status in seen:
            return status
    if seen and seen <= {"SKIPPED", "MISSED"}:
        return "MISSED" if "MISSED" in seen else "SKIPPED"
    return "SUCCESS"


def retry_delay(base: float, attempt: int, rand: float | None = None) -> float:
    """Seconds before retrying after failed attempt number ``attempt`` (1-based): ``base * 2**(attempt-1)``,
    capped at ``MAX_RETRY_DELAY``, times a jitter factor in [1 - JITTER, 1 + JITTER)."""
    if base <= 0:
        return 0.0
    r = random.random() if rand is None else rand
    exponent = max(0, attempt - 1)
    # 2**exponent overflows float for silly attempt counts; the cap applies long before that.
    delay = MAX_RETRY_DELAY if exponent > 60 else min(MAX_RETRY_DELAY, base * 2**exponent)
    return delay * (1 - JITTER + 2 * JITTER * r)


def next_occurrence(event: EventRecord, now: datetime) -> datetime | None:
    """The occurrence after the one just handled: from the schedule, strictly after both that occurrence and
    ``now``, so occurrences missed while no worker ran collapse into the one just run (never a burst)."""
    if event.schedule.get("type") == Once.kind:
        return None  # the common case, decided without parsing the schedule (a third of a no-op job's cost)
    try:
        schedule = event.schedule_object()
    except ValidationError:
        return None  # a schedule this version cannot read has no next occurrence; the event ends
    if not schedule.is_recurring:
        # A Once has one occurrence, even when run-now moved it before its own time.
        return None
    base = max(event.occurrence_at or now, now)
    return schedule.next_after(base)


def after_attempt(
    outcome: Outcome, now: datetime, *, rand: float | None = None, ran: bool | None = None
) -> dict[str, Any]:
    """The columns the event gets once ``outcome`` is recorded (the lease is always given up).

    Keys are the same for every outcome so a batch of completions can be one executemany.
    """
    event = outcome.event
    status = outcome.status
    did_run = status in RAN_STATUSES if ran is None else ran
    values: dict[str, Any] = {
        "lease_owner": None,
        "lease_expires_at": None,
        "last_status": outcome.last_status or status,
        "last_run_at": now if did_run else event.last_run_at,
        "run_count": event.run_count + (1 if did_run else 0),
        "clear_dedupe": False,
    }
    if status in FAILED_STATUSES and event.attempt < event.max_attempts:
        retry_at = outcome.retry_at or now + timedelta(seconds=retry_delay(event.retry_backoff, event.attempt, rand))
        values.update(state="pending", next_run_at=retry_at, occurrence_at=event.occurrence_at, attempt=event.attempt)
        return values
    following = next_occurrence(event, now)
    if following is not None:
        values.update(state="pending", next_run_at=following, occurrence_at=following, attempt=0)
        return values
    if status in FAILED_STATUSES:
        state = "failed"
    elif status in ("SKIPPED", "MISSED"):
        state = "skipped"
    else:
        state = "succeeded"
    # A terminal event frees its dedupe key so the same logical event can be scheduled again.
    values.update(
        state=state, next_run_at=None, occurrence_at=event.occurrence_at, attempt=event.attempt, clear_dedupe=True
    )
    return values

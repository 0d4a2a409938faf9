"""The numbers behind the overview page, ``/api/v1/stats`` and ``/metrics``, built from service calls.

Each piece is chosen to stay fast at a million history rows (DESIGN §9): results per day are indexed range counts
per (status, day) on ``(status, finished_at)``, sent as one statement, and days that are over are remembered, so
a reload counts only today; upcoming events are read through a due-time window on ``(state, next_run_at)`` rather
than sorted from every pending event.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from botfactory.clock import now as clock_now
from botfactory.events.records import EventRecord
from botfactory.events.store import EventFilter, EventStore, HistoryFilter, WorkerRecord

HISTORY_STATUSES = ("SUCCESS", "ERROR", "SKIPPED", "TIMEOUT", "MISSED")
# A day counts as over only a minute after it ended: attempts finishing right at midnight are still written.
_SETTLE = timedelta(minutes=1)


def handled_types(workers: Iterable[WorkerRecord]) -> set[str]:
    return {event_type for worker in workers for event_type in worker.event_types}


def waiting_for_handler(
    events_by_type: Mapping[str, Mapping[str, int]], workers: Iterable[WorkerRecord]
) -> dict[str, int]:
    """Pending events per type that no live worker has loaded: they wait until one does (DESIGN §4)."""
    handled = handled_types(workers)
    return {
        event_type: int(states["pending"])
        for event_type, states in sorted(events_by_type.items())
        if states.get("pending") and event_type not in handled
    }


@dataclass(frozen=True)
class DayResults:
    day: datetime  # local midnight, aware
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.date().isoformat(), "counts": self.counts, "total": self.total}


class ClosedDays:
    """Per-status counts of days that are over, kept for a few minutes.

    History is written when attempts finish, so a day that has ended gains no rows (pruning removes only days far
    older than the chart): once counted, it only needs counting again to forget rare late writes from a worker
    whose clock was behind. Then an overview reload counts only today.
    """

    def __init__(self, ttl: float = 300.0, size: int = 1024) -> None:
        self.ttl, self.size = ttl, size
        self._data: dict[tuple[datetime, datetime], tuple[float, dict[str, int]]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[datetime, datetime]) -> dict[str, int] | None:
        with self._lock:
            hit = self._data.get(key)
        return None if hit is None or time.monotonic() - hit[0] > self.ttl else dict(hit[1])

    def put(self, key: tuple[datetime, datetime], counts: dict[str, int]) -> None:
        with self._lock:
            if len(self._data) >= self.size:
                self._data.clear()
            self._data[key] = (time.monotonic(), dict(counts))


def results_per_day(
    store: EventStore, *, days: int = 14, tz: tzinfo, now: datetime | None = None, cache: ClosedDays | None = None
) -> list[DayResults]:
    """History outcomes per day (days in ``tz``), oldest first, ending today: one statement for the days that
    are not cached (all of them at first, then only today)."""
    moment = now or clock_now()
    today = moment.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    bounds = []
    for back in range(days - 1, -1, -1):
        start = _local_midnight(today - timedelta(days=back), tz)
        bounds.append((start, _local_midnight(start + timedelta(days=1, hours=2), tz)))
    known = {b: cache.get(b) for b in bounds if b[1] < moment - _SETTLE} if cache is not None else {}
    wanted = [b for b in bounds if known.get(b) is None]
    filters = [HistoryFilter(statuses=[s], since=start, until=end) for start, end in wanted for s in HISTORY_STATUSES]
    counts = iter(store.count_history_many(filters))
    for bound in wanted:
        known[bound] = {status: next(counts) for status in HISTORY_STATUSES}
        if cache is not None and bound[1] < moment - _SETTLE:
            cache.put(bound, known[bound])
    return [DayResults(start, known[(start, end)] or {}) for start, end in bounds]


def _local_midnight(moment: datetime, tz: tzinfo) -> datetime:
    # Days are not always 24 hours long in a zone with DST: rebuild midnight from the date.
    local = moment.astimezone(tz)
    return datetime(local.year, local.month, local.day, tzinfo=tz)


def upcoming(
    store: EventStore, *, hours: float = 24, limit: int = 50, now: datetime | None = None
) -> list[EventRecord]:
    """Pending events due before ``now + hours`` (overdue ones first), soonest first."""
    moment = now or clock_now()
    return store.list_events(EventFilter(states=["pending"], until=moment + timedelta(hours=hours)), limit=limit)


def dispatch_lag(store: EventStore, workers: Iterable[WorkerRecord], *, now: datetime | None = None) -> float:
    """Seconds the oldest due event that some live worker could run has been waiting (0 when none waits)."""
    handled = sorted(handled_types(workers))
    if not handled:
        return 0.0
    moment = now or clock_now()
    oldest = store.list_events(EventFilter(states=["pending"], event_types=handled, until=moment), limit=1)
    if not oldest or oldest[0].next_run_at is None:
        return 0.0
    return max(0.0, (moment - oldest[0].next_run_at).total_seconds())


def stats_document(store: EventStore, workers: list[WorkerRecord], since: datetime | None) -> dict[str, Any]:
    """``/api/v1/stats``: the events store's overview plus live workers and events waiting for a handler."""
    doc = store.stats(HistoryFilter(since=since))
    doc["history_since"] = since
    doc["workers_live"] = len(workers)
    doc["waiting_for_handler"] = waiting_for_handler(doc["events_by_type"], workers)
    doc["due_now"] = store.count_events(EventFilter(states=["pending"], until=clock_now()))
    return doc

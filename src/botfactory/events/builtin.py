"""Built-in housekeeping event types: periodic duties are rows that exactly one worker claims (DESIGN §4),
so there is no separate scheduler process and no leader to elect.

* ``botfactory.prune_history`` (hourly): delete history older than the retention (settings
  ``history_retention_days``, default 90; ``retention_days`` in action_data overrides it).
* ``botfactory.prune_workers`` (every 5 minutes): release the claims of workers that stopped sending
  heartbeats, recording why, and delete the rows of dead and stopped workers.

``install()`` registers both (idempotent); ``ensure_housekeeping_events()`` schedules each once, by dedupe key.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from botfactory.clock import get_clock
from botfactory.events.execution import current_database
from botfactory.events.job import ScheduledEventJob
from botfactory.events.registry import EventTypeRegistry, registry

if TYPE_CHECKING:
    from botfactory.events.store import EventStore

log = logging.getLogger(__name__)

PRUNE_HISTORY = "botfactory.prune_history"
PRUNE_WORKERS = "botfactory.prune_workers"
HOUSEKEEPING_TYPES = (PRUNE_HISTORY, PRUNE_WORKERS)
_EVERY = {PRUNE_HISTORY: timedelta(hours=1), PRUNE_WORKERS: timedelta(minutes=5)}
# Who scheduled housekeeping, in the user_resource_id style of DESIGN §9.
CREATED_BY = "divvyuser:0:botfactory:"


def dead_after(lease: float) -> float:
    """Seconds without a heartbeat after which a worker is presumed dead. Workers beat at least every 10 s,
    so this is several missed beats, and never shorter than a few leases."""
    return max(60.0, 3.0 * lease)


def _settings():  # type: ignore[no-untyped-def]
    from botfactory.config import load_settings

    return load_settings()


def _store() -> EventStore:
    from botfactory.events.store import EventStore

    return EventStore(current_database())


class PruneHistoryJob(ScheduledEventJob):
    """Delete event history older than the retention period."""

    def __init__(self, retention_days: int | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.retention_days = retention_days

    def run(self) -> str:
        days = self.retention_days if self.retention_days is not None else _settings().history_retention_days
        before = get_clock().now() - timedelta(days=int(days))
        deleted = _store().prune_history(before)
        return f"deleted {deleted} history rows finished before {before.isoformat()} (retention {days} days)"


class PruneWorkersJob(ScheduledEventJob):
    """Release what dead workers held (saying why) and delete the rows of dead and stopped workers."""

    def run(self) -> str:
        result = _store().prune_workers(dead_after=dead_after(_settings().worker_lease_seconds))
        return (
            f"dead workers: {result.dead or 'none'}; events released: {result.released}; rows deleted: {result.deleted}"
        )


def install(target: EventTypeRegistry | None = None) -> None:
    """Register the housekeeping event types (again after a registry reset; a second call changes nothing)."""
    reg = target or registry
    for uid, cls in ((PRUNE_HISTORY, PruneHistoryJob), (PRUNE_WORKERS, PruneWorkersJob)):
        spec = reg.find(uid)
        if spec is None or spec.job_class is not cls:
            # One attempt: the next occurrence comes soon enough, and a retry storm of prunes helps nobody.
            reg.register(uid, cls, max_attempts=1)


def ensure_housekeeping_events(store: EventStore, *, target: EventTypeRegistry | None = None) -> list[int]:
    """Schedule each registered housekeeping type once (a dedupe key keeps it to one live event, even with
    many workers starting together). Returns the event ids."""
    from botfactory.events.tracker import ScheduledEventTracker
    from botfactory.schedule import Interval

    reg = target or registry
    uids = [uid for uid in HOUSEKEEPING_TYPES if uid in reg]
    if not uids:
        return []
    with ScheduledEventTracker(store, registry=reg, created_by=CREATED_BY) as tracker:
        handles = [
            tracker.schedule_event(uid, Interval(_EVERY[uid]), description=f"housekeeping: {uid}", dedupe_key=uid)
            for uid in uids
        ]
    return [int(handle.id) for handle in handles if handle.id is not None]

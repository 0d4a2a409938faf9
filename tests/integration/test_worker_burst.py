"""A burst worker runs everything due before it exits, even when its slots were all busy when it looked."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from botfactory.db import Database
from botfactory.events import EventFilter, EventStore, ScheduledEventJob, ScheduledEventTracker, registry
from botfactory.events.worker import Worker
from botfactory.schedule import Once


class InstantJob(ScheduledEventJob):
    def run(self) -> None:
        pass


def _schedule(db: Database, n: int) -> None:
    with ScheduledEventTracker(db) as tracker:
        for _ in range(n):
            tracker.schedule_event("burst.instant", Once(when=datetime(2020, 1, 1, tzinfo=UTC)))


def test_burst_is_not_over_while_events_are_due(database: Database) -> None:
    registry.register("burst.instant", InstantJob)
    _schedule(database, 50)
    worker = Worker(database, concurrency=1, housekeeping=False, burst=True, listen=False)
    worker.start()
    slots = worker._slots
    count_free = slots.free

    def free_then_the_job_finishes() -> int:
        # The interleaving under test, made certain: the slot is busy when counted, and its job finishes (its
        # result queued) before the loop writes results and asks whether the burst is over.
        free = count_free()
        deadline = time.monotonic() + 5
        while free == 0 and slots.busy() and time.monotonic() < deadline:
            time.sleep(0.001)
        return free

    slots.free = free_then_the_job_finishes  # type: ignore[method-assign]
    worker.run_until_stopped()
    store = EventStore(database)
    assert store.count_events(EventFilter(states=["pending", "running"])) == 0
    assert store.count_events(EventFilter(states=["succeeded"])) == 50


def test_burst_with_one_slot_runs_every_due_event(database: Database) -> None:
    registry.register("burst.instant", InstantJob)
    store = EventStore(database)
    for round_number in range(1, 3):
        _schedule(database, 200)
        Worker(database, concurrency=1, housekeeping=False, burst=True).run_burst()
        assert store.count_events(EventFilter(states=["pending", "running"])) == 0, f"round {round_number}"
        assert store.count_events(EventFilter(states=["succeeded"])) == 200 * round_number

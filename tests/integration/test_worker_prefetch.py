"""Claiming ahead: a worker running short jobs claims many events per round (``prefetch="auto"``, the default);
with ``prefetch=0`` it never holds more events than it has slots."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from botfactory.cli import cli
from botfactory.db import Database
from botfactory.db.models import scheduled_event as e
from botfactory.events import EventFilter, EventStore, ScheduledEventJob, ScheduledEventTracker, registry
from botfactory.events.execution import current_database
from botfactory.events.worker import Worker
from botfactory.schedule import Once
from tests.integration.worker_support import gate, history_by_event, started, url_of, wait_until

HELD: list[int] = []


class CountHeldJob(ScheduledEventJob):
    """Notes how many events its worker holds (claimed, running or queued) while it runs."""

    def run(self) -> None:
        with current_database().read() as conn:
            held = conn.execute(select(func.count()).where(e.c.state == "running")).scalar_one()
        HELD.append(int(held))


@pytest.mark.parametrize(("prefetch", "most_held"), [("auto", None), (0, 1)])
def test_claims_ahead_only_when_allowed(database: Database, prefetch: str | int, most_held: int | None) -> None:
    HELD.clear()
    registry.register("prefetch.count_held", CountHeldJob)
    with ScheduledEventTracker(database) as tracker:
        for _ in range(120):
            tracker.schedule_event("prefetch.count_held", Once(when=datetime(2020, 1, 1, tzinfo=UTC)))
    worker = Worker(database, concurrency=1, housekeeping=False, listen=False, prefetch=prefetch)
    assert worker.run_burst() == 120
    assert EventStore(database).count_events(EventFilter(states=["succeeded"])) == 120
    assert len(HELD) == 120
    if most_held is None:
        # The first claim takes one event (no job duration known yet); once jobs are seen to finish well inside
        # the 50 ms window, claims take more than the one slot. (How many depends on this machine's speed: the
        # first job also opens a database connection, so the average starts high.)
        assert HELD[0] == 1
        assert max(HELD) > 1
    else:
        assert max(HELD) == most_held


def test_cli_prefetch_is_checked_and_used(sqlite_database: Database) -> None:
    url = url_of(sqlite_database)
    bad = CliRunner().invoke(cli, ["worker", "--burst", "--prefetch", "lots", "--db", url])
    assert bad.exit_code == 2
    assert "--prefetch" in bad.output and "'lots'" in bad.output

    ok = CliRunner().invoke(cli, ["worker", "--burst", "--prefetch", "7", "--db", url])
    assert ok.exit_code == 0, ok.output
    assert "prefetch 7" in ok.output


class WaitForGateJob(ScheduledEventJob):
    def run(self) -> str:
        started("prefetch").set()
        gate("prefetch").wait(60)
        return "gate opened"


def _tiny_slow_tiny(db: Database) -> list[int]:
    """30 tiny events (a worker learns that jobs are short), one slow one after them, 40 tiny ones behind it;
    returns the ids of those behind."""
    registry.register("prefetch.tiny", CountHeldJob)
    registry.register("prefetch.slow", WaitForGateJob)
    gate("prefetch").clear()
    started("prefetch").clear()
    base = datetime(2020, 1, 1, tzinfo=UTC)
    with ScheduledEventTracker(db) as tracker:
        for n in range(30):
            tracker.schedule_event("prefetch.tiny", Once(when=base + timedelta(seconds=n)))
        tracker.schedule_event("prefetch.slow", Once(when=base + timedelta(minutes=1)))
        handles = [
            tracker.schedule_event("prefetch.tiny", Once(when=base + timedelta(minutes=2, seconds=n)))
            for n in range(40)
        ]
    return [int(handle.id or 0) for handle in handles]  # ids are known once the block has committed


def test_events_queued_behind_a_slow_job_are_given_back(database: Database) -> None:
    """Worker A (one slot) learns that jobs are tiny, then claims a slow job together with the tiny events due
    after it. Once the slow job has clearly outrun the prefetch window, A gives the queued events back and
    worker B runs them while A's slot is still busy."""
    behind = _tiny_slow_tiny(database)
    a = Worker(database, concurrency=1, housekeeping=False, listen=False, poll=0.05, name="worker-a").start()
    b = None
    try:
        assert started("prefetch").wait(30), "the slow job never started"
        b = Worker(database, concurrency=1, housekeeping=False, listen=False, poll=0.05, name="worker-b").start()
        wait_until(
            lambda: len(history_by_event(database, behind)) == len(behind),
            30,
            what="the events behind the slow job to run on worker B",
        )
        workers = {row[4] for rows in history_by_event(database, behind).values() for row in rows}
        assert workers == {"worker-b"}
        assert not gate("prefetch").is_set()  # A's slot was busy all along
    finally:
        gate("prefetch").set()
        a.stop()
        if b is not None:
            b.stop()
    assert EventStore(database).count_events(EventFilter(states=["succeeded"])) == 71


def _lease_of(db: Database, event_id: int) -> datetime:
    with db.read() as conn:
        row = conn.execute(select(e.c.lease_owner, e.c.lease_expires_at).where(e.c.id == event_id)).one()
    assert row.lease_owner is not None
    return row.lease_expires_at


def test_events_that_cannot_be_given_back_stay_queued(sqlite_database: Database) -> None:
    """The database refuses the give-back (it is away): the events stay queued on this worker, under its renewed
    lease, and run here once the slow job ends; nothing is lost or recorded as a lost lease."""
    behind = set(_tiny_slow_tiny(sqlite_database))
    worker = Worker(sqlite_database, concurrency=1, housekeeping=False, listen=False, poll=0.05, lease=3, burst=True)
    refused: list[int] = []  # ids the worker tried to give back

    def away(owner: str, held: dict[int, int]) -> int:
        refused.extend(held)
        raise RuntimeError("database away")

    worker.store.release_events = away  # type: ignore[method-assign]
    thread = threading.Thread(target=worker.run_burst)
    thread.start()
    try:
        assert started("prefetch").wait(30), "the slow job never started"
        # An event behind the slow job: it cannot have run before the gate opens (events given back while an
        # earlier tiny job was momentarily slow may have).
        wait_until(lambda: behind.intersection(refused), 30, what="a give-back of the events behind the slow job")
        queued = min(behind.intersection(refused))
        first = _lease_of(sqlite_database, queued)
        # The queued events are renewed with the rest (every lease / 3): their leases move on, never lapse.
        wait_until(lambda: _lease_of(sqlite_database, queued) > first, 30, what="the queued events' leases renewed")
    finally:
        gate("prefetch").set()
        thread.join(60)
    statuses = [row[0] for rows in history_by_event(sqlite_database).values() for row in rows]
    assert statuses.count("SUCCESS") == 71 and len(statuses) == 71

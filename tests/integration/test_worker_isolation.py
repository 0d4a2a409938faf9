"""Event types registered with ``isolation="process"`` run each job in a forked child: a job past its timeout is
killed (its slot is free again at once), a stopping worker kills what outlived the grace period, and the child
uses database connections of its own."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from botfactory.clock import get_clock
from botfactory.db import Database
from botfactory.db.models import scheduled_event as e
from botfactory.errors import ValidationError
from botfactory.events import EventFilter, EventStore, ScheduledEventJob, ScheduledEventTracker, registry
from botfactory.events.execution import current_database
from botfactory.events.worker import Worker
from botfactory.schedule import Once
from tests.integration.worker_support import history_by_event, wait_until

DUE = datetime(2020, 1, 1, tzinfo=UTC)


class HangJob(ScheduledEventJob):
    """Writes its pid, then blocks until killed."""

    def __init__(self, pid_file: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pid_file = pid_file

    def run(self) -> None:
        Path(self.pid_file).write_text(str(os.getpid()))
        threading.Event().wait()


class PidJob(ScheduledEventJob):
    def run(self) -> str:
        return f"pid {os.getpid()}"


class ReadsDatabaseJob(ScheduledEventJob):
    """Reads the events table from the child and records what it saw as its own history."""

    def run(self) -> None:
        with current_database().read() as conn:
            count = conn.execute(select(func.count()).select_from(e)).scalar_one()
        now = get_clock().now()
        self.store_event_history(now, now, "SUCCESS", f"{count} events seen from pid {os.getpid()}")


class RaiseJob(ScheduledEventJob):
    def run(self) -> None:
        raise ValueError("boom in the child")


class ExitJob(ScheduledEventJob):
    def run(self) -> None:
        os._exit(3)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _schedule(db: Database, event_type: str, **action_data: Any) -> int:
    with ScheduledEventTracker(db) as tracker:
        handle = tracker.schedule_event(event_type, Once(when=DUE), action_data=action_data or None)
    return int(handle.id or 0)


def _only_row(db: Database, event_id: int) -> tuple[Any, ...]:
    [row] = history_by_event(db, [event_id])[event_id]
    return row


def test_a_job_past_its_timeout_is_killed_and_its_slot_freed(database: Database, tmp_path: Path) -> None:
    registry.register("iso.hang", HangJob, isolation="process", timeout=0.5, max_attempts=1)
    registry.register("iso.pid", PidJob, isolation="process", timeout=30)
    pid_file = tmp_path / "pid"
    hung = _schedule(database, "iso.hang", pid_file=str(pid_file))
    with Worker(database, concurrency=1, housekeeping=False, listen=False, poll=0.05):
        wait_until(pid_file.exists, 30, what="the hanging job to start")
        child = int(pid_file.read_text())
        wait_until(lambda: history_by_event(database, [hung]), 30, what="the timeout to be recorded")
        wait_until(lambda: not _alive(child), 10, what="the job's process to be gone")
        # The only slot is free again: a thread-run job would have held it until it returned (never).
        after = _schedule(database, "iso.pid")
        wait_until(lambda: history_by_event(database, [after]), 30, what="the next event to run on the same slot")
    status, _, _, _, _, text = _only_row(database, hung)
    assert status == "TIMEOUT" and "process was killed" in text
    status, _, _, _, _, text = _only_row(database, after)
    assert status == "SUCCESS" and text.startswith("pid ") and int(text.split()[1]) != os.getpid()


def test_the_child_uses_its_own_database_connections(database: Database) -> None:
    registry.register("iso.reads", ReadsDatabaseJob, isolation="process", timeout=30)
    registry.register("iso.pid", PidJob, isolation="process", timeout=30)
    ids = [_schedule(database, "iso.reads") for _ in range(3)]
    worker = Worker(database, concurrency=2, housekeeping=False, listen=False, burst=True)
    assert worker.run_burst() == 3
    # The parent's pooled connections still work after the children used theirs and exited.
    last = _schedule(database, "iso.pid")
    assert Worker(database, concurrency=1, housekeeping=False, listen=False, burst=True).run_burst() == 1
    for event_id in ids:
        status, _, _, _, _, text = _only_row(database, event_id)
        assert status == "SUCCESS" and text.endswith(f"from pid {text.split()[-1]}") and "events seen" in text
        assert int(text.split()[-1]) != os.getpid()
    assert _only_row(database, last)[0] == "SUCCESS"


def test_what_the_child_raises_or_how_it_dies_is_recorded(sqlite_database: Database) -> None:
    registry.register("iso.raise", RaiseJob, isolation="process", max_attempts=1, timeout=30)
    registry.register("iso.exit", ExitJob, isolation="process", max_attempts=1, timeout=30)
    raised, exited = _schedule(sqlite_database, "iso.raise"), _schedule(sqlite_database, "iso.exit")
    assert Worker(sqlite_database, concurrency=2, housekeeping=False, listen=False, burst=True).run_burst() == 2
    status, _, _, _, _, text = _only_row(sqlite_database, raised)
    assert status == "ERROR" and "RaiseJob.run() raised" in text and "ValueError: boom in the child" in text
    status, _, _, _, _, text = _only_row(sqlite_database, exited)
    assert status == "ERROR" and "ended without a result (exit code 3)" in text


def test_a_stopping_worker_kills_a_child_that_outlives_the_grace_period(
    sqlite_database: Database, tmp_path: Path
) -> None:
    registry.register("iso.hang", HangJob, isolation="process")
    pid_file = tmp_path / "pid"
    hung = _schedule(sqlite_database, "iso.hang", pid_file=str(pid_file))
    worker = Worker(sqlite_database, concurrency=1, housekeeping=False, listen=False).start()
    try:
        wait_until(pid_file.exists, 30, what="the hanging job to start")
    finally:
        worker.stop(grace=0.2)
    child = int(pid_file.read_text())
    wait_until(lambda: not _alive(child), 10, what="the job's process to be killed")
    # Released, not failed: the attempt never finished, so another worker runs it again.
    store = EventStore(sqlite_database)
    assert store.count_events(EventFilter(states=["pending"])) == 1
    assert store.get_event(hung).attempt == 0


def test_isolation_is_checked_at_registration() -> None:
    with pytest.raises(ValidationError, match="isolation") as caught:
        registry.register("iso.bad", PidJob, isolation="container")
    assert caught.value.field == "isolation"


def test_many_forks_while_the_worker_uses_the_database_never_hang(sqlite_database: Database) -> None:
    """Without the fork gate about 1 in 60 children hung here: forked while the loop thread was inside SQLite,
    they waited for ever on a mutex that no thread of theirs would release (measured 5 of 300)."""
    registry.register("iso.reads", ReadsDatabaseJob, isolation="process", timeout=10, max_attempts=1)
    with ScheduledEventTracker(sqlite_database) as tracker:
        for _ in range(300):
            tracker.schedule_event("iso.reads", Once(when=DUE))
    worker = Worker(sqlite_database, concurrency=4, housekeeping=False, listen=False, burst=True)
    assert worker.run_burst() == 300
    statuses = [row[0] for rows in history_by_event(sqlite_database).values() for row in rows]
    assert statuses == ["SUCCESS"] * 300

"""botfactory under test: the no-op event type, scheduling, worker processes, and checks read from its own tables.

Worker processes are ``python -m bench.child bench.peers.bf:work`` — an embedded ``botfactory.events.Worker``
(the object ``botfactory worker`` runs) with the bench's event types registered, because the bench's job module
has to be importable by every worker process and ``botfactory worker`` loads only built-ins and plugins.
"""

from __future__ import annotations

import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text

from botfactory.db import Database, migrate
from botfactory.db.models import event_history as h
from botfactory.db.models import scheduled_event as e
from botfactory.db.models import worker_process as wp
from botfactory.events import ScheduledEventJob, ScheduledEventTracker, Worker, registry
from botfactory.schedule import Once

NOOP = "bench.noop"
TABLES = ("scheduled_event_resource", "event_history", "scheduled_event", "worker_process")


class NoopJob(ScheduledEventJob):
    """Does nothing: the benchmark measures the scheduler, not the job."""

    def run(self) -> None:
        return None


def register() -> None:
    if registry.find(NOOP) is None:
        registry.register(NOOP, NoopJob)


def open_db(url: str, *, migrated: bool = True) -> Database:
    db = Database(url)
    if migrated:
        migrate.upgrade(db)
    return db


def clear(db: Database) -> None:
    """Empty the events tables (between runs on one PostgreSQL database)."""
    with db.write() as conn:
        if db.dialect == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY"))
        else:
            for table in TABLES:
                conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608  fixed table names


def schedule_block(db: Database, n: int, when: datetime) -> float:
    """Seconds to schedule ``n`` one-off events in one tracker block (checks + commit)."""
    started = time.perf_counter()
    with ScheduledEventTracker(db) as tracker:
        for _ in range(n):
            tracker.schedule_event(NOOP, Once(when))
    return time.perf_counter() - started


def count_events(db: Database, state: str | None = None) -> int:
    query = select(func.count()).select_from(e)
    if state is not None:
        query = query.where(e.c.state == state)
    with db.read() as conn:
        return int(conn.execute(query).scalar() or 0)


# -- measurements run in a child process ---------------------------------------------------------------------


def schedule(params: dict[str, Any]) -> dict[str, Any]:
    """``n`` events due in a day, one tracker block. Connection, migration and a warm-up block are not timed."""
    register()
    db = open_db(params["url"])
    clear(db)
    later = datetime.now(UTC) + timedelta(days=1)
    schedule_block(db, 10, later)  # warm-up: pool, statement cache, imports
    clear(db)
    seconds = schedule_block(db, int(params["n"]), later)
    stored = count_events(db, "pending")
    db.dispose()
    if stored != params["n"]:
        raise RuntimeError(f"scheduled {params['n']} events but {stored} are stored")
    return {"value": params["n"] / seconds, "seconds": seconds, "n": params["n"], "stored": stored}


def work(params: dict[str, Any]) -> dict[str, Any]:
    """A worker process. ``burst``: run what is due, then exit; otherwise run until SIGTERM or ``max_seconds``."""
    import logging

    logging.getLogger("botfactory").setLevel(logging.WARNING)
    register()
    db = Database(params["url"])
    worker = Worker(
        db,
        concurrency=int(params.get("concurrency", 4)),
        poll=float(params.get("poll", 1.0)),
        lease=float(params.get("lease", 60.0)),
        housekeeping=False,
        listen=bool(params.get("listen", True)),
        burst=bool(params.get("burst", True)),
        prefetch=params.get("prefetch", "auto"),
    )
    if worker.burst:
        started = time.perf_counter()
        completed = worker.run_burst()
        return {"value": completed, "completed": completed, "seconds": time.perf_counter() - started}
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    worker.start()
    stop.wait(float(params.get("max_seconds", 60)))
    worker.stop(grace=5)
    return {"value": worker.completed, "completed": worker.completed}


# -- checks read from botfactory's own tables ---------------------------------------------------------------


def max_event_id(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.max(e.c.id))).scalar() or 0)


def history_check(db: Database, n: int, since_id: int = 0) -> dict[str, Any]:
    """Duplicates, misses and the span of the runs of events with ids above ``since_id``, from
    ``event_history`` and ``scheduled_event``."""
    with db.read() as conn:
        row = conn.execute(
            select(
                func.count(),
                func.count(h.c.event_id.distinct()),
                func.min(h.c.started_at),
                func.max(h.c.finished_at),
            ).where(h.c.status == "SUCCESS", h.c.event_id > since_id)
        ).one()
        states = dict(conn.execute(select(e.c.state, func.count()).where(e.c.id > since_id).group_by(e.c.state)).all())
        not_success = conn.execute(
            select(func.count()).select_from(h).where(h.c.status != "SUCCESS", h.c.event_id > since_id)
        ).scalar()
    runs, distinct, first, last = int(row[0]), int(row[1]), row[2], row[3]
    return {
        "n": n,
        "ran": distinct,
        "duplicates": runs - distinct,
        "missed": n - distinct,
        "not_success": int(not_success or 0),
        "states": {str(k): int(v) for k, v in states.items()},
        "span": (last - first).total_seconds() if first and last else None,
    }


def live_workers(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(wp).where(wp.c.stopped_at.is_(None))).scalar() or 0)


def latencies(db: Database) -> list[float]:
    """Start minus due time (ms) of every SUCCESS attempt: ``started_at - scheduled_for`` from history."""
    with db.read() as conn:
        rows = conn.execute(select(h.c.started_at, h.c.scheduled_for).where(h.c.status == "SUCCESS")).all()
    return [(started - due).total_seconds() * 1000 for started, due in rows]


def staggered(db: Database, n: int, window: float, lead: float) -> datetime:
    """Schedule ``n`` events due over ``window`` seconds, the first ``lead`` seconds from now; one block."""
    start = datetime.now(UTC) + timedelta(seconds=lead)
    with ScheduledEventTracker(db) as tracker:
        for i in range(n):
            tracker.schedule_event(NOOP, Once(start + timedelta(seconds=window * i / n)))
    return start + timedelta(seconds=window)


def latency_inproc(params: dict[str, Any]) -> dict[str, Any]:
    """An idle in-process worker; the tracker wakes it directly (``botfactory run``'s set-up)."""
    register()
    n, window = int(params["n"]), float(params["window"])
    db = open_db(params["url"])
    clear(db)
    worker = Worker(db, concurrency=4, housekeeping=False, listen=db.dialect == "postgresql").start()
    try:
        time.sleep(1.0)  # idle before the first event arrives
        last_due = staggered(db, n, window, float(params.get("lead", 1.0)))
        deadline = time.monotonic() + (last_due - datetime.now(UTC)).total_seconds() + 15
        while count_events(db, "succeeded") < n and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.stop(grace=5)
    found = latencies(db)
    check = history_check(db, n)
    db.dispose()
    return {"latencies_ms": found, **check}

"""Worker speed: events/s of one worker process (no-op jobs) and dispatch latency of an idle worker.

    .venv/bin/python bench/worker_speed.py                       # SQLite (temp file) and local PostgreSQL
    .venv/bin/python bench/worker_speed.py --db postgresql://postgres@127.0.0.1/bf_bench --events 10000

Throughput: N no-op events due now, one ``Worker`` (in this process) runs them in burst mode; events/s is N
over the wall time of the burst. Latency: an idle worker; one event at a time is scheduled 30-80 ms ahead, the
job notes when it started; latency = start - due time. Scheduled in this process (the tracker's in-process
wake-up) and, on PostgreSQL, also "from elsewhere" (in-process signal off: only LISTEN/NOTIFY wakes it).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import create_engine, text  # noqa: E402

from botfactory.clock import get_clock  # noqa: E402
from botfactory.db import Database  # noqa: E402
from botfactory.db.migrate import upgrade  # noqa: E402
from botfactory.db.models import metadata  # noqa: E402
from botfactory.events import EventStore, ScheduledEventJob, ScheduledEventTracker, Worker, signals  # noqa: E402
from botfactory.events.registry import EventTypeRegistry  # noqa: E402
from botfactory.schedule import Once  # noqa: E402

STARTS: dict[int, float] = {}
STARTED = threading.Event()


class Noop(ScheduledEventJob):
    def run(self) -> None:
        return None


class Stamp(ScheduledEventJob):
    def run(self) -> None:
        STARTS[int(self.scheduled_event_id or 0)] = time.time()
        STARTED.set()


def _registry() -> EventTypeRegistry:
    reg = EventTypeRegistry()
    reg.register("bench.noop", Noop)
    reg.register("bench.stamp", Stamp)
    return reg


def _fresh(url: str) -> Database:
    db = Database(url)
    if db.dialect == "postgresql":
        name = db.url.database
        admin = create_engine(db.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    upgrade(db)
    with db.write() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    return db


def throughput(db: Database, events: int, concurrency: int, prefetch: int | str) -> float:
    reg = _registry()
    store = EventStore(db)
    with ScheduledEventTracker(store, registry=reg) as tracker:
        for _ in range(events):
            tracker.schedule_event("bench.noop", Once(get_clock().now()))
    worker = Worker(db, registry=reg, concurrency=concurrency, prefetch=prefetch, housekeeping=False)
    started = time.perf_counter()
    done = worker.run_burst()
    elapsed = time.perf_counter() - started
    assert done == events, (done, events)
    with db.write() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    return events / elapsed


def latency(db: Database, samples: int, *, from_elsewhere: bool) -> list[float]:
    reg = _registry()
    store = EventStore(db)
    worker = Worker(db, registry=reg, concurrency=2, poll=1.0, housekeeping=False)
    worker.start()
    if from_elsewhere:
        signals.unsubscribe(worker._on_due)
        assert worker._listener is not None and worker._listener.connected.wait(10)
    lags: list[float] = []
    try:
        for _ in range(samples):
            STARTED.clear()
            due = get_clock().now() + timedelta(milliseconds=random.uniform(30, 80))
            with ScheduledEventTracker(store, registry=reg) as tracker:
                handle = tracker.schedule_event("bench.stamp", Once(due))
            if not STARTED.wait(5):
                raise RuntimeError("event did not start within 5 s")
            lags.append((STARTS[int(handle.id or 0)] - due.timestamp()) * 1000)
            time.sleep(random.uniform(0.005, 0.03))  # the worker goes idle again
    finally:
        worker.stop()
    return lags


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(url: str, args: Any) -> None:
    db = _fresh(url)
    print(f"== {db.dialect}: {db.safe_url()}")
    for prefetch in ("auto", 0):
        rate = throughput(db, args.events, args.concurrency, prefetch)
        print(
            f"throughput: {args.events} no-op events, concurrency {args.concurrency}, prefetch {prefetch}: "
            f"{rate:,.0f} events/s"
        )
    modes = [False, True] if db.dialect == "postgresql" else [False]
    for elsewhere in modes:
        lags = latency(db, args.samples, from_elsewhere=elsewhere)
        how = "scheduled from another process (LISTEN/NOTIFY)" if elsewhere else "scheduled in-process"
        print(
            f"dispatch latency, idle worker, {how}, n={len(lags)}: p50 {_pct(lags, 0.5):.2f} ms, "
            f"p99 {_pct(lags, 0.99):.2f} ms, max {max(lags):.2f} ms, mean {statistics.mean(lags):.2f} ms"
        )
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", action="append", help="database URL (repeatable); default SQLite + local PostgreSQL")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    urls = args.db or [
        f"sqlite:///{tempfile.mkdtemp(prefix='bf-bench-')}/bench.db",
        "postgresql://postgres@127.0.0.1:5432/bf_bench_worker",
    ]
    for url in urls:
        run(url, args)


if __name__ == "__main__":
    main()

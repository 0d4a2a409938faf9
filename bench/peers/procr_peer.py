"""Procrastinate 3 on PostgreSQL: ``defer`` / ``batch_defer`` to schedule; ``procrastinate worker --one-shot``
processes to dispatch, with Procrastinate's defaults (concurrency 1, LISTEN/NOTIFY on, 5 s polling fallback).
Runs are read back from Procrastinate's own ``procrastinate_jobs`` and ``procrastinate_events`` tables."""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.harness import Proc, spawn
from bench.services import pg_dsn

DB = "bench_procrastinate"
TABLES = "procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, procrastinate_workers"


def _app(dsn: str) -> Any:
    os.environ["BENCH_PROCRASTINATE_DSN"] = dsn
    from bench.peers.procr_app import app

    return app


def prepare(params: dict[str, Any]) -> dict[str, Any]:
    """Apply Procrastinate's schema to the freshly created database."""
    app = _app(pg_dsn(DB))
    with app.open():
        app.schema_manager.apply_schema()
    return {"value": 1}


def _clear() -> None:
    import psycopg

    with psycopg.connect(pg_dsn(DB), autocommit=True) as conn:
        conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")


def _count() -> int:
    import psycopg

    with psycopg.connect(pg_dsn(DB)) as conn:
        row = conn.execute("SELECT count(*) FROM procrastinate_jobs").fetchone()
    return int(row[0]) if row else 0


def schedule(params: dict[str, Any]) -> dict[str, Any]:
    """``defer`` one job at a time, or ``batch_defer`` all in one call; jobs due in a day."""
    n, batch = int(params["n"]), params["mode"] == "batch_defer"
    app = _app(pg_dsn(DB))
    later = datetime.now(UTC) + timedelta(days=1)
    with app.open():
        task = app.tasks["bench.noop"]
        _clear()
        deferrer = task.configure(scheduled_at=later)
        for i in range(10):
            deferrer.defer(index=i)
        _clear()
        started = time.perf_counter()
        if batch:
            task.configure(scheduled_at=later).batch_defer(*({"index": i} for i in range(n)))
        else:
            deferrer = task.configure(scheduled_at=later)
            for i in range(n):
                deferrer.defer(index=i)
        seconds = time.perf_counter() - started
    stored = _count()
    if stored != n:
        raise RuntimeError(f"deferred {n} jobs but procrastinate_jobs holds {stored}")
    return {"value": n / seconds, "seconds": seconds, "n": n, "stored": stored}


def fill(params: dict[str, Any]) -> dict[str, Any]:
    """``n`` jobs due now, before any worker starts."""
    app = _app(pg_dsn(DB))
    _clear()
    with app.open():
        app.tasks["bench.noop"].batch_defer(*({"index": i} for i in range(int(params["n"]))))
    return {"value": _count()}


def start_workers(count: int) -> list[Proc]:
    argv = [sys.executable, "-m", "procrastinate", "--app=bench.peers.procr_app.app", "worker", "--one-shot"]
    env = {"BENCH_PROCRASTINATE_DSN": pg_dsn(DB)}
    return [
        spawn(f"procrastinate-{i}", [*argv, "--name", f"bench-{i}", "--queues", "bench"], env) for i in range(count)
    ]


def verify(n: int) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(pg_dsn(DB)) as conn:
        starts = conn.execute(
            "SELECT count(*), count(DISTINCT job_id), min(at) FROM procrastinate_events WHERE type = 'started'"
        ).fetchone()
        ends = conn.execute("SELECT max(at) FROM procrastinate_events WHERE type = 'succeeded'").fetchone()
        succeeded = conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'").fetchone()
    assert starts and ends and succeeded
    runs, distinct, first, last = int(starts[0]), int(succeeded[0]), starts[2], ends[0]
    span = (last - first).total_seconds() if first and last else None
    return {
        "n": n,
        "ran": distinct,
        "duplicates": runs - int(starts[1]),
        "missed": n - distinct,
        "span": span,
        "value": distinct / span if span else 0.0,
    }

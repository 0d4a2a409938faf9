"""APScheduler 3.11: ``BackgroundScheduler`` with a ``SQLAlchemyJobStore`` on SQLite (or ``MemoryJobStore`` for
reference) and its default executor (``ThreadPoolExecutor``, 10 threads).

APScheduler 3 keeps no run history, so the job itself records (its index, start, finish) in this process; misses
come from ``EVENT_JOB_MISSED`` and from jobs still in the store at the end. Dispatch adds the jobs while the
scheduler is paused, then resumes it; ``misfire_grace_time=None`` so a job that is late because of the backlog
still runs (the default of 1 s would turn the backlog into misses).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

_lock = threading.Lock()
_runs: list[tuple[int, float, float]] = []


def noop(index: int, due: float = 0.0) -> None:
    started = time.time()
    with _lock:
        _runs.append((index, started, due))


def _scheduler(store: str, path: str | None) -> Any:
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    if store == "sqlite":
        assert path
        Path(path).unlink(missing_ok=True)
        jobstore: Any = SQLAlchemyJobStore(url=f"sqlite:///{path}")
    else:
        jobstore = MemoryJobStore()
    return BackgroundScheduler(jobstores={"default": jobstore}, timezone=UTC)


def schedule(params: dict[str, Any]) -> dict[str, Any]:
    """``add_job`` ``n`` one-off (date trigger) jobs due in a day on a running scheduler."""
    n = int(params["n"])
    sched = _scheduler(params["store"], params.get("path"))
    sched.start()
    later = datetime.now(UTC) + timedelta(days=1)
    for i in range(10):  # warm-up, not timed
        sched.add_job(noop, "date", run_date=later, args=[i], id=f"warm-{i}")
    for i in range(10):
        sched.remove_job(f"warm-{i}")
    started = time.perf_counter()
    for i in range(n):
        sched.add_job(noop, "date", run_date=later, args=[i])
    seconds = time.perf_counter() - started
    stored = len(sched.get_jobs())
    sched.shutdown(wait=False)
    if stored != n:
        raise RuntimeError(f"added {n} jobs but the store holds {stored}")
    return {"value": n / seconds, "seconds": seconds, "n": n, "stored": stored}


def dispatch(params: dict[str, Any]) -> dict[str, Any]:
    """``n`` jobs all due now; time from the first start to the last run."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED

    n = int(params["n"])
    sched = _scheduler(params["store"], params.get("path"))
    counts = {"executed": 0, "missed": 0, "error": 0}
    done = threading.Event()
    last_end = [0.0]

    def listen(event: Any) -> None:
        with _lock:
            if event.code == EVENT_JOB_MISSED:
                counts["missed"] += 1
            else:
                counts["executed" if event.code == EVENT_JOB_EXECUTED else "error"] += 1
                last_end[0] = time.time()
            if counts["executed"] + counts["missed"] + counts["error"] >= n:
                done.set()

    sched.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    sched.start(paused=True)
    now = datetime.now(UTC)
    for i in range(n):
        sched.add_job(noop, "date", run_date=now, args=[i], misfire_grace_time=None)
    sched.resume()
    done.wait(float(params.get("timeout", 300)))
    remaining = len(sched.get_jobs())
    sched.shutdown(wait=True)
    with _lock:
        runs = list(_runs)
    distinct = len({index for index, _, _ in runs})
    first = min((start for _, start, _ in runs), default=0.0)
    span = last_end[0] - first if runs else None
    return {
        "value": distinct / span if span else 0.0,
        "span": span,
        "n": n,
        "ran": distinct,
        "duplicates": len(runs) - distinct,
        "missed": n - distinct,
        "missed_events": counts["missed"],
        "errors": counts["error"],
        "left_in_store": remaining,
    }


def latency(params: dict[str, Any]) -> dict[str, Any]:
    """An idle running scheduler; ``n`` jobs due over ``window`` seconds; start minus due time per job."""
    n, window, lead = int(params["n"]), float(params["window"]), float(params.get("lead", 1.0))
    sched = _scheduler(params["store"], params.get("path"))
    sched.start()
    time.sleep(1.0)
    start = datetime.now(UTC) + timedelta(seconds=lead)
    for i in range(n):
        due = start + timedelta(seconds=window * i / n)
        sched.add_job(noop, "date", run_date=due, args=[i, due.timestamp()], misfire_grace_time=None)
    deadline = time.monotonic() + lead + window + 15
    while time.monotonic() < deadline:
        with _lock:
            if len(_runs) >= n:
                break
        time.sleep(0.05)
    sched.shutdown(wait=True)
    with _lock:
        runs = list(_runs)
    distinct = len({index for index, _, _ in runs})
    return {
        "latencies_ms": [(started - due) * 1000 for _, started, due in runs],
        "n": n,
        "ran": distinct,
        "duplicates": len(runs) - distinct,
        "missed": n - distinct,
    }

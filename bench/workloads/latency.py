"""*latency*: an idle worker; ``n`` (200) events due at staggered times over ``window`` (10 s), all scheduled in
one block a second before the first is due; start minus due time per event: p50, p99, max (ms).

botfactory in-process: tracker and worker in one process (the tracker wakes the worker directly). botfactory
cross-process: a worker process, events scheduled from the bench process (PostgreSQL: LISTEN/NOTIFY wakes it;
SQLite: it sleeps until the earliest due time it knows, capped by ``poll`` = 1 s). The start time is the history
row's ``started_at`` and the due time its ``scheduled_for``. APScheduler for reference: the job notes its start.
In quick mode the cases run at the same time (each is idle most of the time) to fit in the time budget.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench.context import Context
from bench.harness import Case, PeerFailed, alternate, call, percentile, spawn_call, wait_for
from bench.report import compare

NAME = "latency"


def _stats(result: dict[str, Any]) -> dict[str, Any]:
    values = result.pop("latencies_ms")
    if result.get("missed") or not values:
        raise PeerFailed(f"{result.get('missed')} of {result.get('n')} events did not run")
    p50, p99 = percentile(values, 50), percentile(values, 99)
    return {**result, "value": p99, "p50_ms": p50, "p99_ms": p99, "max_ms": max(values), "min_ms": min(values)}


def cross_process(ctx: Context, url: str, n: int, window: float) -> dict[str, Any]:
    from bench.peers import bf

    bf.register()
    db = bf.open_db(url)
    bf.clear(db)
    worker = spawn_call("bf-latency", "bench.peers.bf:work", {"url": url, "burst": False, "max_seconds": window + 60})
    try:
        wait_for(lambda: bf.live_workers(db) > 0, time.monotonic() + 30, "the worker to register")
        time.sleep(1.0)  # idle, LISTEN connected
        last_due = bf.staggered(db, n, window, lead=1.0)
        deadline = time.monotonic() + (last_due - datetime.now(UTC)).total_seconds() + 15
        wait_for(lambda: bf.count_events(db, "succeeded") >= n, deadline, f"{n} events to run", every=0.2)
    finally:
        worker.terminate()
    result = {"latencies_ms": bf.latencies(db), **bf.history_check(db, n)}
    db.dispose()
    return _stats(result)


def _parallel(cases: list[Case]) -> None:
    """Quick mode: one round with every case at once."""
    threads = [threading.Thread(target=alternate, args=([case], 1, 0.0), daemon=True) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run(ctx: Context) -> None:
    plan = ctx.plan
    n, window = plan.latency_n, plan.latency_window
    timeout = window + 60
    params = {"n": n, "window": window}
    pg_url = None if ctx.postgres_error else ctx.pg_database("bench_latency")

    def child(target: str, extra: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
        return lambda: _stats(call(target, {**params, **extra()}, timeout))

    cases = {
        "bf-inproc": ctx.case(
            f"{NAME}-bf-inproc-sqlite",
            "botfactory in-process, SQLite",
            child("bench.peers.bf:latency_inproc", lambda: {"url": ctx.sqlite_url("latency")}),
        ),
        "aps-sqlite": ctx.case(
            f"{NAME}-aps-sqlite",
            "APScheduler 3 SQLAlchemyJobStore, SQLite",
            child("bench.peers.aps:latency", lambda: {"store": "sqlite", "path": str(ctx.sqlite_path("aps"))}),
        ),
    }
    if pg_url:
        cases["bf-cross-pg"] = ctx.case(
            f"{NAME}-bf-cross-pg",
            "botfactory worker process, PostgreSQL",
            lambda: cross_process(ctx, pg_url, n, window),
        )
    if not plan.quick:
        cases["bf-cross-sqlite"] = ctx.case(
            f"{NAME}-bf-cross-sqlite",
            "botfactory worker process, SQLite",
            lambda: cross_process(ctx, ctx.sqlite_url("latency-x"), n, window),
        )
        cases["aps-memory"] = ctx.case(
            f"{NAME}-aps-memory",
            "APScheduler 3 MemoryJobStore",
            child("bench.peers.aps:latency", lambda: {"store": "memory"}),
        )
    if plan.quick:
        _parallel(list(cases.values()))
    else:
        alternate(cases.values(), plan.latency_runs)
    aps = cases["aps-sqlite"]
    label = f"latency: {n} events over {window:g} s, idle worker"
    for key in ("bf-inproc", "bf-cross-pg", "bf-cross-sqlite"):
        if key not in cases:
            continue
        bf = cases[key]
        ctx.add(compare(f"{label}, p99", "ms", bf, aps, higher_is_better=False, target=1.0,
                        target_text="≤ 1× (≤ APScheduler's p99, ~5 ms)", value_key="p99_ms"))  # fmt: skip
        for stat in ("p50", "max"):
            ctx.add(compare(f"{label}, {stat}", "ms", bf, aps, higher_is_better=False, value_key=f"{stat}_ms"))
    if "aps-memory" in cases:
        ctx.add(compare(f"{label}, p99", "ms", cases["bf-inproc"], cases["aps-memory"], higher_is_better=False,
                        value_key="p99_ms", note="reference: APScheduler without a durable store"))  # fmt: skip

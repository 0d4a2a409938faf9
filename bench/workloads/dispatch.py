"""*dispatch*: ``n`` no-op events all due before any worker starts; events per second from the first start to the
last finish, as each system's own store records them (so worker start-up is not counted), with 1 and 4 worker
processes. Duplicates and misses are counted from those records and must be 0.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench.context import Context
from bench.harness import Case, Proc, alternate, call, spawn_call, wait_for
from bench.report import Row, compare

NAME = "dispatch"


def _wait_all(procs: list[Proc], deadline: float, *, check: bool = True) -> None:
    """Wait for every process (killing the lot past ``deadline``); with ``check``, each must have exited 0."""
    try:
        for proc in procs:
            proc.wait(deadline)
    finally:
        for proc in procs:
            proc.kill()
    for proc in procs:
        if check and proc.popen.returncode != 0:
            raise RuntimeError(f"{proc.name} exited {proc.popen.returncode}: {proc.tail()}")


def _checked(result: dict[str, Any], seconds: float) -> dict[str, Any]:
    result["wall"] = seconds  # spawn to last exit, start-up included (not the value)
    if result["ran"] == 0:
        raise RuntimeError(f"nothing ran: {result}")
    return result


def bf_case(ctx: Context, url: Callable[[], str], procs: int, n: int, prefetch: int | str = "auto") -> dict[str, Any]:
    from bench.peers import bf

    bf.register()
    db = bf.open_db(url())
    bf.clear(db)
    bf.schedule_block(db, n, datetime.now(UTC))
    started = time.monotonic()
    params = {"url": db.url.render_as_string(hide_password=False), "burst": True, "prefetch": prefetch}
    workers = [spawn_call(f"bf-{i}", "bench.peers.bf:work", params) for i in range(procs)]
    _wait_all(workers, started + ctx.plan.timeout)
    result = bf.history_check(db, n)
    db.dispose()
    result["value"] = result["ran"] / result["span"] if result["span"] else 0.0
    return _checked(result, time.monotonic() - started)


def queue_case(ctx: Context, peer: str, procs: int, n: int) -> dict[str, Any]:
    """Celery, rq or Procrastinate: fill, start ``procs`` worker processes, wait, read the peer's records."""
    from bench.peers import celery_peer, procr_peer, rq_peer

    module: Any = {"celery": celery_peer, "rq": rq_peer, "procrastinate": procr_peer}[peer]
    if peer == "procrastinate":
        call("bench.peers.procr_peer:fill", {"n": n}, ctx.plan.timeout)
    else:
        module.fill(n)
    started = time.monotonic()
    workers = module.start_workers(procs)
    deadline = started + ctx.plan.timeout
    try:
        if peer == "celery":  # Celery has no burst mode: stop the workers once every task has run
            wait_for(lambda: celery_peer.finished(n), deadline, f"{n} Celery tasks", every=0.1)
            for worker in workers:
                worker.terminate()
        _wait_all(workers, deadline, check=peer != "celery")
    finally:
        for worker in workers:
            worker.kill()
    return _checked(module.verify(n), time.monotonic() - started)


def _lost(case: Case) -> tuple[int, int]:
    """The worst duplicates and misses over the case's runs (both must be 0)."""
    dup = max((int(r.get("duplicates", 0)) for r in case.results), default=0)
    miss = max((int(r.get("missed", 0)) for r in case.results), default=0)
    return dup, miss


def _row(label: str, bf: Case, peer: Case, target: float | None, note: str = "") -> Row:
    """A dispatch row; a run that lost or repeated events is called out in the result, whatever the speed."""
    parts = [note] if note else []
    flagged = []
    for who, case in (("botfactory", bf), ("peer", peer)):
        if case.results:
            dup, miss = _lost(case)
            parts.append(f"{who} duplicates {dup}, misses {miss}")
            if dup or miss:
                flagged.append(f"{who} {'lost' if miss else 'repeated'} events in a run")
    row = compare(label, "events/s", bf, peer, target=target, note="; ".join(parts))
    if flagged:
        row.status = f"{row.status}; **{', '.join(flagged)}**"
    return row


def run(ctx: Context) -> None:
    plan = ctx.plan
    n, caps = plan.dispatch_n, plan.dispatch_peer_n
    pg_url = None if ctx.postgres_error else ctx.pg_database("bench_dispatch")
    if not ctx.postgres_error:
        from bench.peers.procr_peer import DB as PROCR_DB

        ctx.pg_database(PROCR_DB)
        call("bench.peers.procr_peer:prepare", {}, 60)
    reference = plan.dispatch_prefetch_reference
    for procs in plan.dispatch_procs:
        suffix = f"{procs} worker process{'es' if procs > 1 else ''}"
        cases: dict[str, Case] = {}
        cases["bf-sqlite"] = ctx.case(
            f"{NAME}-{procs}-bf-sqlite",
            f"botfactory, SQLite, {procs} proc",
            lambda procs=procs: bf_case(ctx, lambda: ctx.sqlite_url("dispatch-bf"), procs, n),
        )
        if pg_url:
            cases["bf-pg"] = ctx.case(
                f"{NAME}-{procs}-bf-pg",
                f"botfactory, PostgreSQL, {procs} proc",
                lambda procs=procs: bf_case(ctx, lambda: pg_url, procs, n),
            )
        if procs == 1 and reference is not None:
            for db_key, db_label, db_url in (("sqlite", "SQLite", None), ("pg", "PostgreSQL", pg_url)):
                if db_key == "pg" and not pg_url:
                    continue
                cases[f"bf-{db_key}-prefetch"] = ctx.case(
                    f"{NAME}-1-bf-{db_key}-prefetch",
                    f"botfactory, {db_label}, 1 proc, prefetch {reference}",
                    lambda db_url=db_url: bf_case(
                        ctx,
                        (lambda: db_url) if db_url else (lambda: ctx.sqlite_url("dispatch-bf")),
                        1,
                        n,
                        reference,
                    ),
                )
        if procs == 1:
            for store in ("sqlite", "memory"):
                cases[f"aps-{store}"] = ctx.case(
                    f"{NAME}-1-aps-{store}",
                    f"APScheduler 3 {'SQLAlchemyJobStore, SQLite' if store == 'sqlite' else 'MemoryJobStore'}",
                    lambda store=store: call(
                        "bench.peers.aps:dispatch",
                        {"store": store, "path": str(ctx.sqlite_path("aps")), "n": caps[f"aps-{store}"]},
                        plan.timeout,
                    ),
                    plan.slow_runs,
                )
        peers = [("celery", "Celery -c 1, Redis"), ("rq", "rq Worker, Redis"), ("procrastinate", "Procrastinate")]
        for peer, label in peers:
            missing = ctx.postgres_error if peer == "procrastinate" else ctx.redis_error
            key = f"{NAME}-{procs}-{peer}"
            if missing:
                cases[peer] = ctx.failed_case(key, label, f"service unavailable: {missing}")
                continue
            cases[peer] = ctx.case(
                key,
                f"{label}, {procs} proc",
                lambda peer=peer, procs=procs: queue_case(ctx, peer, procs, caps[peer]),
                plan.slow_runs,
            )
        alternate(cases.values(), plan.runs)
        label = f"dispatch {n:,} due no-op events, {suffix}"
        bf_sqlite, bf_pg = cases["bf-sqlite"], cases.get("bf-pg") or cases["bf-sqlite"]
        per_process = procs == 1
        if "aps-sqlite" in cases:
            for key, target in (("aps-sqlite", 10), ("aps-memory", None)):
                ctx.add(_row(label, bf_sqlite, cases[key], target))
        for peer, target in (("celery", 10), ("procrastinate", 15), ("rq", None)):
            target = target if per_process else None
            ctx.add(_row(label, bf_pg, cases[peer], target))
        if procs > 1:
            ctx.add(_row(label, bf_sqlite, bf_pg, None, "botfactory SQLite vs PostgreSQL"))
        for key, base in (("bf-sqlite-prefetch", bf_sqlite), ("bf-pg-prefetch", bf_pg)):
            if key in cases:
                note = f"botfactory against itself: the default (prefetch auto) vs a fixed prefetch {reference}"
                ctx.add(_row(label, base, cases[key], None, note))

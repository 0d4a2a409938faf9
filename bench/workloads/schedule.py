"""*schedule*: one-off events (due in a day) written by each system's own scheduling call, events per second.

botfactory: ``n`` ``schedule_event(..., Once(when))`` calls in one ``ScheduledEventTracker`` block, committed on
exit (validation included). Peers: APScheduler ``add_job`` (date trigger) on a running ``BackgroundScheduler``,
Celery ``apply_async(countdown=86400)``, rq ``enqueue_at``, Procrastinate ``defer`` (one job a call) and
``batch_defer`` (all in one call). Each measurement runs in a fresh process; connecting, creating tables and a
10-job warm-up are not timed.
"""

from __future__ import annotations

from typing import Any

from bench.context import Context
from bench.harness import Case, alternate, call
from bench.report import compare

NAME = "schedule"


def _cases(ctx: Context, n: int, first: bool, bf_pg: str | None) -> dict[str, Case]:
    plan = ctx.plan
    timeout = plan.timeout
    cap = plan.schedule_peer_n
    cases: dict[str, Case] = {}

    def add(key: str, label: str, target: str, params: Any, slow: bool = False) -> None:
        cases[key] = ctx.case(
            f"{NAME}-{n}-{key}",
            label,
            lambda: call(target, params() if callable(params) else params, timeout),
            plan.slow_runs if slow else None,
        )

    add(
        "bf-sqlite",
        "botfactory tracker, SQLite",
        "bench.peers.bf:schedule",
        lambda: {"url": ctx.sqlite_url("schedule-bf"), "n": n},
    )
    if bf_pg:
        add("bf-pg", "botfactory tracker, PostgreSQL", "bench.peers.bf:schedule", {"url": bf_pg, "n": n})
    else:
        cases["bf-pg"] = ctx.failed_case(f"{NAME}-{n}-bf-pg", "botfactory tracker, PostgreSQL", "no PostgreSQL")
    add("aps-memory", "APScheduler 3 MemoryJobStore", "bench.peers.aps:schedule", {"store": "memory", "n": n})
    if first:
        aps_params = lambda: {"store": "sqlite", "path": str(ctx.sqlite_path("aps")), "n": cap["aps-sqlite"]}  # noqa: E731
        add("aps-sqlite", "APScheduler 3 SQLAlchemyJobStore, SQLite", "bench.peers.aps:schedule", aps_params, True)
        if ctx.redis_error:
            for key, label in (("celery", "Celery apply_async(countdown), Redis"), ("rq", "rq enqueue_at, Redis")):
                cases[key] = ctx.failed_case(f"{NAME}-{n}-{key}", label, f"no Redis: {ctx.redis_error}")
        else:
            add(
                "celery",
                "Celery apply_async(countdown), Redis",
                "bench.peers.celery_peer:schedule",
                {"n": cap["celery"]},
                slow=True,
            )
            add("rq", "rq enqueue_at, Redis", "bench.peers.rq_peer:schedule", {"n": cap["rq"]}, slow=True)
    if bf_pg:
        if first:
            add(
                "procr-defer",
                "Procrastinate defer, PostgreSQL",
                "bench.peers.procr_peer:schedule",
                {"n": cap["procr-defer"], "mode": "defer"},
                slow=True,
            )
        add(
            "procr-batch",
            "Procrastinate batch_defer, PostgreSQL",
            "bench.peers.procr_peer:schedule",
            {"n": n, "mode": "batch_defer"},
        )
    return cases


def run(ctx: Context) -> None:
    from bench.peers.procr_peer import DB as PROCR_DB

    bf_pg = None
    if not ctx.postgres_error:
        bf_pg = ctx.pg_database("bench_schedule")
        ctx.pg_database(PROCR_DB)
        call("bench.peers.procr_peer:prepare", {}, 60)
    measured: dict[str, Case] = {}
    for index, n in enumerate(ctx.plan.schedule_sizes):
        label = f"schedule {n:,} one-off events"
        cases = _cases(ctx, n, index == 0, bf_pg)
        alternate(cases.values(), ctx.plan.runs if n <= 10_000 else ctx.plan.large_runs)
        measured.update({k: v for k, v in cases.items() if k not in measured})
        peers = {**measured, **cases}
        bf_sqlite, bf_postgres = cases["bf-sqlite"], cases["bf-pg"]
        per_call = "per-call peer measured on its own n (its cost is per job)" if n > 10_000 else ""
        ctx.add(compare(label, "events/s", bf_sqlite, peers["aps-sqlite"], target=100, note=per_call))
        ctx.add(compare(label, "events/s", bf_sqlite, peers["aps-memory"], note="reference: in-memory, not durable"))
        for key in ("celery", "rq", "procr-defer"):
            if key in peers:
                ctx.add(
                    compare(
                        label,
                        "events/s",
                        bf_postgres,
                        peers[key],
                        note="; ".join(["reference", per_call][: 1 + bool(per_call)]),
                    )
                )
        if "procr-batch" in peers:
            ctx.add(compare(label, "events/s", bf_postgres, peers["procr-batch"], target=5))

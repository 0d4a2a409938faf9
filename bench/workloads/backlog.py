"""*backlog*: what a large backlog of pending, not-yet-due events costs botfactory: one claim, the idle worker's
``earliest_due`` query, dispatching 2,000 due events with one worker process, and that worker's peak RSS, each
with the backlog against an empty table (the ratio must stay near 1: flat). See ``bf_backlog`` for how the
backlog is written (one ``INSERT ... SELECT`` of a tracker-made template row).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from bench.context import Context
from bench.harness import Case, alternate, call, spawn_call
from bench.report import Row, compare

NAME = "backlog"


def dispatch_cost(ctx: Context, url: str, due: int) -> dict[str, Any]:
    """One worker process, ``due`` events due now; events/s from history, and the process's peak RSS."""
    import psutil

    from bench.peers import bf

    bf.register()
    db = bf.open_db(url, migrated=False)
    since = bf.max_event_id(db)
    bf.schedule_block(db, due, datetime.now(UTC))
    worker = spawn_call("bf-backlog", "bench.peers.bf:work", {"url": url, "burst": True})
    deadline = time.monotonic() + ctx.plan.timeout
    peak = 0
    try:
        process = psutil.Process(worker.pid)
        while worker.alive() and time.monotonic() < deadline:
            try:
                peak = max(peak, process.memory_info().rss)
            except psutil.Error:
                break
            time.sleep(0.02)
        worker.wait(deadline)
    finally:
        worker.kill()
    result = bf.history_check(db, due, since_id=since)
    db.dispose()
    if result["missed"] or result["duplicates"]:
        raise RuntimeError(f"dispatch with backlog lost or repeated events: {result}")
    result["value"] = result["ran"] / result["span"] if result["span"] else 0.0
    result["rss_mb"] = peak / 2**20
    return result


def _databases(ctx: Context) -> list[tuple[str, str, str]]:
    """(label, empty url, backlog url) per database."""
    found = []
    if not ctx.postgres_error:
        found.append(("PostgreSQL", ctx.pg_database("bench_backlog_empty"), ctx.pg_database("bench_backlog_full")))
    if not ctx.plan.quick:
        found.append(("SQLite", ctx.sqlite_url("backlog-empty"), ctx.sqlite_url("backlog-full")))
    return found


def run(ctx: Context) -> None:
    from bench.peers import bf
    from bench.peers.bf_backlog import fill_backlog

    plan = ctx.plan
    n, due = plan.backlog_n, plan.backlog_due
    fills = []
    for db_label, empty_url, full_url in _databases(ctx):
        for url in (empty_url, full_url):
            bf.open_db(url).dispose()
        db = bf.open_db(full_url, migrated=False)
        seconds = fill_backlog(db, n)
        db.dispose()
        fills.append(f"{db_label}: {n:,} backlog rows written in {seconds:.1f} s")
        cases: dict[str, Case] = {}
        cases["claims"] = ctx.case(
            f"{NAME}-{db_label}-claims",
            f"botfactory {db_label} claims, {n:,} pending vs empty",
            lambda e=empty_url, f=full_url: call(
                "bench.peers.bf_backlog:claim_pair", {"empty_url": e, "backlog_url": f, "due": due}, plan.timeout
            ),
        )
        for kind, url in (("empty", empty_url), ("backlog", full_url)):
            cases[f"dispatch-{kind}"] = ctx.case(
                f"{NAME}-{db_label}-dispatch-{kind}",
                f"botfactory {db_label} worker, {'empty table' if kind == 'empty' else f'{n:,} pending'}",
                lambda url=url: dispatch_cost(ctx, url, due),
            )
        alternate(cases.values(), plan.runs)
        label = f"backlog {n:,} pending vs empty, {db_label}"
        flat = "flat: ≤ 1.5×"
        pair = cases["claims"]
        for what, key in (("one claim (limit 4)", "claim_ms"), ("earliest_due (idle worker)", "earliest_due_ms")):
            row = Row(f"{label}: {what}", "ms", False, f"botfactory {db_label}, {n:,} pending",
                      pair.median_of(f"backlog_{key}"), f"botfactory {db_label}, empty table",
                      pair.median_of(f"empty_{key}"), target=1.5, target_text=flat,
                      note="measured in turns in one process (paired), median of each run's median")  # fmt: skip
            if pair.errors:
                row.note += f"; {pair.errors[0][:300]}"
            ctx.add(row)
        full, empty = cases["dispatch-backlog"], cases["dispatch-empty"]
        ctx.add(compare(f"{label}: dispatch {due:,} due events, 1 worker", "events/s", full, empty, target=0.67,
                        target_text="flat: ≥ 0.67×"))  # fmt: skip
        ctx.add(compare(f"{label}: worker peak RSS", "MiB", full, empty, higher_is_better=False, target=1.5,
                        target_text=flat, value_key="rss_mb"))  # fmt: skip
    if fills:
        ctx.sections.append(("Backlog set-up", "; ".join(fills) + " (INSERT ... SELECT of a tracker-made row)."))

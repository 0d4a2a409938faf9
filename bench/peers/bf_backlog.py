"""botfactory with a large backlog of pending events that are not due yet.

The backlog is written straight into ``scheduled_event`` with one ``INSERT ... SELECT`` that copies a template row
made by the tracker (``generate_series`` on PostgreSQL, a recursive CTE on SQLite): a million tracker-scheduled
events would take minutes to set up and measure nothing this workload is about. The copies differ only in their
due times, one a second apart from a day ahead, so every row is a valid pending ``Once`` event.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, text

from bench.peers import bf
from botfactory.db import Database
from botfactory.db.models import scheduled_event as e
from botfactory.events import EventStore
from botfactory.events.tracker import ScheduledEventTracker
from botfactory.schedule import Once

CLAIMER = "bench-claim-probe"


def fill_backlog(db: Database, n: int) -> float:
    """Add ``n`` pending events due from a day ahead on; returns the seconds it took."""
    bf.register()
    started = time.perf_counter()
    with ScheduledEventTracker(db) as tracker:
        template = tracker.schedule_event(bf.NOOP, Once(datetime.now(UTC) + timedelta(days=1)))
    columns = [c.name for c in e.c if c.name != "id"]
    shifted = {
        "postgresql": "t.next_run_at + g * interval '1 second'",
        # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' text; strftime's %f has 3 digits.
        "sqlite": "strftime('%Y-%m-%d %H:%M:%f', t.next_run_at, '+' || g || ' seconds') || '000'",
    }[db.dialect]
    select_list = ", ".join(shifted if c in ("next_run_at", "occurrence_at") else f"t.{c}" for c in columns)
    target = f"INSERT INTO scheduled_event ({', '.join(columns)}) "
    if db.dialect == "postgresql":
        sql = f"{target} SELECT {select_list} FROM scheduled_event t, generate_series(1, :n) g WHERE t.id = :id"  # noqa: S608
    else:
        series = "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :n)"
        sql = f"{target} {series} SELECT {select_list} FROM scheduled_event t, s WHERE t.id = :id"  # noqa: S608
    with db.write() as conn:
        conn.execute(text(sql), {"n": n - 1, "id": template.id})
    with db.write() as conn:
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def _timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def claim_pair(params: dict[str, Any]) -> dict[str, Any]:
    """Claim cost with and without the backlog, measured in turns in one process so both see the same machine:
    median milliseconds of one claim (``limit=4``, what a 4-slot worker asks) while ``due`` events are due, and
    of ``earliest_due`` (what an idle worker asks before it sleeps)."""
    bf.register()
    dbs = {kind: Database(params[f"{kind}_url"]) for kind in ("empty", "backlog")}
    stores = {kind: EventStore(db) for kind, db in dbs.items()}
    due = int(params.get("due", 2000))
    for db in dbs.values():
        bf.schedule_block(db, due, datetime.now(UTC))
    claims: dict[str, list[float]] = {kind: [] for kind in dbs}
    peeks: dict[str, list[float]] = {kind: [] for kind in dbs}
    for _ in range(min(500, due // 4)):
        for kind, store in stores.items():
            claims[kind].append(
                _timed(
                    lambda store=store: store.claim_events(
                        CLAIMER, [bf.NOOP], limit=4, lease=300, reclaim_expired=False
                    )
                )
            )
    for _ in range(200):
        for kind, store in stores.items():
            peeks[kind].append(_timed(lambda store=store: store.earliest_due([bf.NOOP])))
    result: dict[str, Any] = {}
    for kind, db in dbs.items():
        with db.write() as conn:
            conn.execute(delete(e).where(e.c.lease_owner == CLAIMER))
        result[f"{kind}_claim_ms"] = statistics.median(claims[kind])
        result[f"{kind}_earliest_due_ms"] = statistics.median(peeks[kind])
        result[f"{kind}_pending"] = bf.count_events(db, "pending")
        db.dispose()
    result["value"] = result["backlog_claim_ms"] / result["empty_claim_ms"]
    return result

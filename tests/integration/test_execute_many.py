"""db.dialect.execute_many (the worker's settle UPDATE, rows handed to the driver as they are) stores exactly what
SQLAlchemy's own executemany of the same statement stores, on every database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import insert, text

from botfactory.db import Database
from botfactory.db.dialect import execute_many
from botfactory.db.models import scheduled_event as e
from botfactory.events.store.inserts import EVENT_COLUMNS, event_row
from botfactory.events.store.outcomes import _SETTLE

WHEN = datetime(2026, 5, 16, 10, 0, 0, 123456, tzinfo=UTC)
BERLIN = timezone(timedelta(hours=2))


def _event(conn: Any, dedupe_key: str) -> int:
    row = dict(zip(EVENT_COLUMNS, event_row("t.settle", "{}", WHEN, WHEN, "d", 3, 1.0, None, None, None, None,
                                            "{}", dedupe_key, False, None), strict=True))  # fmt: skip
    row["schedule"], row["action_data"] = json.loads(row["schedule"]), {}
    row.update(state="running", lease_owner="w1", attempt=1)
    return int(conn.execute(insert(e).values(row)).inserted_primary_key[0])


def _settle_params(event_id: int, n: int) -> dict[str, Any]:
    """Values of every kind the settle binds: aware, non-UTC and naive times (with and without microseconds),
    NULLs, booleans, unicode."""
    return {
        "b_id": event_id,
        "b_owner": "w1",
        "b_attempt": 1,
        "b_state": "pending" if n % 2 else "succeeded",
        "b_next_run_at": [WHEN, datetime(2026, 5, 16, 12, 0, tzinfo=BERLIN), None][n % 3],
        "b_occurrence_at": [datetime(2026, 1, 1, 0, 0, 0, 1), WHEN, None][n % 3],
        "b_new_attempt": n % 2,
        "b_last_status": ["SUCCESS", "ERROR", "ünï"][n % 3],
        "b_last_run_at": WHEN + timedelta(microseconds=n),
        "b_run_count": n,
        "b_clear_dedupe": bool(n % 2),
    }


def _raw(db: Database) -> list[tuple[Any, ...]]:
    query = text(
        "SELECT state, next_run_at, occurrence_at, attempt, lease_owner, lease_expires_at, last_status, last_run_at,"
        " run_count, dedupe_key FROM scheduled_event ORDER BY id"
    )
    with db.read() as conn:
        return [tuple(row) for row in conn.execute(query)]


def test_execute_many_stores_what_sqlalchemy_stores(database: Database) -> None:
    results = []
    for runner in ("sqlalchemy", "execute_many"):
        with database.write() as conn:
            conn.execute(e.delete())
            ids = [_event(conn, f"key-{n}") for n in range(6)]
            params = [_settle_params(event_id, n) for n, event_id in enumerate(ids)]
            params.append({**_settle_params(ids[0], 0), "b_owner": "someone else", "b_state": "failed"})  # fenced
            if runner == "sqlalchemy":
                conn.execute(_SETTLE, params)
            else:
                execute_many(conn, _SETTLE, params)
        results.append(_raw(database))
    assert results[0] == results[1]
    assert [row[0] for row in results[1]] == ["succeeded", "pending"] * 3  # the fenced row changed nothing
    assert results[1][1][9] is None and results[1][0][9] == "key-0"  # dedupe key cleared only when asked

"""Writing finished attempts: settle each event (``lifecycle.after_attempt``) and append its history rows, fenced
on the lease the attempt was claimed with (see ``claims.py`` for fencing).

A batch is one locking fence read, one executemany UPDATE (compiled once, rows handed to the driver as they
are: ``db.dialect.execute_many``) and one history write (``db.dialect.write_rows``: an executemany, binary COPY
on PostgreSQL). SQLAlchemy's per-row parameter processing cost more than the statements themselves. A set-based
``UPDATE ... FROM unnest(arrays)`` on PostgreSQL was measured slower than psycopg's pipelined executemany (the
planner cannot estimate the array's size and hash-joins over every running event).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Boolean, Select, bindparam, case, null, select, update
from sqlalchemy.engine import Connection

from botfactory.db.dialect import execute_many, ids_in, write_rows
from botfactory.db.models import event_history as h
from botfactory.db.models import scheduled_event as e
from botfactory.events.lifecycle import LEASE_LOST, HistoryRow, Outcome, after_attempt
from botfactory.events.records import EventRecord

CHUNK = 500  # events per statement where a statement's parameters grow with the batch

# The lease an attempt was claimed with: every write for the attempt is conditioned on it. Parameter names must
# not be column names.
LEASE_FENCE = (
    e.c.id == bindparam("b_id"),
    e.c.lease_owner == bindparam("b_owner"),
    e.c.attempt == bindparam("b_attempt"),
    e.c.state == "running",
)
_SETTLE = (
    update(e)
    .where(*LEASE_FENCE)
    .values(
        state=bindparam("b_state"),
        next_run_at=bindparam("b_next_run_at"),
        occurrence_at=bindparam("b_occurrence_at"),
        attempt=bindparam("b_new_attempt"),
        lease_owner=None,
        lease_expires_at=None,
        last_status=bindparam("b_last_status"),
        last_run_at=bindparam("b_last_run_at"),
        run_count=bindparam("b_run_count"),
        dedupe_key=case((bindparam("b_clear_dedupe", type_=Boolean), null()), else_=e.c.dedupe_key),
    )
)


@lru_cache
def _fence(dialect: str) -> Select[Any]:
    """Completion locks the rows it fences on, in id order (two completing workers never deadlock)."""
    return (
        select(e.c.id, e.c.lease_owner, e.c.attempt, e.c.state)
        .where(ids_in(e.c.id, "b_ids", dialect))
        .order_by(e.c.id)
        .with_for_update()
    )


_SETTLE_KEYS = ("state", "next_run_at", "occurrence_at", "last_status", "last_run_at", "run_count", "clear_dedupe")


def _settle_values(outcome: Outcome, now: datetime) -> dict[str, Any]:
    values = after_attempt(outcome, now)
    settled = {key: values[key] for key in _SETTLE_KEYS}
    settled.update(id=outcome.event.id, attempt=outcome.event.attempt, new_attempt=values["attempt"])
    return settled


HISTORY_COLUMNS = (
    "event_id",
    "event_type",
    "bot_id",
    "account_id",
    "resource_id",
    "scheduled_for",
    "started_at",
    "finished_at",
    "status",
    "attempt",
    "worker",
    "result_data",
)
_HISTORY_NULLABLE = frozenset(i for i, name in enumerate(HISTORY_COLUMNS) if h.c[name].nullable)


def _history_rows(outcome: Outcome, worker: str | None) -> list[tuple[Any, ...]]:
    """``HISTORY_COLUMNS`` tuples, one per resource of the attempt."""
    ev = outcome.event
    return [
        (
            ev.id,
            ev.event_type,
            ev.bot_id,
            ev.account_id,
            row.resource_id,
            ev.occurrence_at or ev.next_run_at or row.started_at,
            row.started_at,
            row.finished_at,
            row.status,
            ev.attempt,
            worker,
            row.result_data,
        )
        for row in outcome.rows
    ]


def _insert_history(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    # write_rows: column-wise, one executemany (COPY on PostgreSQL) without per-row SQLAlchemy processing.
    write_rows(conn, h, HISTORY_COLUMNS, rows, nullable=_HISTORY_NULLABLE)


def write_outcomes(conn: Connection, outcomes: Sequence[tuple[Outcome, str]], now: datetime) -> None:
    """Settle each (outcome, lease owner) and insert its history; the caller has checked (and locked) the
    leases. The UPDATE repeats the fence so a mistake can never overwrite another worker's attempt."""
    if not outcomes:
        return
    params = []
    for outcome, owner in outcomes:
        values = _settle_values(outcome, now)
        params.append({"b_owner": owner, **{f"b_{key}": value for key, value in values.items()}})
    execute_many(conn, _SETTLE, params)
    _insert_history(conn, [row for outcome, owner in outcomes for row in _history_rows(outcome, owner)])


def complete_in(conn: Connection, owner: str, outcomes: Sequence[Outcome], now: datetime) -> list[int]:
    """Write the outcomes whose lease ``owner`` still holds (same attempt, still running); return their ids.
    The others were taken over by another worker: only its result counts."""
    if not outcomes:
        return []
    ordered = sorted(outcomes, key=lambda o: o.event.id)  # lock rows in id order
    current = {
        int(row.id): (row.lease_owner, int(row.attempt), row.state)
        for row in conn.execute(_fence(conn.dialect.name), {"b_ids": [o.event.id for o in ordered]})
    }
    keep = [o for o in ordered if current.get(o.event.id) == (owner, o.event.attempt, "running")]
    write_outcomes(conn, [(o, owner) for o in keep], now)
    return [o.event.id for o in keep]


def settle_lost(conn: Connection, events: Sequence[EventRecord], reason: str, now: datetime) -> list[EventRecord]:
    """Record the lost attempt of each event (whose lease its owner no longer holds) as ERROR with ``reason``.

    Events with attempts left are returned untouched for the caller to claim or release; the others are
    settled here like any failed last attempt (failed, or on to the next occurrence of a recurring event).
    """
    left: list[EventRecord] = []
    exhausted: list[tuple[Outcome, str]] = []
    history: list[tuple[Any, ...]] = []
    for event in events:
        rows = [HistoryRow(rid, now, now, "ERROR", reason) for rid in (event.resource_ids or ("",))]
        outcome = Outcome(event, tuple(rows), last_status=LEASE_LOST)
        if event.attempt < event.max_attempts:
            history.extend(_history_rows(outcome, event.lease_owner))
            left.append(event)
        else:
            exhausted.append((outcome, event.lease_owner or ""))
    write_outcomes(conn, exhausted, now)
    _insert_history(conn, history)
    return left

"""Writing new events: a few statements per block of scheduled events, whatever its size (DESIGN §9 "Batches").

Rows travel as plain tuples in ``EVENT_COLUMNS`` order with JSON already encoded, and are written column-wise by
``db.dialect.write_rows``, so no per-row, per-column work is left to SQLAlchemy's executemany.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from botfactory.clock import as_utc
from botfactory.db.dialect import write_rows
from botfactory.db.gc import paused_gc
from botfactory.db.models import scheduled_event as e
from botfactory.db.models import scheduled_event_resource as r

if TYPE_CHECKING:
    from botfactory.db import Database

_CHUNK = 500

# What a new event stores; the columns left out (lease_owner, lease_expires_at, last_run_at, last_status) start
# NULL. Datetimes are aware UTC, the two JSON columns are JSON text, nullable columns hold None when unset.
EVENT_COLUMNS = (
    "event_type",
    "description",
    "state",
    "schedule",
    "next_run_at",
    "occurrence_at",
    "attempt",
    "max_attempts",
    "retry_backoff",
    "misfire_grace",
    "timeout",
    "bot_id",
    "account_id",
    "action_data",
    "dedupe_key",
    "revalidate",
    "created_at",
    "created_by",
    "run_count",
)
_NEXT_RUN_AT = EVENT_COLUMNS.index("next_run_at")
RESOURCE_COLUMNS = ("event_id", "position", "resource_id")
# Columns that are often NULL for a whole batch: write_rows leaves such columns out of the statement.
_NULLABLE = frozenset(
    EVENT_COLUMNS.index(name)
    for name in ("misfire_grace", "timeout", "bot_id", "account_id", "dedupe_key", "created_by")
)


def event_row(
    event_type: str,
    schedule_json: str,
    next_run_at: datetime | None,
    created_at: datetime,
    description: str,
    max_attempts: int,
    retry_backoff: float,
    misfire_grace: float | None,
    timeout: float | None,
    bot_id: str | None,
    account_id: str | None,
    action_data_json: str,
    dedupe_key: str | None,
    revalidate: bool,
    created_by: str | None,
) -> tuple[Any, ...]:
    """One ``EVENT_COLUMNS`` tuple. An event with no occurrence is stored ``skipped`` and holds no dedupe key."""
    if next_run_at is None:
        return (event_type, description, "skipped", schedule_json, None, None, 0, max_attempts, retry_backoff,
                misfire_grace, timeout, bot_id, account_id, action_data_json, None, revalidate, created_at,
                created_by, 0)  # fmt: skip
    return (event_type, description, "pending", schedule_json, next_run_at, next_run_at, 0, max_attempts,
            retry_backoff, misfire_grace, timeout, bot_id, account_id, action_data_json, dedupe_key, revalidate,
            created_at, created_by, 0)  # fmt: skip


@dataclass(frozen=True)
class NewEvent:
    event_type: str
    schedule: dict[str, Any]
    next_run_at: datetime | None
    created_at: datetime
    description: str = ""
    max_attempts: int = 3
    retry_backoff: float = 10.0
    misfire_grace: float | None = None
    timeout: float | None = None
    bot_id: str | None = None
    account_id: str | None = None
    action_data: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None
    revalidate: bool = False
    created_by: str | None = None
    resource_ids: tuple[str, ...] = ()

    def values(self) -> tuple[Any, ...]:
        return event_row(
            self.event_type,
            json.dumps(self.schedule),
            None if self.next_run_at is None else as_utc(self.next_run_at),
            as_utc(self.created_at),
            self.description,
            int(self.max_attempts),
            float(self.retry_backoff),
            None if self.misfire_grace is None else float(self.misfire_grace),
            None if self.timeout is None else float(self.timeout),
            self.bot_id,
            self.account_id,
            json.dumps(self.action_data),
            self.dedupe_key,
            bool(self.revalidate),
            self.created_by,
        )


class InsertQueries:
    db: Database

    def insert_events(self, events: Sequence[NewEvent]) -> list[int]:
        """Insert in one transaction; returns ids in input order (a deduplicated event gives the live one's id)."""
        return self.insert_event_rows(
            [ev.values() for ev in events], [ev.resource_ids for ev in events], [ev.dedupe_key for ev in events]
        )

    def insert_event_rows(
        self, rows: Sequence[tuple[Any, ...]], resource_ids: Sequence[tuple[str, ...]], keys: Sequence[str | None]
    ) -> list[int]:
        """``insert_events`` for ready ``EVENT_COLUMNS`` tuples; ``keys`` are the dedupe keys to merge on (an event
        stored ``skipped`` keeps none in its row but still merges with a live event of its key)."""
        due = [when for when in (row[_NEXT_RUN_AT] for row in rows) if when is not None]
        earliest = min(due) if due else None
        for attempt in range(3):
            try:
                with self.db.write() as conn:
                    ids = insert_events_in(conn, rows, resource_ids, keys)
                    if earliest is not None:
                        self.notify_due_in(conn, earliest)
                break
            except IntegrityError:
                # Another tracker inserted one of our dedupe keys between our check and our insert: look again.
                if attempt == 2:
                    raise
        if earliest is not None:
            self._notify_due(earliest)
        return ids

    # Provided by EventStore.
    def notify_due_in(self, conn: Connection, when: datetime) -> None: ...
    def _notify_due(self, when: datetime) -> None: ...


def insert_events_in(
    conn: Connection,
    rows: Sequence[tuple[Any, ...]],
    resource_ids: Sequence[tuple[str, ...]],
    keys: Sequence[str | None],
) -> list[int]:
    wanted = [key for key in keys if key]
    live: dict[str, int] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found = conn.execute(select(e.c.dedupe_key, e.c.id).where(e.c.dedupe_key.in_(chunk)))
        live.update({key: int(event_id) for key, event_id in found})

    if not wanted:
        fresh_rows, fresh_resources = rows, resource_ids
    else:
        # Merge duplicates in Python before inserting (DESIGN §9): a key already live maps to that event, a key
        # seen earlier in this batch to the first event that carried it.
        fresh_rows, fresh_resources, fresh_positions = [], [], []
        first_with_key: dict[str, int] = {}
        for position, key in enumerate(keys):
            if key:
                if key in live or key in first_with_key:
                    continue
                first_with_key[key] = len(fresh_rows)
            fresh_rows.append(rows[position])
            fresh_resources.append(resource_ids[position])
            fresh_positions.append(position)

    with paused_gc():
        new_ids = write_rows(conn, e, EVENT_COLUMNS, fresh_rows, nullable=_NULLABLE, returning_ids=True)
        targets = [
            (event_id, pos, rid)
            for event_id, rids in zip(new_ids, fresh_resources, strict=True)
            if rids
            for pos, rid in enumerate(rids)
        ]
        if targets:
            write_rows(conn, r, RESOURCE_COLUMNS, targets)

    if not wanted:
        return new_ids
    ids: list[int] = [0] * len(rows)
    for position, event_id in zip(fresh_positions, new_ids, strict=True):
        ids[position] = event_id
    for position, key in enumerate(keys):
        if key and not ids[position]:
            ids[position] = live[key] if key in live else new_ids[first_with_key[key]]
    return ids

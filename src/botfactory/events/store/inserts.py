"""Writing new events: the tracker's one round trip per few hundred events (DESIGN §9 "Batches")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from botfactory.db.dialect import insert_returning_ids
from botfactory.db.gc import paused_gc
from botfactory.db.models import scheduled_event as e
from botfactory.db.models import scheduled_event_resource as r

if TYPE_CHECKING:
    from botfactory.db import Database

_CHUNK = 500


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

    def row(self) -> dict[str, Any]:
        return {
            "event_type": self.event_type,
            "description": self.description,
            "state": "pending" if self.next_run_at is not None else "skipped",
            "schedule": self.schedule,
            "next_run_at": self.next_run_at,
            "occurrence_at": self.next_run_at,
            "attempt": 0,
            "max_attempts": self.max_attempts,
            "retry_backoff": self.retry_backoff,
            "misfire_grace": self.misfire_grace,
            "timeout": self.timeout,
            "lease_owner": None,
            "lease_expires_at": None,
            "bot_id": self.bot_id,
            "account_id": self.account_id,
            "action_data": self.action_data,
            "dedupe_key": self.dedupe_key if self.next_run_at is not None else None,
            "revalidate": self.revalidate,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "last_run_at": None,
            "last_status": None,
            "run_count": 0,
        }


class InsertQueries:
    db: Database

    def insert_events(self, events: Sequence[NewEvent]) -> list[int]:
        """Insert in one transaction; returns ids in input order (a deduplicated event gives the live one's id)."""
        due = [ev.next_run_at for ev in events if ev.next_run_at is not None]
        earliest = min(due) if due else None
        for attempt in range(3):
            try:
                with self.db.write() as conn:
                    ids = insert_events_in(conn, events)
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


def insert_events_in(conn: Connection, events: Sequence[NewEvent]) -> list[int]:
    keys = [ev.dedupe_key for ev in events if ev.dedupe_key]
    live: dict[str, int] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        rows = conn.execute(select(e.c.dedupe_key, e.c.id).where(e.c.dedupe_key.in_(chunk)))
        live.update({key: int(event_id) for key, event_id in rows})

    # Merge duplicates in Python before inserting (DESIGN §9): a key already live maps to that event, a key seen
    # earlier in this batch to the first event that carried it.
    ids: list[int | None] = [None] * len(events)
    fresh: list[NewEvent] = []
    fresh_positions: list[int] = []
    first_with_key: dict[str, int] = {}
    for position, ev in enumerate(events):
        key = ev.dedupe_key
        if key and key in live:
            ids[position] = live[key]
            continue
        if key:
            if key in first_with_key:
                continue
            first_with_key[key] = len(fresh)
        fresh.append(ev)
        fresh_positions.append(position)

    new_ids: list[int] = []
    with paused_gc():
        for start in range(0, len(fresh), _CHUNK):
            chunk = fresh[start : start + _CHUNK]
            new_ids.extend(insert_returning_ids(conn, e, [ev.row() for ev in chunk]))
        resource_rows = [
            {"event_id": event_id, "position": pos, "resource_id": rid}
            for ev, event_id in zip(fresh, new_ids, strict=True)
            for pos, rid in enumerate(ev.resource_ids)
        ]
        for start in range(0, len(resource_rows), _CHUNK * 4):
            conn.execute(insert(r), resource_rows[start : start + _CHUNK * 4])

    for position, event_id in zip(fresh_positions, new_ids, strict=True):
        ids[position] = event_id
    for position, ev in enumerate(events):
        if ids[position] is None:
            ids[position] = new_ids[first_with_key[ev.dedupe_key]]  # type: ignore[index]
    return ids  # type: ignore[return-value]

"""Reading events, and the operator's two state changes: cancel and run-now."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, case, func, select, update
from sqlalchemy.engine import Connection

from botfactory.clock import now
from botfactory.db.dialect import ids_in
from botfactory.db.models import scheduled_event as e
from botfactory.db.models import scheduled_event_resource as r
from botfactory.errors import Conflict, NotFound
from botfactory.events.records import EventRecord
from botfactory.events.store.filters import EventFilter

if TYPE_CHECKING:
    from botfactory.db import Database

_ID_CHUNK = 500


@lru_cache
def _resources_of(dialect: str) -> Select[Any]:
    return (
        select(r.c.event_id, r.c.resource_id)
        .where(ids_in(r.c.event_id, "b_ids", dialect))
        .order_by(r.c.event_id, r.c.position)
    )


def resource_ids_for(conn: Connection, event_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """Each event's resource ids in order (events without resources are absent); every claim reads this."""
    ids = list(event_ids)
    found: dict[int, list[str]] = {}
    statement = _resources_of(conn.dialect.name)
    for start in range(0, len(ids), _ID_CHUNK):
        rows = conn.execute(statement, {"b_ids": ids[start : start + _ID_CHUNK]})
        for event_id, resource_id in rows:
            found.setdefault(int(event_id), []).append(resource_id)
    return {event_id: tuple(rids) for event_id, rids in found.items()}


def records_from_rows(conn: Connection, rows: Sequence) -> list[EventRecord]:
    resources = resource_ids_for(conn, (row["id"] for row in rows))
    return [EventRecord.from_row(row, resources.get(int(row["id"]), ())) for row in rows]


class EventQueries:
    db: Database

    def get_event(self, event_id: int) -> EventRecord:
        with self.db.read() as conn:
            return self._get_in(conn, event_id)

    def _get_in(self, conn: Connection, event_id: int) -> EventRecord:
        row = conn.execute(select(e).where(e.c.id == int(event_id))).mappings().first()
        if row is None:
            raise NotFound(f"event {event_id} does not exist")
        return records_from_rows(conn, [row])[0]

    def list_events(self, flt: EventFilter | None = None, *, limit: int = 100, offset: int = 0) -> list[EventRecord]:
        """Soonest due first; ended events (no next run) after, newest first. ``limit`` 0 means all."""
        flt = flt or EventFilter()
        query = select(e).where(flt.clause())
        if flt.states and set(flt.states) <= {"pending", "running"}:
            # These always have a due time: sort on the (state, next_run_at) index instead of sorting every row.
            query = query.order_by(e.c.next_run_at, e.c.id)
        else:
            query = query.order_by(case((e.c.next_run_at.is_(None), 1), else_=0), e.c.next_run_at, e.c.id.desc())
        if limit:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        with self.db.read() as conn:
            return records_from_rows(conn, conn.execute(query).mappings().all())

    def count_events(self, flt: EventFilter | None = None) -> int:
        with self.db.read() as conn:
            return int(
                conn.execute(select(func.count()).select_from(e).where((flt or EventFilter()).clause())).scalar()
            )

    def cancel_event(self, event_id: int) -> EventRecord:
        with self.db.write() as conn:
            changed = conn.execute(_cancel_statement().where(e.c.id == int(event_id), e.c.state == "pending")).rowcount
            record = self._get_in(conn, event_id)
        if not changed:
            raise Conflict(f"event {event_id} is {record.state}: only pending events can be cancelled")
        return record

    def cancel_events(self, flt: EventFilter) -> int:
        """Cancel every pending event matching ``flt``; returns how many changed."""
        with self.db.write() as conn:
            return int(conn.execute(_cancel_statement().where(e.c.state == "pending", flt.clause())).rowcount)

    def run_event_now(self, event_id: int) -> EventRecord:
        """Make a pending event due now. A recurring event then carries on with its schedule."""
        moment = now()
        with self.db.write() as conn:
            changed = conn.execute(
                update(e)
                .where(e.c.id == int(event_id), e.c.state == "pending")
                .values(next_run_at=moment, occurrence_at=moment, attempt=0)
            ).rowcount
            record = self._get_in(conn, event_id)
            if changed:
                self.notify_due_in(conn, moment)
        if not changed:
            raise Conflict(f"event {event_id} is {record.state}: only pending events can be run now")
        self._notify_due(moment)
        return record

    # Provided by EventStore.
    def notify_due_in(self, conn: Connection, when: datetime) -> None: ...
    def _notify_due(self, when: datetime) -> None: ...


def _cancel_statement():
    return update(e).values(
        state="cancelled",
        next_run_at=None,
        dedupe_key=None,
        lease_owner=None,
        lease_expires_at=None,
        last_status="CANCELLED",
    )

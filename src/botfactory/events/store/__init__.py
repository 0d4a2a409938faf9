"""The events store: the only code that runs SQL on the events tables (DESIGN §2, after procrastinate's manager).

``EventStore`` is one object for callers; its queries are grouped by purpose in the modules of this package.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from botfactory.db import Database, default_database
from botfactory.events import signals
from botfactory.events.store.claims import ClaimQueries
from botfactory.events.store.filters import EventFilter, HistoryFilter
from botfactory.events.store.history import HistoryQueries
from botfactory.events.store.inserts import InsertQueries, NewEvent
from botfactory.events.store.processes import ProcessQueries, PruneResult, WorkerRecord
from botfactory.events.store.queries import EventQueries

__all__ = ["EventFilter", "EventStore", "HistoryFilter", "NewEvent", "PruneResult", "WorkerRecord"]


class EventStore(InsertQueries, EventQueries, HistoryQueries, ClaimQueries, ProcessQueries):
    def __init__(self, db: Database | None = None) -> None:
        self.db = db or default_database()

    def notify_due_in(self, conn: Connection, when: datetime) -> None:
        """Tell other processes (PostgreSQL NOTIFY, delivered on commit) that something is due at ``when``."""
        if self.db.dialect == "postgresql":
            conn.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": signals.DUE_CHANNEL, "payload": when.isoformat()},
            )

    def _notify_due(self, when: datetime) -> None:
        signals.publish_due(when)

"""Filters for listing, counting and cancelling events and history: one dataclass each, turned into WHERE
clauses in one place so the CLI, the API and bulk cancel agree on what a filter means."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select, true

from botfactory.db.models import event_history as h
from botfactory.db.models import scheduled_event as e
from botfactory.db.models import scheduled_event_resource as r


@dataclass(frozen=True)
class EventFilter:
    states: Sequence[str] = ()
    event_types: Sequence[str] = ()
    bot_id: str | None = None
    account_id: str | None = None
    resource_id: str | None = None
    # Window on next_run_at (when the event is due).
    since: datetime | None = None
    until: datetime | None = None
    ids: Sequence[int] = ()

    def clause(self) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if self.states:
            parts.append(e.c.state.in_(list(self.states)))
        if self.event_types:
            parts.append(e.c.event_type.in_(list(self.event_types)))
        if self.bot_id is not None:
            parts.append(e.c.bot_id == str(self.bot_id))
        if self.account_id is not None:
            parts.append(e.c.account_id == str(self.account_id))
        if self.resource_id is not None:
            parts.append(e.c.id.in_(select(r.c.event_id).where(r.c.resource_id == self.resource_id)))
        if self.since is not None:
            parts.append(e.c.next_run_at >= self.since)
        if self.until is not None:
            parts.append(e.c.next_run_at < self.until)
        if self.ids:
            parts.append(e.c.id.in_([int(i) for i in self.ids]))
        return and_(true(), *parts)


@dataclass(frozen=True)
class HistoryFilter:
    event_id: int | None = None
    event_types: Sequence[str] = ()
    statuses: Sequence[str] = ()
    bot_id: str | None = None
    account_id: str | None = None
    resource_id: str | None = None
    # Window on finished_at.
    since: datetime | None = None
    until: datetime | None = None
    # Keyset pagination: only rows with an id below this one (history lists newest first).
    before_id: int | None = None

    def clause(self) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if self.event_id is not None:
            parts.append(h.c.event_id == int(self.event_id))
        if self.event_types:
            parts.append(h.c.event_type.in_(list(self.event_types)))
        if self.statuses:
            parts.append(h.c.status.in_([s.upper() for s in self.statuses]))
        if self.bot_id is not None:
            parts.append(h.c.bot_id == str(self.bot_id))
        if self.account_id is not None:
            parts.append(h.c.account_id == str(self.account_id))
        if self.resource_id is not None:
            parts.append(h.c.resource_id == self.resource_id)
        if self.since is not None:
            parts.append(h.c.finished_at >= self.since)
        if self.until is not None:
            parts.append(h.c.finished_at < self.until)
        if self.before_id is not None:
            parts.append(h.c.id < int(self.before_id))
        return and_(true(), *parts)

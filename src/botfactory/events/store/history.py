"""Reading history and the overview numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, literal, select, union_all

from botfactory.db.models import event_history as h
from botfactory.db.models import scheduled_event as e
from botfactory.events.records import HistoryRecord
from botfactory.events.store.filters import HistoryFilter

if TYPE_CHECKING:
    from botfactory.db import Database

_UNION_CHUNK = 100  # SQLite allows 500 terms in one compound SELECT


class HistoryQueries:
    db: Database

    def list_history(
        self, flt: HistoryFilter | None = None, *, limit: int = 100, offset: int = 0
    ) -> list[HistoryRecord]:
        """Newest first. For deep pages prefer ``HistoryFilter(before_id=...)`` over ``offset``."""
        query = select(h).where((flt or HistoryFilter()).clause()).order_by(h.c.id.desc())
        if limit:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        with self.db.read() as conn:
            return [HistoryRecord.from_row(row) for row in conn.execute(query).mappings()]

    def count_history(self, flt: HistoryFilter | None = None) -> int:
        with self.db.read() as conn:
            query = select(func.count()).select_from(h).where((flt or HistoryFilter()).clause())
            return int(conn.execute(query).scalar())

    def count_history_many(self, filters: Sequence[HistoryFilter]) -> list[int]:
        """``count_history`` for each filter, in one statement (UNION ALL): the overview's per-day, per-status
        counts are one round trip, and each part is an index range count on ``(status, finished_at)``."""
        counts: list[int] = [0] * len(filters)
        with self.db.read() as conn:
            for start in range(0, len(filters), _UNION_CHUNK):
                parts = [
                    select(literal(i).label("i"), func.count().label("n")).select_from(h).where(flt.clause())
                    for i, flt in enumerate(filters[start : start + _UNION_CHUNK], start=start)
                ]
                for i, n in conn.execute(union_all(*parts)):
                    counts[int(i)] = int(n)
        return counts

    def stats(self, history_filter: HistoryFilter | None = None) -> dict[str, Any]:
        """The overview: events by state and by type, history by status, the next due time."""
        with self.db.read() as conn:
            by_type: dict[str, dict[str, int]] = {}
            by_state: dict[str, int] = {}
            # One scan of the claim index gives both; a second GROUP BY state would scan every event again.
            for event_type, state, n in conn.execute(
                select(e.c.event_type, e.c.state, func.count()).group_by(e.c.event_type, e.c.state)
            ):
                by_type.setdefault(event_type, {})[state] = int(n)
                by_state[state] = by_state.get(state, 0) + int(n)
            by_status = {
                s: int(n)
                for s, n in conn.execute(
                    select(h.c.status, func.count())
                    .where((history_filter or HistoryFilter()).clause())
                    .group_by(h.c.status)
                )
            }
            next_due = conn.execute(select(func.min(e.c.next_run_at)).where(e.c.state == "pending")).scalar()
        return {
            "events_total": sum(by_state.values()),
            "events_by_state": by_state,
            "events_by_type": by_type,
            "history_by_status": by_status,
            "next_due_at": next_due,
        }

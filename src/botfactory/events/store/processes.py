"""Worker processes (``worker_process``) and housekeeping SQL: register, heartbeat, list, find the dead, release
what they held with the reason recorded, prune their rows; and prune old history.

A worker is named ``host:pid``, which is also the ``lease_owner`` of what it claims. Only one process can hold
a name at a time, so a row found under our own name at start belongs to a previous incarnation (a container
restarted with the same hostname and pid): its claims are released and the row replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, or_, select, update

from botfactory.clock import get_clock
from botfactory.db.models import event_history as h
from botfactory.db.models import scheduled_event as e
from botfactory.db.models import worker_process as w
from botfactory.events.store.outcomes import settle_lost
from botfactory.events.store.queries import records_from_rows

if TYPE_CHECKING:
    from botfactory.db import Database

_PRUNE_CHUNK = 5_000


@dataclass(frozen=True)
class WorkerRecord:
    name: str
    host: str
    pid: int
    concurrency: int
    event_types: list[str]
    started_at: datetime
    heartbeat_at: datetime
    stopped_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> WorkerRecord:
        return cls(
            name=row["name"],
            host=row["host"],
            pid=int(row["pid"]),
            concurrency=int(row["concurrency"]),
            event_types=list(row["event_types"] or []),
            started_at=row["started_at"],
            heartbeat_at=row["heartbeat_at"],
            stopped_at=row["stopped_at"],
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PruneResult:
    dead: list[str]
    released: int
    deleted: int


class ProcessQueries:
    db: Database

    def register_worker(
        self,
        name: str,
        *,
        host: str,
        pid: int,
        concurrency: int,
        event_types: Sequence[str],
        now: datetime | None = None,
        release_previous: bool = True,
    ) -> None:
        """Add this worker's row, replacing (and releasing the claims of) an earlier process of the same name."""
        now = now or get_clock().now()
        if release_previous:
            self.release_worker_claims(name, f"worker {name} restarted: its previous process was gone", now=now)
        with self.db.write() as conn:
            conn.execute(delete(w).where(w.c.name == name))
            conn.execute(
                insert(w).values(
                    name=name,
                    host=host,
                    pid=pid,
                    concurrency=concurrency,
                    event_types=list(event_types),
                    started_at=now,
                    heartbeat_at=now,
                    stopped_at=None,
                )
            )

    def heartbeat_worker(
        self, name: str, *, event_types: Sequence[str] | None = None, now: datetime | None = None
    ) -> bool:
        """Refresh the heartbeat; False when the row is gone (pruned as dead) and must be registered again."""
        values: dict[str, Any] = {"heartbeat_at": now or get_clock().now()}
        if event_types is not None:
            values["event_types"] = list(event_types)
        with self.db.write() as conn:
            changed = conn.execute(update(w).where(w.c.name == name, w.c.stopped_at.is_(None)).values(values))
        return bool(changed.rowcount)

    def stop_worker(self, name: str, *, now: datetime | None = None) -> None:
        with self.db.write() as conn:
            conn.execute(update(w).where(w.c.name == name).values(stopped_at=now or get_clock().now()))

    def list_workers(self, *, dead_after: float, now: datetime | None = None) -> list[WorkerRecord]:
        """Live workers: not stopped, with a heartbeat in the last ``dead_after`` seconds."""
        cutoff = (now or get_clock().now()) - timedelta(seconds=dead_after)
        with self.db.read() as conn:
            rows = conn.execute(
                select(w).where(w.c.stopped_at.is_(None), w.c.heartbeat_at >= cutoff).order_by(w.c.name)
            ).mappings()
            return [WorkerRecord.from_row(row) for row in rows]

    def find_dead_workers(self, *, dead_after: float, now: datetime | None = None) -> list[WorkerRecord]:
        """Workers that stopped sending heartbeats without saying goodbye."""
        cutoff = (now or get_clock().now()) - timedelta(seconds=dead_after)
        with self.db.read() as conn:
            rows = conn.execute(
                select(w).where(w.c.stopped_at.is_(None), w.c.heartbeat_at < cutoff).order_by(w.c.name)
            ).mappings()
            return [WorkerRecord.from_row(row) for row in rows]

    def release_worker_claims(self, name: str, reason: str, *, now: datetime | None = None) -> int:
        """Give back what worker ``name`` holds: each lost attempt is recorded (ERROR with ``reason``) and
        counts; events with attempts left are ``pending`` again at once. Returns how many events changed."""
        now = now or get_clock().now()
        with self.db.write() as conn:
            rows = conn.execute(
                select(e)
                .where(e.c.state == "running", e.c.lease_owner == name)
                .order_by(e.c.id)
                .with_for_update(skip_locked=True)
            ).mappings()
            events = records_from_rows(conn, rows.all())
            left = settle_lost(conn, events, reason, now)
            for event in left:
                conn.execute(
                    update(e)
                    .where(e.c.id == event.id, e.c.lease_owner == name, e.c.attempt == event.attempt)
                    .values(state="pending", lease_owner=None, lease_expires_at=None, last_status="LEASE_LOST")
                )
        return len(events)

    def prune_workers(self, *, dead_after: float, now: datetime | None = None) -> PruneResult:
        """Release the claims of dead workers (saying why), then delete the rows of dead and stopped workers."""
        now = now or get_clock().now()
        dead = self.find_dead_workers(dead_after=dead_after, now=now)
        released = 0
        for worker in dead:
            last = worker.heartbeat_at.isoformat()
            reason = f"worker {worker.name} presumed dead: no heartbeat since {last}; its claims were released"
            released += self.release_worker_claims(worker.name, reason, now=now)
        cutoff = now - timedelta(seconds=dead_after)
        with self.db.write() as conn:
            deleted = conn.execute(delete(w).where(or_(w.c.stopped_at.is_not(None), w.c.heartbeat_at < cutoff)))
        return PruneResult([worker.name for worker in dead], released, int(deleted.rowcount or 0))

    def prune_history(self, before: datetime) -> int:
        """Delete history that finished before ``before``, in short transactions; returns rows deleted."""
        total = 0
        while True:
            # Select then delete by id: MariaDB refuses LIMIT inside an IN subquery, and short chunks keep a
            # big prune from holding locks (or SQLite's write lock) for long.
            with self.db.write() as conn:
                ids = list(
                    conn.execute(
                        select(h.c.id).where(h.c.finished_at < before).order_by(h.c.id).limit(_PRUNE_CHUNK)
                    ).scalars()
                )
                if ids:
                    conn.execute(delete(h).where(h.c.id.in_(ids)))
            total += len(ids)
            if len(ids) < _PRUNE_CHUNK:
                return total

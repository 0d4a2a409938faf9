"""Worker-side SQL: claim, renew, complete, release, and when to wake up. Every dialect difference of the
worker lives here (and in ``botfactory.db``), written once (DESIGN §4, §9).

Claiming one batch is one short write transaction:

* PostgreSQL::

      UPDATE scheduled_event SET state = 'running', lease_owner = :me, lease_expires_at = :now + lease,
             attempt = attempt + 1
       WHERE id IN (SELECT id FROM scheduled_event
                     WHERE state = 'pending' AND event_type IN (:types) AND next_run_at <= :now
                     ORDER BY next_run_at LIMIT :n FOR UPDATE SKIP LOCKED)
      RETURNING *;

* MariaDB/MySQL (no UPDATE ... RETURNING, and no UPDATE whose subquery reads the same table)::

      SELECT id ... ORDER BY next_run_at LIMIT :n FOR UPDATE SKIP LOCKED;
      UPDATE scheduled_event SET ... WHERE id IN (...);
      SELECT * FROM scheduled_event WHERE id IN (...);

  SKIP LOCKED lets concurrent workers take disjoint batches without waiting on each other; MariaDB runs at
  READ COMMITTED (set in ``botfactory.db.engine``) so the range scan takes no gap locks that deadlock claims.
* SQLite (no row locks: the database-wide write lock serialises claims)::

      BEGIN IMMEDIATE;
      UPDATE scheduled_event SET ... WHERE id IN (SELECT id ... ORDER BY next_run_at LIMIT :n) RETURNING *;

  ``BEGIN IMMEDIATE`` (``Database.write()``) takes the one write lock up front, so claims queue on
  ``busy_timeout`` instead of failing with SQLITE_BUSY on lock upgrade.

The same transaction first takes over ``running`` events whose lease expired (their worker died or stalled):
the lost attempt is recorded (ERROR, "lease lost") and counts; if it was the last one the event ends (or
moves to its next occurrence) instead of being claimed.

Fencing: a lease is (``lease_owner``, ``attempt``). Renewals, completions and releases only touch rows that
still carry the caller's name and the attempt it claimed, so a worker that stalled past its lease and lost
the event to another worker writes nothing. Every "now" is bound as a parameter from ``botfactory.clock``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Connection, RowMapping

from botfactory.clock import get_clock
from botfactory.db.models import scheduled_event as e
from botfactory.db.types import UTCDateTime
from botfactory.events.lifecycle import Outcome
from botfactory.events.records import EventRecord
from botfactory.events.store.outcomes import CHUNK, LEASE_FENCE, complete_in, settle_lost
from botfactory.events.store.queries import records_from_rows

if TYPE_CHECKING:
    from botfactory.db import Database

_RELEASE = (
    update(e)
    .where(*LEASE_FENCE)
    # The attempt never ran: give it back, so shutting down costs an event nothing.
    .values(state="pending", lease_owner=None, lease_expires_at=None, attempt=e.c.attempt - 1)
)


def _lease_reason(event: EventRecord) -> str:
    expired = event.lease_expires_at.isoformat() if event.lease_expires_at else "?"
    return f"lease lost: worker {event.lease_owner} stopped renewing its lease (expired {expired}); attempt counted"


# The hot statements are built once: constructing SQLAlchemy expressions costs more than running them.
_TYPES = bindparam("b_types", expanding=True)
_DUE = (
    select(e.c.id)
    .where(e.c.state == "pending", e.c.event_type.in_(_TYPES), e.c.next_run_at <= bindparam("b_now"))
    .order_by(e.c.next_run_at)
    .limit(bindparam("b_limit"))
)
_EXPIRED = (
    select(e)
    .where(e.c.state == "running", e.c.event_type.in_(_TYPES), e.c.lease_expires_at <= bindparam("b_now"))
    .order_by(e.c.lease_expires_at)
    .limit(bindparam("b_limit"))
    .with_for_update(skip_locked=True)
)
_CLAIM = update(e).values(
    state="running",
    lease_owner=bindparam("b_owner"),
    lease_expires_at=bindparam("b_expires", type_=UTCDateTime()),
    attempt=e.c.attempt + 1,
)
_DUE_LOCKED = _DUE.with_for_update(skip_locked=True)
_CLAIM_DUE_RETURNING = _CLAIM.where(e.c.id.in_(_DUE)).returning(*e.c)  # SQLite: one statement
_CLAIM_DUE_LOCKED_RETURNING = _CLAIM.where(e.c.id.in_(_DUE_LOCKED)).returning(*e.c)  # PostgreSQL: one statement
_CLAIM_IDS = _CLAIM.where(e.c.id.in_(bindparam("b_ids", expanding=True)))
_CLAIM_IDS_RETURNING = _CLAIM_IDS.returning(*e.c)
_ROWS = select(e).where(e.c.id.in_(bindparam("b_ids", expanding=True)))


class ClaimQueries:
    db: Database

    def claim_events(
        self,
        owner: str,
        types: Sequence[str],
        *,
        limit: int,
        lease: float,
        now: datetime | None = None,
        reclaim_expired: bool = True,
        due_within: float = 0.0,
    ) -> list[EventRecord]:
        """Claim up to ``limit`` events of ``types`` due by ``now + due_within`` seconds for ``owner`` (soonest
        due first). See the module doc."""
        return self.complete_and_claim(
            owner,
            (),
            types,
            limit=limit,
            lease=lease,
            now=now,
            reclaim_expired=reclaim_expired,
            due_within=due_within,
        )[1]

    def complete_and_claim(
        self,
        owner: str,
        outcomes: Sequence[Outcome],
        types: Sequence[str],
        *,
        limit: int,
        lease: float,
        now: datetime | None = None,
        reclaim_expired: bool = True,
        due_within: float = 0.0,
    ) -> tuple[list[int], list[EventRecord]]:
        """Record finished attempts (see ``complete_events``) and claim the next batch in one transaction: a
        busy worker pays for one transaction per round instead of two. Returns (ids recorded, events claimed)."""
        now = now or get_clock().now()
        recorded: list[int] = []
        if len(outcomes) > CHUNK:
            recorded, outcomes = self.complete_events(owner, outcomes, now=now), ()
        if not outcomes and (limit <= 0 or not types):
            return recorded, []
        with self.db.write() as conn:
            recorded += complete_in(conn, owner, outcomes, now)
            claimed = self._claim_in(conn, owner, list(types), limit, lease, now, reclaim_expired, due_within)
        return recorded, claimed

    def _claim_in(
        self,
        conn: Connection,
        owner: str,
        types: list[str],
        limit: int,
        lease: float,
        now: datetime,
        reclaim: bool,
        due_within: float,
    ) -> list[EventRecord]:
        if limit <= 0 or not types:
            return []
        # b_now is the due horizon: an idle worker claims an event a moment before it is due and starts it on
        # time, so the claim's round trips are not part of the start latency. Leases expire on the clock.
        params: dict[str, Any] = {"b_types": types, "b_now": now + timedelta(seconds=due_within), "b_owner": owner}
        params["b_expires"] = now + timedelta(seconds=lease)
        taken_over: list[int] = []
        if reclaim:
            expired = conn.execute(_EXPIRED, {**params, "b_now": now, "b_limit": limit}).mappings().all()
            for event in records_from_rows(conn, expired):
                if settle_lost(conn, [event], _lease_reason(event), now):
                    taken_over.append(event.id)
        params["b_limit"] = limit - len(taken_over)
        rows: list[RowMapping] = []
        if self.db.dialect in ("sqlite", "postgresql"):
            if params["b_limit"] > 0:
                claim_due = _CLAIM_DUE_RETURNING if self.db.dialect == "sqlite" else _CLAIM_DUE_LOCKED_RETURNING
                rows += conn.execute(claim_due, params).mappings().all()
            if taken_over:
                rows += conn.execute(_CLAIM_IDS_RETURNING, {**params, "b_ids": taken_over}).mappings().all()
        else:
            ids = taken_over
            if params["b_limit"] > 0:
                ids = ids + list(conn.execute(_DUE_LOCKED, params).scalars())
            if not ids:
                return []
            params["b_ids"] = ids
            conn.execute(_CLAIM_IDS, params)
            rows = conn.execute(_ROWS, params).mappings().all()
        records = records_from_rows(conn, rows)
        return sorted(records, key=lambda r: (r.next_run_at or now, r.id))

    def renew_leases(
        self, owner: str, held: Mapping[int, int], *, lease: float, now: datetime | None = None
    ) -> set[int]:
        """Extend ``owner``'s leases on ``held`` (event id -> claimed attempt); return the ids still held."""
        if not held:
            return set()
        now = now or get_clock().now()
        ids = sorted(held)
        kept: set[int] = set()
        with self.db.write() as conn:
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                mine = (e.c.id.in_(chunk), e.c.lease_owner == owner, e.c.state == "running")
                conn.execute(update(e).where(*mine).values(lease_expires_at=now + timedelta(seconds=lease)))
                for event_id, attempt in conn.execute(select(e.c.id, e.c.attempt).where(*mine)):
                    if held.get(int(event_id)) == int(attempt):
                        kept.add(int(event_id))
        return kept

    def complete_events(self, owner: str, outcomes: Sequence[Outcome], *, now: datetime | None = None) -> list[int]:
        """Record finished attempts in one transaction (per chunk); return the ids recorded.

        An outcome whose lease ``owner`` no longer holds (same name and attempt, still running) is dropped:
        another worker has taken the event over, and only its result counts.
        """
        now = now or get_clock().now()
        recorded: list[int] = []
        for start in range(0, len(outcomes), CHUNK):
            with self.db.write() as conn:
                recorded += complete_in(conn, owner, outcomes[start : start + CHUNK], now)
        return recorded

    def release_events(self, owner: str, held: Mapping[int, int]) -> int:
        """Put claimed events that did not run back to ``pending`` (attempt given back); returns how many."""
        if not held:
            return 0
        params = [{"b_id": i, "b_owner": owner, "b_attempt": a} for i, a in sorted(held.items())]
        with self.db.write() as conn:
            result = conn.execute(_RELEASE, params)
        return max(0, int(result.rowcount or 0))

    def earliest_due(self, types: Sequence[str]) -> datetime | None:
        """The soonest ``next_run_at`` of a pending event of ``types`` (an idle worker sleeps until then)."""
        if not types:
            return None
        with self.db.read() as conn:
            return conn.execute(
                select(func.min(e.c.next_run_at)).where(e.c.state == "pending", e.c.event_type.in_(list(types)))
            ).scalar()

    def listen_conninfo(self) -> str | None:
        """Where to LISTEN for due-time notifications: a libpq URL on PostgreSQL, None on other databases."""
        if self.db.dialect != "postgresql":
            return None
        return self.db.url.set(drivername="postgresql").render_as_string(hide_password=False)

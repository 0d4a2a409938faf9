"""The worker's loop: one thread that makes every decision and does every database call of the worker.

Each round: start events claimed ahead of time whose moment has come, record timeouts, give back events queued
behind jobs that turned out slow (``prefetch.py``), renew leases, heartbeat, write finished attempts and claim
into free slots plus the prefetch budget (one transaction), then sleep until the earliest due time it
knows (capped by ``poll``) or until something wakes it: a slot finishing, the in-process tracker, PostgreSQL
NOTIFY, a registry change, ``stop()``.

An idle worker wakes ``_LOOKAHEAD`` before the next due time, claims the event then and starts it at its due
time: the claim's round trips stay out of the start latency, and the lease is held meanwhile.

Database errors never end the loop: it logs, backs off briefly and carries on (the pool pings connections, so
a restarted server is reconnected on the next checkout). Finished attempts not yet written stay queued and are
written after the reconnect; fencing drops them if another worker took the event over meanwhile.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from botfactory.clock import get_clock
from botfactory.db import Database
from botfactory.events.execution import Execution
from botfactory.events.lifecycle import Outcome
from botfactory.events.records import EventRecord
from botfactory.events.registry import EventTypeRegistry
from botfactory.events.slots import Slots
from botfactory.events.store import EventStore

log = logging.getLogger(__name__)

_LOOKAHEAD = 0.05
# Closer than this to an early event's due time, the loop waits for it rather than doing anything else first.
_SPIN = 0.002


class WorkerLoop:
    """The round logic of ``Worker`` (which owns the state declared here and the start/stop around it)."""

    name: str
    host: str
    pid: int
    db: Database
    store: EventStore
    registry: EventTypeRegistry
    concurrency: int
    requested_types: list[str] | None
    types: list[str]
    lease: float
    poll: float
    burst: bool
    completed: int
    fenced: int
    _wake: threading.Event
    _stop: threading.Event
    _types_changed: bool
    _done: list[Outcome]
    _done_lock: threading.Lock
    _early: list[EventRecord]
    _slots: Slots
    _next_renew: float
    _next_beat: float
    _next_reclaim: float
    _beat_every: float

    def _shutdown(self) -> None: ...

    def _loop(self) -> None:
        backoff = 0.05
        try:
            while not self._stop.is_set():
                try:
                    if self._tick():
                        break
                    backoff = 0.05
                except Exception as exc:  # the database went away, or a bug: never let the worker die of it
                    log.warning("worker %s: %s: %s; retrying in %.2f s", self.name, type(exc).__name__, exc, backoff)
                    log.debug("worker loop error", exc_info=True)
                    # Real time on purpose: this waits for a server, not for scheduled time (a FakeClock).
                    self._stop.wait(backoff)
                    backoff = min(5.0, backoff * 2)
        finally:
            self._shutdown()

    def _tick(self) -> bool:
        """One round; True when a burst has nothing left to do."""
        clock = get_clock()
        self._wake.clear()
        self._start_early(clock.now())  # first: nothing of this round may delay an event due now
        if self._types_changed:
            self._refresh_types()
        mono = clock.monotonic()
        self._expire(mono)
        self._give_back_surplus()
        if mono >= self._next_renew:
            self._renew()  # before claiming: never take over our own lease for lack of renewing it
            self._next_renew = mono + self.lease / 3
        if mono >= self._next_beat:
            if not self.store.heartbeat_worker(self.name, event_types=self.types):
                self._register_again()
            self._next_beat = mono + self._beat_every
        free = self._slots.free() - len(self._early) if self.types and not self._stop.is_set() else 0
        free = max(0, free)
        # Expired leases are rare: look for them about once a second, not in every claim.
        reclaim = mono >= self._next_reclaim
        claimed = self._flush(claim=free, reclaim=reclaim)
        if free:
            if reclaim:
                self._next_reclaim = mono + min(1.0, self.lease / 4)
            self._dispatch(claimed)
            if len(claimed) == free:
                return False  # more may be due: go round again without sleeping
        # A burst is over only when a claim that had room found nothing (or nothing can be claimed at all): with
        # every slot busy no claim was made, and jobs finishing since would otherwise look like "all done".
        looked = free > 0 or not self.types
        if self.burst and looked and not claimed and not self._slots.busy() and not self._done and not self._early:
            return True
        due = self.store.earliest_due(self.types) if free else None
        self._sleep(due, claimed_any=bool(claimed))
        return False

    @property
    def _lookahead(self) -> float:
        # A burst runs what is due now, nothing earlier.
        return 0.0 if self.burst else min(_LOOKAHEAD, self.poll)

    def _sleep(self, due: datetime | None, *, claimed_any: bool) -> None:
        clock = get_clock()
        now = clock.now()
        timeout = self.poll
        if due is not None:
            until_claim = (due - now).total_seconds() - self._lookahead
            if until_claim <= 0 and not claimed_any:
                # Due, yet not claimed: another worker's claim holds it locked. Do not spin on it.
                until_claim = 0.002
            timeout = min(timeout, until_claim)
        if self._early:
            timeout = min(timeout, (self._early[0].next_run_at - now).total_seconds())  # type: ignore[operator]
        mono = clock.monotonic()
        for deadline in (self._slots.next_deadline(), self._next_renew, self._next_beat):
            if deadline is not None:
                timeout = min(timeout, deadline - mono)
        if timeout > 0:
            clock.wait(self._wake, timeout)

    def _refresh_types(self) -> None:
        self._types_changed = False
        registered = set(self.registry.types())
        wanted = registered if self.requested_types is None else registered & set(self.requested_types)
        types = sorted(wanted)
        if types != self.types:
            log.info("worker %s now claims %s", self.name, types)
            self.types = types
            self._next_beat = 0.0  # publish the new list with the next heartbeat

    def _start_early(self, now: datetime) -> None:
        """Start the events claimed ahead of time whose due time has come."""
        if not self._early:
            return
        remaining = (self._early[0].next_run_at - now).total_seconds()  # type: ignore[operator]
        if 0 < remaining <= _SPIN:
            # Woken a hair early (wall clock vs. monotonic timer): wait the rest rather than do a round of
            # database work first and start late.
            get_clock().wait(self._stop, remaining)
            now = get_clock().now()
        if self._early[0].next_run_at > now:  # type: ignore[operator]
            return
        due = [event for event in self._early if event.next_run_at <= now]  # type: ignore[operator]
        self._early = self._early[len(due) :]
        self._dispatch(due)
        self._slots.wait_picked_up(_SPIN)

    def _dispatch(self, events: list[EventRecord]) -> None:
        now = get_clock().now()
        later = [event for event in events if event.next_run_at is not None and event.next_run_at > now]
        if later:
            self._early = sorted([*self._early, *later], key=lambda ev: ev.next_run_at)  # type: ignore[arg-type,return-value]
            events = [event for event in events if event not in later]
        give_back: dict[int, int] = {}
        for event in events:
            spec = self.registry.find(event.event_type)
            if spec is None:  # unregistered between the claim and now: leave the event as it was
                give_back[event.id] = event.attempt
                continue
            timeout = event.timeout if event.timeout is not None else spec.timeout
            self._slots.submit(Execution(event, spec, db=self.db, timeout=timeout), timeout)
        if give_back:
            self.store.release_events(self.name, give_back)

    def _expire(self, mono: float) -> None:
        for run in self._slots.expire(mono):
            event = run.execution.event
            log.warning("event %s (%s) timed out after %s s", event.id, event.event_type, run.timeout)
            self._on_done(run.execution.timed_out(run.timeout or 0.0))

    def _give_back_surplus(self) -> None:
        surplus = self._slots.surplus()
        if not surplus:
            return
        log.debug("worker %s: giving back %d event(s) queued behind slow jobs", self.name, len(surplus))
        try:
            self.store.release_events(self.name, {ex.event.id: ex.event.attempt for ex in surplus})
        except Exception as exc:
            # Still ours (leased): queue them again in due order (surplus() took them latest-due first), and go
            # on with the round so their leases are renewed.
            for execution in reversed(surplus):
                self._slots.submit(execution, execution.timeout)
            log.warning("worker %s: could not give back %d event(s): %s", self.name, len(surplus), exc)

    def _flush(self, *, claim: int = 0, reclaim: bool = False) -> list[EventRecord]:
        """Write finished attempts and, with ``claim`` > 0, claim that many more in the same transaction."""
        with self._done_lock:
            batch, self._done = self._done, []
        if not batch and not claim:
            return []
        try:
            if claim:
                recorded, claimed = self.store.complete_and_claim(
                    self.name,
                    batch,
                    self.types,
                    limit=claim,
                    lease=self.lease,
                    reclaim_expired=reclaim,
                    due_within=self._lookahead,
                )
            else:
                recorded, claimed = self.store.complete_events(self.name, batch), []
        except Exception:
            with self._done_lock:
                self._done = batch + self._done  # written after the database is back
            raise
        self.completed += len(recorded)
        lost = len(batch) - len(recorded)
        if lost:
            self.fenced += lost
            log.warning(
                "worker %s: %d finished attempt(s) not recorded: lease taken over by another worker", self.name, lost
            )
        return claimed

    def _renew(self) -> None:
        held = self._slots.held()
        held.update({event.id: event.attempt for event in self._early})
        with self._done_lock:  # finished but not yet written (the database may be away): still ours
            held.update({outcome.event.id: outcome.event.attempt for outcome in self._done})
        if not held:
            return
        kept = self.store.renew_leases(self.name, held, lease=self.lease)
        lost = set(held) - kept
        if lost:
            self._early = [event for event in self._early if event.id not in lost]
            dropped = self._slots.drop(lost)
            log.warning(
                "worker %s lost the lease of events %s (%d not started, dropped)", self.name, sorted(lost), len(dropped)
            )

    def _register_again(self) -> None:
        # Our row was pruned (we looked dead, e.g. during a long database outage). Whoever pruned it has
        # released what we held; what we claimed since is still ours, so do not release anything here.
        log.warning("worker %s: its worker_process row was gone; registering again", self.name)
        self.store.register_worker(
            self.name,
            host=self.host,
            pid=self.pid,
            concurrency=self.concurrency,
            event_types=self.types,
            release_previous=False,
        )

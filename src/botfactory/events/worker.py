"""``Worker``: claims due scheduled events of the types it has loaded and runs them on threads (DESIGN §4).

This module is the worker's public face and its life: start (register, subscribe to wake-ups, start slots,
LISTEN, the loop thread) and stop (release what never started, give running jobs a grace period, release the
rest, say goodbye). The rounds themselves are ``worker_loop.py``; slot threads only run jobs (``slots.py``);
what an attempt means for the event is ``lifecycle.py``; all SQL is in the store.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import datetime
from types import TracebackType

from botfactory.clock import get_clock
from botfactory.db import Database, default_database
from botfactory.events import signals
from botfactory.events.builtin import HOUSEKEEPING_TYPES, ensure_housekeeping_events
from botfactory.events.isolation import kill_child
from botfactory.events.lifecycle import Outcome
from botfactory.events.listener import DueListener
from botfactory.events.prefetch import Prefetch
from botfactory.events.records import EventRecord
from botfactory.events.registry import EventTypeRegistry
from botfactory.events.registry import registry as default_registry
from botfactory.events.slots import Slots
from botfactory.events.store import EventStore
from botfactory.events.worker_loop import WorkerLoop

log = logging.getLogger(__name__)

_names_lock = threading.Lock()
_names_in_use: set[str] = set()


def _take_name(requested: str | None) -> str:
    """``host:pid``; a second Worker in the same process gets ``host:pid/2`` so leases never share an owner."""
    base = requested or f"{socket.gethostname()}:{os.getpid()}"
    with _names_lock:
        name, n = base, 2
        while requested is None and name in _names_in_use:
            name, n = f"{base}/{n}", n + 1
        _names_in_use.add(name)
        return name


def _release_name(name: str) -> None:
    with _names_lock:
        _names_in_use.discard(name)


class Worker(WorkerLoop):
    """Runs due events. ``start()``/``stop()``, ``run_until_stopped()``, ``run_burst()``, or ``with Worker():``.

    ``types``: event types to run (None: every registered type, following registry changes). ``lease``: seconds
    a claim is held without renewal. ``poll``: longest idle sleep. ``burst``: run what is due now, then stop.
    ``prefetch``: events claimed ahead of free slots: ``"auto"`` (default) holds at most ~50 ms of work ahead at
    the job durations seen so far, so tiny jobs are claimed in big batches and long ones never ahead; a whole
    number holds that many ahead always (0: never). See ``prefetch.py``.
    ``grace``: seconds running jobs get at ``stop()``. ``housekeeping``: schedule the built-in housekeeping
    events at start. ``listen``: on PostgreSQL, LISTEN for due-time notifications.
    """

    def __init__(
        self,
        db: Database | None = None,
        *,
        concurrency: int = 4,
        types: list[str] | tuple[str, ...] | None = None,
        lease: float = 60.0,
        poll: float = 1.0,
        registry: EventTypeRegistry | None = None,
        name: str | None = None,
        burst: bool = False,
        prefetch: Prefetch | int | str | None = "auto",
        grace: float = 30.0,
        housekeeping: bool = True,
        listen: bool = True,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if lease <= 0 or poll <= 0:
            raise ValueError("lease and poll must be > 0 seconds")
        self.db = db or default_database()
        self.store = EventStore(self.db)
        self.registry = registry or default_registry
        self.concurrency = concurrency
        self.requested_types = None if types is None else [t for t in types if t]
        self.lease = float(lease)
        self.poll = float(poll)
        self.burst = burst
        self.grace = grace
        self.housekeeping = housekeeping
        self.listen = listen
        self._requested_name = name
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"  # made unique in this process by start()
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.types: list[str] = []
        self.completed = 0  # attempts recorded
        self.fenced = 0  # attempts dropped because another worker had taken the event over
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._types_changed = True
        self._done: list[Outcome] = []
        self._done_lock = threading.Lock()
        # Claimed a moment before they are due (see _LOOKAHEAD), soonest first; started at their due time.
        self._early: list[EventRecord] = []
        self.prefetch = Prefetch.parse(prefetch)
        self._thread: threading.Thread | None = None
        self._listener: DueListener | None = None
        # Monotonic times (of the active clock) of the next periodic duties.
        self._next_renew = self._next_beat = self._next_reclaim = 0.0
        self._beat_every = min(10.0, self.lease / 3)

    # -- public API ----------------------------------------------------------------------------------------

    def start(self) -> Worker:
        if self._thread is not None:
            raise RuntimeError(f"worker {self.name} was already started")
        self.name = _take_name(self._requested_name)
        self._refresh_types()
        try:
            self.store.register_worker(
                self.name, host=self.host, pid=self.pid, concurrency=self.concurrency, event_types=self.types
            )
            if self.housekeeping and set(HOUSEKEEPING_TYPES) & set(self.types):
                ensure_housekeeping_events(self.store, target=self.registry)
        except BaseException:
            _release_name(self.name)
            raise
        self._slots = Slots(self.concurrency, self.name, self._on_done, on_free=self._wake.set, prefetch=self.prefetch)
        self.registry.subscribe(self._on_registry_change)
        signals.subscribe(self._on_due)
        self._slots.start()
        conninfo = self.store.listen_conninfo() if self.listen and not self.burst else None
        if conninfo:
            self._listener = DueListener(conninfo, self._on_due, name=f"{self.name}-listen")
            self._listener.start()
        self._thread = threading.Thread(target=self._loop, name=f"worker-{self.name}", daemon=True)
        self._thread.start()
        log.info("worker %s started: %d slots, types %s", self.name, self.concurrency, self.types)
        return self

    def request_stop(self, grace: float | None = None) -> None:
        """Stop claiming; running jobs get ``grace`` seconds to finish, the rest is released. Returns at once
        (safe in a signal handler)."""
        if grace is not None:
            self.grace = grace
        self._stop.set()
        self._wake.set()

    def stop(self, grace: float | None = None) -> None:
        self.request_stop(grace)
        if self._thread is not None:
            self._thread.join()

    def run_until_stopped(self) -> None:
        if self._thread is None:
            self.start()
        assert self._thread is not None
        # Join in slices so signal handlers run promptly in the main thread.
        while self._thread.is_alive():
            self._thread.join(0.2)

    def run_burst(self) -> int:
        """Run everything due now that this worker can run, then return the number of attempts recorded."""
        self.burst = True
        self.run_until_stopped()
        return self.completed

    def __enter__(self) -> Worker:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- wake-ups (called on other threads) -----------------------------------------------------------------

    def _on_done(self, outcome: Outcome) -> None:
        with self._done_lock:
            self._done.append(outcome)
        self._wake.set()

    def _on_due(self, when: datetime | None) -> None:
        # Always wake: the loop asks the database for the earliest due time anyway, and a spurious round is cheap.
        self._wake.set()

    def _on_registry_change(self) -> None:
        self._types_changed = True
        self._wake.set()

    # -- shutdown --------------------------------------------------------------------------------------------

    def _shutdown(self) -> None:
        """Release what never started, give running jobs ``grace`` seconds, record them, release the rest."""
        unstarted = {ex.event.id: ex.event.attempt for ex in self._slots.drain()}
        unstarted.update({event.id: event.attempt for event in self._early})
        self._early = []
        self._guard(lambda: self.store.release_events(self.name, unstarted))
        deadline = time.monotonic() + max(0.0, self.grace)
        while self._slots.busy() and time.monotonic() < deadline:
            self._guard(lambda: (self._expire(get_clock().monotonic()), self._flush()))
            self._wake.wait(min(0.05, max(0.0, deadline - time.monotonic())))
            self._wake.clear()
        self._guard(lambda: (self._expire(get_clock().monotonic()), self._flush()))
        abandoned = self._slots.abandon_all()
        unfinished = {run.execution.event.id: run.execution.event.attempt for run in abandoned}
        # Jobs run in a child process can be stopped for real; threads run on (daemon) until the process exits.
        killed = sum(kill_child(run.execution.child_pid) for run in abandoned if run.execution.child_pid)
        if killed:
            log.warning("worker %s: killed %d job process(es) still running after the grace period", self.name, killed)
        if unfinished:
            log.warning(
                "worker %s: releasing %d event(s) still running after the grace period", self.name, len(unfinished)
            )
            self._guard(lambda: self.store.release_events(self.name, unfinished))
        self._slots.close()
        self.registry.unsubscribe(self._on_registry_change)
        signals.unsubscribe(self._on_due)
        if self._listener is not None:
            self._listener.stop()
        self._guard(lambda: self.store.stop_worker(self.name))
        _release_name(self.name)
        log.info("worker %s stopped (%d attempts recorded)", self.name, self.completed)

    def _guard(self, action: object) -> None:
        try:
            action()  # type: ignore[operator]
        except Exception as exc:
            log.warning("worker %s: during shutdown: %s: %s", self.name, type(exc).__name__, exc)

"""One attempt of one claimed event, turned into history rows (DESIGN §4, issue 3 "Execution").

An ``Execution`` builds the job the DivvyCloud way (``resource_id``/``resource_ids``, ``user_resource_id``,
``scheduled_event_id``, ``scheduled_event_type`` and the ``action_data`` keys), sets ``scheduled_for``, asks
the before-run hooks about each resource, runs the job and maps what happened to ``Outcome`` rows. Nothing
a job does (raise, refuse its arguments, record its own history) escapes as an exception: everything becomes
a recorded outcome, and the worker goes on.

It runs on a worker slot thread. When the job outlives its timeout the worker calls ``timed_out()`` from its
own thread: resources finished so far keep their rows, the rest are ``TIMEOUT``, and whatever the abandoned
thread produces later is dropped. An event type with ``isolation="process"`` has each ``run()`` done in a forked
child (``isolation.py``) that the slot thread kills at the deadline, so the slot does not stay taken.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botfactory.clock import get_clock
from botfactory.errors import ValidationError
from botfactory.events.hooks import skip_reason
from botfactory.events.isolation import run_in_child
from botfactory.events.job import check_job_arguments, is_multi_resource
from botfactory.events.lifecycle import HistoryRow, Outcome
from botfactory.events.records import EventRecord
from botfactory.events.registry import EventTypeSpec

if TYPE_CHECKING:
    from botfactory.db import Database

# result_data is TEXT: 16,000 characters stay under MySQL's 64 KiB even in 4-byte UTF-8.
RESULT_CAP = 16_000
_HEAD = 2_000

_local = threading.local()


def current_database() -> Database:
    """The database of the worker running the current job (built-in jobs use it); else the default one."""
    db = getattr(_local, "db", None)
    if db is not None:
        return db
    from botfactory.db import default_database

    return default_database()


def cap_text(text: str, limit: int = RESULT_CAP) -> str:
    """Keep the start and the end (a traceback's last lines say what broke) of an over-long text."""
    if len(text) <= limit:
        return text
    marker = f"\n... [{len(text) - limit} characters cut] ...\n"
    tail = limit - _HEAD - len(marker)
    return text[:_HEAD] + marker + text[-tail:]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return cap_text(value if isinstance(value, str) else repr(value))


def _failure(prefix: str) -> str:
    return cap_text(f"{prefix}\n{traceback.format_exc()}")


class Execution:
    """Runs one claimed event once (one attempt). ``run()`` on a slot thread, ``timed_out()`` from the worker."""

    def __init__(
        self, event: EventRecord, spec: EventTypeSpec, *, db: Database | None = None, timeout: float | None = None
    ) -> None:
        self.event = event
        self.spec = spec
        self.db = db
        self.timeout = timeout
        self._deadline: float | None = None  # real time, for jobs run in a child process
        self.child_pid: int | None = None  # while run() runs in a child process
        self.occurrence = event.occurrence_at or event.next_run_at or get_clock().now()
        self.resources: list[str | None] = list(event.resource_ids) or [None]
        self.started_at: datetime | None = None
        self._rows: dict[str, HistoryRow] = {}
        self._lock = threading.Lock()
        self._abandoned = False

    # -- results -------------------------------------------------------------------------------------------

    def _add(self, rows: list[HistoryRow]) -> None:
        # One row per resource and attempt (the history unique key): a later row for a resource replaces it.
        with self._lock:
            if not self._abandoned:
                for row in rows:
                    self._rows[row.resource_id] = row

    def _outcome(self) -> Outcome:
        with self._lock:
            return Outcome(self.event, tuple(self._rows.values()))

    def timed_out(self, timeout: float) -> Outcome:
        """The attempt as it stands at the timeout; later results of the abandoned thread are ignored."""
        now = get_clock().now()
        started = self.started_at or now
        if self.spec.isolation == "process":
            reason = f"timed out after {timeout:g} s; the job's process was killed"
        else:
            reason = f"timed out after {timeout:g} s; the job's thread was abandoned (threads cannot be killed)"
        with self._lock:
            self._abandoned = True
            rows = dict(self._rows)
        for rid in self.resources:
            key = rid or ""
            if key not in rows:
                rows[key] = HistoryRow(key, started, now, "TIMEOUT", reason)
        return Outcome(self.event, tuple(rows.values()))

    # -- running -------------------------------------------------------------------------------------------

    def run(self) -> Outcome:
        clock = get_clock()
        self.started_at = clock.now()
        if self.timeout is not None:
            self._deadline = time.monotonic() + self.timeout
        _local.db = self.db
        try:
            missed = self._missed(self.started_at)
            if missed:
                self._add(
                    [
                        HistoryRow(rid or "", self.started_at, self.started_at, "MISSED", missed)
                        for rid in self.resources
                    ]
                )
                return self._outcome()
            try:
                data = self._arguments()
            except Exception:
                self._error_all(_failure(f"cannot prepare the arguments of {self.event.event_type!r}:"))
                return self._outcome()
            runnable = self._ask_hooks()
            if not runnable:
                return self._outcome()
            if is_multi_resource(self.spec.job_class):
                ids = [rid for rid in runnable if rid is not None]
                self._run_job(runnable, lambda: {"resource_ids": ids}, data)
            else:
                for rid in runnable:
                    self._run_job([rid], lambda rid=rid: {"resource_id": rid}, data)
            return self._outcome()
        finally:
            _local.db = None

    def _missed(self, now: datetime) -> str | None:
        grace = self.event.misfire_grace
        # Only the first attempt can miss: a retry is late on purpose (backoff), and a reclaimed lease is late
        # because a worker died, not because nobody was there to run it.
        if grace is None or self.event.attempt > 1:
            return None
        late = (now - self.occurrence).total_seconds()
        if late <= grace:
            return None
        return f"missed by {late:.3f} s (misfire_grace {grace:g} s): not run"

    def _arguments(self) -> dict[str, Any]:
        data = dict(self.event.action_data)
        if self.spec.cast_args is not None:
            data = self.spec.cast_args(data)
            if not isinstance(data, dict):
                raise TypeError(f"cast_args returned {type(data).__name__}, not a dict")
        return data

    def _ask_hooks(self) -> list[str | None]:
        """Resources the before-run hooks let through; SKIPPED (or ERROR when a hook raises) rows for the rest."""
        runnable: list[str | None] = []
        for rid in self.resources:
            now = get_clock().now()
            try:
                reason = skip_reason(self.event, rid)
            except Exception:
                self._add(
                    [HistoryRow(rid or "", now, get_clock().now(), "ERROR", _failure("a before-run hook failed:"))]
                )
                continue
            if reason:
                self._add([HistoryRow(rid or "", now, get_clock().now(), "SKIPPED", cap_text(str(reason)))])
            else:
                runnable.append(rid)
        return runnable

    def _run_job(self, scope: list[str | None], target: Callable[[], dict[str, Any]], data: dict[str, Any]) -> None:
        """Build and run the job once for the resources in ``scope`` and record a row for each of them."""
        clock = get_clock()
        started = clock.now()
        cls = self.spec.job_class
        try:
            check_job_arguments(self.event.event_type, cls, data)
        except ValidationError as exc:
            reason = f"cannot build {cls.__name__}: the event's arguments no longer fit the job class: {exc}"
            self._add([HistoryRow(rid or "", started, clock.now(), "ERROR", cap_text(reason)) for rid in scope])
            return
        try:
            job = cls(
                user_resource_id=self.event.created_by,
                scheduled_event_id=self.event.id,
                scheduled_event_type=self.event.event_type,
                **target(),
                **data,
            )
            job.scheduled_for = self.occurrence
        except Exception:
            reason = _failure(f"cannot build {cls.__name__} from the event's arguments (its constructor raised):")
            self._add([HistoryRow(rid or "", started, clock.now(), "ERROR", reason) for rid in scope])
            return
        error: str | None = None
        result: Any = None
        if self.spec.isolation == "process":
            left = None if self._deadline is None else self._deadline - time.monotonic()
            # Earlier resources of this attempt may have used up its time: then no child is started at all.
            child = run_in_child(job, left, on_start=self._set_child) if left is None or left > 0 else None
            if child is None or child.timed_out:
                reason = f"timed out after {self.timeout:g} s; the job's process was killed"
                self._add([HistoryRow(rid or "", started, clock.now(), "TIMEOUT", reason) for rid in scope])
                return
            result, error = child.result, None if child.error is None else cap_text(child.error)
            job.history_records = child.records
        else:
            try:
                result = job.run()
            except BaseException:  # noqa: B036  a job's SystemExit must not end the slot thread either
                error = _failure(f"{cls.__name__}.run() raised:")
        finished = clock.now()
        self._add(self._rows_for(job, scope, started, finished, result, error))

    @staticmethod
    def _rows_for(
        job: Any, scope: list[str | None], started: datetime, finished: datetime, result: Any, error: str | None
    ) -> list[HistoryRow]:
        own = list(getattr(job, "history_records", None) or [])
        if not own:
            status, text = ("ERROR", error) if error else ("SUCCESS", _text(result))
            return [HistoryRow(rid or "", started, finished, status, text) for rid in scope]
        # The job recorded its own outcome: it wins and is not recorded twice. Resources it did not name get
        # its last record (a multi-resource job usually records once for the whole run), or the error it raised.
        rows = {
            (entry.resource_id or ""): HistoryRow(
                entry.resource_id or "", entry.start_time, entry.finish_time, entry.status, _text(entry.result_data)
            )
            for entry in own
        }
        last = own[-1]
        for rid in scope:
            key = rid or ""
            if key not in rows:
                if error:
                    rows[key] = HistoryRow(key, started, finished, "ERROR", error)
                else:
                    rows[key] = HistoryRow(key, last.start_time, last.finish_time, last.status, _text(last.result_data))
        return list(rows.values())

    def _set_child(self, pid: int | None) -> None:
        self.child_pid = pid

    def _error_all(self, reason: str) -> None:
        now = get_clock().now()
        self._add([HistoryRow(rid or "", now, now, "ERROR", reason) for rid in self.resources])

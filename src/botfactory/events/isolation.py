"""Running a job's ``run()`` in a forked child process, so that a job past its timeout can be killed.

Threads cannot be killed (DESIGN §9 "Timeouts"): a thread-run job past its timeout is abandoned and holds its
slot until it returns. An event type registered with ``isolation="process"`` runs each ``run()`` in a child
forked from the worker instead: the job object, its plugin's classes and the worker's settings are there
already (nothing is pickled or imported by name), and at the deadline the child is killed with SIGKILL, so the
slot is free again at once. Children still running when a worker stops after its grace period are killed too.

The child sends back JSON only: the text of ``run()``'s return value or its traceback, and the history records
the job stored itself. Database connections inherited from the parent are never used by the child
(``botfactory.db.engine`` resets its pools after a fork), and the child leaves with ``os._exit`` so nothing of
the parent's (buffers, atexit handlers, connections) is flushed or closed twice.

Forking a threaded process copies only the forking thread: a lock another thread held at that moment stays held
in the child. So no thread is inside a database block while we fork (``botfactory.db.forkgate``), the pools are
new in the child, and ``logging`` re-creates its locks itself. A lock held elsewhere (a thread-run job inside
some library) can still hang a child; that is a hung job like any other, which is why process jobs should have
a ``timeout``.
"""

from __future__ import annotations

import json
import os
import select
import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botfactory.db.forkgate import fork_gate
from botfactory.events.job import HistoryEntry

ISOLATIONS = ("thread", "process")

_live_lock = threading.Lock()
_live: set[int] = set()


def _ignore(pid: int | None) -> None:
    pass


def can_fork() -> bool:
    return hasattr(os, "fork")


@dataclass
class ChildRun:
    """What became of ``run()`` in the child."""

    result: str | None = None
    error: str | None = None
    records: list[HistoryEntry] = field(default_factory=list)
    timed_out: bool = False


def run_in_child(job: Any, timeout: float | None, on_start: Callable[[int | None], None] = _ignore) -> ChildRun:
    """Run ``job.run()`` in a forked child; kill it after ``timeout`` real seconds (None: no limit).
    ``on_start`` hears the child's pid once it runs and None once it is gone (for ``kill_child``)."""
    read_fd, write_fd = os.pipe()
    # fork_gate: no thread of ours is inside a database driver while we fork (see botfactory.db.forkgate).
    # _live_lock, held across fork(): a pid in _live always names an unreaped child of ours.
    with fork_gate.exclusive(), _live_lock:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_fd)
            _child(job, write_fd)
        _live.add(pid)
    os.close(write_fd)
    on_start(pid)
    try:
        payload = _read(read_fd, pid, None if timeout is None else time.monotonic() + timeout)
    finally:
        os.close(read_fd)
        _reap(pid)
        on_start(None)
    if payload is None:
        return ChildRun(timed_out=True)
    return payload


def kill_child(pid: int) -> bool:
    """Kill the child ``pid`` if it still runs a job (a worker stopping after its grace period)."""
    # Under the lock: a pid in _live is not reaped yet, so it cannot have been reused by another process.
    with _live_lock:
        if pid not in _live:
            return False
        _kill(pid)
        return True


def _read(fd: int, pid: int, deadline: float | None) -> ChildRun | None:
    chunks: list[bytes] = []
    poller = select.poll()  # not select(): a busy worker's descriptors can be numbered past FD_SETSIZE
    poller.register(fd, select.POLLIN)
    while True:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            _kill(pid)
            return None
        if not poller.poll(None if remaining is None else max(1, int(remaining * 1000))):
            continue  # the deadline is checked above
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    status = _reap(pid)
    if not chunks:
        return ChildRun(error=f"the job's process ended without a result ({_describe(status)})")
    try:
        data = json.loads(b"".join(chunks))
        return ChildRun(
            result=data["result"],
            error=data["error"],
            records=[_entry(record) for record in data["records"]],
        )
    except (ValueError, KeyError, TypeError) as exc:
        return ChildRun(error=f"the job's process sent an unreadable result ({exc}; {_describe(status)})")


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _reap(pid: int) -> int | None:
    """Wait for ``pid`` once (later calls return None); the exit status as ``os.waitpid`` gives it."""
    with _live_lock:
        if pid not in _live:
            return None
        _live.discard(pid)
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return None


def _describe(status: int | None) -> str:
    if status is None:
        return "exit status unknown"
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"


def _entry(record: list[Any]) -> HistoryEntry:
    start, finish, status, text, resource_id = record
    return HistoryEntry(datetime.fromisoformat(start), datetime.fromisoformat(finish), status, text, resource_id)


def _child(job: Any, fd: int) -> None:
    code = 0
    try:
        try:
            result = job.run()
            payload: dict[str, Any] = {
                "result": None if result is None else result if isinstance(result, str) else repr(result),
                "error": None,
            }
        except BaseException:  # noqa: B036  everything the job raises is its outcome, SystemExit included
            payload = {"result": None, "error": f"{type(job).__name__}.run() raised:\n{traceback.format_exc()}"}
        payload["records"] = [
            [r.start_time.isoformat(), r.finish_time.isoformat(), r.status, r.result_data, r.resource_id]
            for r in getattr(job, "history_records", None) or []
        ]
        data = json.dumps(payload).encode()
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    except BaseException:  # noqa: B036  the parent reports a child that ends without a result
        code = 70
    finally:
        os._exit(code)

"""Job classes, helpers and a subprocess entry point shared by the worker tests.

``python -m tests.integration.worker_support worker --db URL ...`` runs an embedded ``Worker`` with the test
job types registered; ``... cli worker ...`` runs the real ``botfactory`` command line with them registered.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from botfactory.clock import get_clock
from botfactory.db import Database
from botfactory.db.models import event_history as h
from botfactory.db.models import scheduled_event as e
from botfactory.events import EventStore, MultiResourceScheduledEventJob, ScheduledEventJob, ScheduledEventTracker
from botfactory.events.registry import EventTypeRegistry
from botfactory.schedule import Once

ROOT = Path(__file__).resolve().parents[2]

# In-process observations and controls (tests run one at a time per process).
RUNS: list[tuple[int, str | None, datetime | None]] = []
GATES: dict[str, threading.Event] = {}
STARTED: dict[str, threading.Event] = {}


def gate(name: str) -> threading.Event:
    return GATES.setdefault(name, threading.Event())


def started(name: str) -> threading.Event:
    return STARTED.setdefault(name, threading.Event())


class NoopJob(ScheduledEventJob):
    def run(self) -> None:
        return None


class CountJob(ScheduledEventJob):
    def run(self) -> str:
        RUNS.append((int(self.scheduled_event_id or 0), self.resource_id, self.scheduled_for))
        return "counted"


class FailJob(ScheduledEventJob):
    def run(self) -> None:
        raise RuntimeError("this job always fails")


class GateJob(ScheduledEventJob):
    """Blocks until the test opens its gate (in-process tests)."""

    def __init__(self, gate: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gate = gate

    def run(self) -> str:
        started(self.gate).set()
        gate(self.gate).wait(60)
        return "gate opened"


class FileGateJob(ScheduledEventJob):
    """Blocks until a file exists (tests across processes); gives up after two minutes."""

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path = path

    def run(self) -> str:
        deadline = time.monotonic() + 120
        while not os.path.exists(self.path):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.path} never appeared")
            time.sleep(0.01)
        return "file appeared"


class SleepJob(ScheduledEventJob):
    """Takes a little real time, so a run of many events lasts long enough to disturb it."""

    def __init__(self, seconds: float = 0.01, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seconds = seconds

    def run(self) -> None:
        time.sleep(self.seconds)


class NeedsArgJob(ScheduledEventJob):
    def __init__(self, x: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.x = x

    def run(self) -> int:
        return self.x


class BadInitJob(ScheduledEventJob):
    def __init__(self, **kwargs: Any) -> None:
        raise ValueError("constructor refuses")


class OwnHistoryJob(ScheduledEventJob):
    """Records its own outcome (status from action_data), the DivvyCloud way."""

    def __init__(self, status: str = "SUCCESS", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.status = status

    def run(self) -> None:
        now = get_clock().now()
        self.store_event_history(now, now, self.status, {"recorded": "by the job"})


class MultiJob(MultiResourceScheduledEventJob):
    def run(self) -> None:
        RUNS.append((int(self.scheduled_event_id or 0), ",".join(self.resource_ids), self.scheduled_for))


JOBS: dict[str, type] = {
    "test.noop": NoopJob,
    "test.count": CountJob,
    "test.fail": FailJob,
    "test.gate": GateJob,
    "test.filegate": FileGateJob,
    "test.sleep": SleepJob,
    "test.needs_arg": NeedsArgJob,
    "test.bad_init": BadInitJob,
    "test.own_history": OwnHistoryJob,
    "test.multi": MultiJob,
}


def register(reg: EventTypeRegistry, *uids: str, **options: Any) -> EventTypeRegistry:
    for uid in uids or JOBS:
        reg.register(uid, JOBS[uid], **options)
    return reg


def schedule(
    db: Database,
    reg: EventTypeRegistry,
    event_type: str,
    count: int = 1,
    *,
    when: datetime | None = None,
    schedule_data: Any = None,
    resources: Callable[[int], Iterable[str]] | None = None,
    action_data: dict[str, Any] | None = None,
    **options: Any,
) -> list[int]:
    """Schedule ``count`` events in one tracker block; returns their ids."""
    data = schedule_data or Once(when or get_clock().now())
    with ScheduledEventTracker(EventStore(db), registry=reg) as tracker:
        handles = [
            tracker.schedule_event(
                event_type,
                data,
                resources=list(resources(i)) if resources else (),
                action_data=action_data,
                **options,
            )
            for i in range(count)
        ]
    return [int(handle.id) for handle in handles if handle.id is not None]


def history_by_event(db: Database, event_ids: Iterable[int] | None = None) -> dict[int, list[tuple[Any, ...]]]:
    """event id -> [(status, attempt, resource_id, scheduled_for, worker, result_data)] in id order."""
    query = select(
        h.c.event_id, h.c.status, h.c.attempt, h.c.resource_id, h.c.scheduled_for, h.c.worker, h.c.result_data
    )
    if event_ids is not None:
        query = query.where(h.c.event_id.in_(list(event_ids)))
    found: dict[int, list[tuple[Any, ...]]] = {}
    with db.read() as conn:
        for row in conn.execute(query.order_by(h.c.id)):
            found.setdefault(int(row[0]), []).append(tuple(row[1:]))
    return found


def states(db: Database) -> dict[str, int]:
    with db.read() as conn:
        return {s: int(n) for s, n in conn.execute(select(e.c.state, func.count()).group_by(e.c.state))}


def wait_until(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.02, what: str = "") -> Any:
    """Poll ``predicate`` until it is truthy or ``timeout`` real seconds pass (then fail loudly)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(interval)


def url_of(db: Database) -> str:
    return db.url.render_as_string(hide_password=False)


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH", "")]))
    return env


def _main(argv: list[str]) -> int:
    from botfactory.events import registry

    register(registry, *JOBS)
    if argv and argv[0] == "cli":
        from botfactory.cli import main

        sys.argv = ["botfactory", *argv[1:]]
        main()
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["worker"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--lease", type=float, default=60.0)
    parser.add_argument("--poll", type=float, default=0.2)
    parser.add_argument("--burst", action="store_true")
    args = parser.parse_args(argv)
    import signal

    from botfactory.events import Worker

    worker = Worker(
        Database(args.db),
        concurrency=args.concurrency,
        lease=args.lease,
        poll=args.poll,
        burst=args.burst,
        housekeeping=False,
        grace=5.0,
    )
    signal.signal(signal.SIGTERM, lambda *_: worker.request_stop())
    worker.run_until_stopped()
    print(f"recorded {worker.completed}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))

"""Worker processes against one database: many at once, one killed with SIGKILL, one stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from botfactory.clock import get_clock
from botfactory.db import Database
from botfactory.db.models import event_history as h
from botfactory.db.models import scheduled_event as e
from botfactory.events import EventStore
from botfactory.events.registry import EventTypeRegistry
from tests.integration.worker_support import (
    ROOT,
    history_by_event,
    register,
    schedule,
    states,
    subprocess_env,
    url_of,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.fixture
def reg() -> EventTypeRegistry:
    return register(EventTypeRegistry())


@pytest.fixture
def spawn() -> Iterator:
    """Start worker subprocesses; any still running at the end are killed."""
    procs: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.worker_support", *args],
            cwd=ROOT,
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def _finish(proc: subprocess.Popen, timeout: float = 120) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"worker exited {proc.returncode}:\n{err[-4000:]}"
    return out + err


def _running_owned_by(db: Database, owner: str) -> int:
    with db.read() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(e).where(e.c.state == "running", e.c.lease_owner == owner)
            ).scalar()
        )


def test_three_processes_run_3000_events_exactly_once(database: Database, reg: EventTypeRegistry, spawn) -> None:
    ids = schedule(database, reg, "test.noop", 3000, when=get_clock().now() - timedelta(seconds=1))
    url = url_of(database)
    procs = [spawn("worker", "--db", url, "--burst", "--concurrency", "4") for _ in range(3)]
    for proc in procs:
        _finish(proc)
    with database.read() as conn:
        per_event = dict(
            conn.execute(select(h.c.event_id, func.count()).where(h.c.status == "SUCCESS").group_by(h.c.event_id)).all()
        )
        total = conn.execute(select(func.count()).select_from(h)).scalar()
        workers = conn.execute(select(func.count(func.distinct(h.c.worker)))).scalar()
    assert set(per_event) == set(ids)
    assert set(per_event.values()) == {1}  # every event exactly one SUCCESS
    assert total == 3000  # and nothing else: no failed or duplicate attempts
    assert states(database) == {"succeeded": 3000}
    assert workers >= 1


def test_a_killed_worker_loses_nothing(database: Database, reg: EventTypeRegistry, spawn, tmp_path: Path) -> None:
    flag = tmp_path / "open"
    past = get_clock().now() - timedelta(minutes=1)  # due before the quick ones, so the victim takes these first
    blocked = schedule(database, reg, "test.filegate", 3, when=past, action_data={"path": str(flag)})
    quick = schedule(database, reg, "test.noop", 20)
    url = url_of(database)
    victim = spawn("worker", "--db", url, "--concurrency", "3", "--lease", "2", "--poll", "0.1")
    owner = f"{socket.gethostname()}:{victim.pid}"
    wait_until(lambda: _running_owned_by(database, owner) == 3, what="the victim to be stuck in 3 jobs")
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(10)
    flag.touch()
    rescuer = spawn("worker", "--db", url, "--concurrency", "4", "--lease", "2", "--poll", "0.1")
    wait_until(lambda: states(database) == {"succeeded": 23}, timeout=60, what="every event to succeed")
    rescuer.send_signal(signal.SIGTERM)
    _finish(rescuer, timeout=30)

    history = history_by_event(database)
    for event_id in [*blocked, *quick]:
        assert [row[0] for row in history[event_id]].count("SUCCESS") == 1
    for event_id in blocked:
        (lost, lost_attempt, _, _, lost_by, text_), (ok, ok_attempt, _, _, ok_by, _) = history[event_id]
        assert (lost, lost_attempt, lost_by) == ("ERROR", 1, owner) and "lease lost" in text_
        assert (ok, ok_attempt) == ("SUCCESS", 2) and ok_by != owner


def test_sigterm_lets_running_jobs_finish_then_releases_the_rest_and_exits_0(
    database: Database, reg: EventTypeRegistry, spawn, tmp_path: Path
) -> None:
    soon, never = tmp_path / "soon", tmp_path / "never"
    past = get_clock().now() - timedelta(minutes=1)
    finishing = schedule(database, reg, "test.filegate", 2, when=past, action_data={"path": str(soon)})
    stuck = schedule(database, reg, "test.filegate", when=past, action_data={"path": str(never)})[0]
    url = url_of(database)
    cli = spawn("cli", "worker", "--db", url, "--concurrency", "3", "--lease", "30", "--poll", "0.1", "--grace", "2")
    wait_until(lambda: states(database).get("running") == 3, what="three running jobs")
    owner = f"{socket.gethostname()}:{cli.pid}"
    assert _running_owned_by(database, owner) == 3
    cli.send_signal(signal.SIGTERM)
    soon.touch()  # two jobs finish within the grace period; the third never does
    output = _finish(cli, timeout=30)
    assert "SIGTERM" in output

    store = EventStore(database)
    history = history_by_event(database)
    for event_id in finishing:
        assert store.get_event(event_id).state == "succeeded"
        assert [row[0] for row in history[event_id]] == ["SUCCESS"]
    record = store.get_event(stuck)
    assert (record.state, record.attempt, record.lease_owner) == ("pending", 0, None)  # released, attempt given back
    assert stuck not in history
    assert all(w.name != owner for w in store.list_workers(dead_after=60))

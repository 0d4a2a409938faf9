"""Built-in housekeeping events (prune history, prune dead workers) and ``botfactory workers``."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select

from botfactory.clock import FakeClock
from botfactory.db import Database
from botfactory.db.models import event_history as h
from botfactory.events import EventFilter, EventStore, Worker
from botfactory.events.builtin import PRUNE_HISTORY, PRUNE_WORKERS, ensure_housekeeping_events, install
from botfactory.events.registry import EventTypeRegistry
from tests.integration.worker_support import history_by_event, register, schedule, url_of


@pytest.fixture
def reg() -> EventTypeRegistry:
    reg = register(EventTypeRegistry(), "test.noop")
    install(reg)
    install(reg)  # idempotent
    return reg


def _housekeeping(store: EventStore) -> dict[str, int]:
    events = store.list_events(EventFilter(event_types=[PRUNE_HISTORY, PRUNE_WORKERS]), limit=0)
    return {record.event_type: record.id for record in events}


def test_housekeeping_is_scheduled_once_however_many_workers_start(database: Database, reg: EventTypeRegistry) -> None:
    store = EventStore(database)
    with Worker(database, registry=reg, name="one:1"), Worker(database, registry=reg, name="two:2"):
        pass
    ensure_housekeeping_events(store, target=reg)
    assert sorted(_housekeeping(store)) == [PRUNE_HISTORY, PRUNE_WORKERS]
    assert len(store.list_events(EventFilter(event_types=[PRUNE_HISTORY, PRUNE_WORKERS]), limit=0)) == 2
    record = store.get_event(_housekeeping(store)[PRUNE_HISTORY])
    assert record.schedule["type"] == "interval" and record.state == "pending"


def test_prune_history_keeps_the_retention_period(
    database: Database, reg: EventTypeRegistry, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOTFACTORY_HISTORY_RETENTION_DAYS", "30")
    now = fake_clock.now()
    with database.write() as conn:
        conn.execute(
            insert(h),
            [
                {
                    "event_id": 1000 + days,
                    "event_type": "test.aged",
                    "resource_id": "",
                    "scheduled_for": now - timedelta(days=days),
                    "started_at": now - timedelta(days=days),
                    "finished_at": now - timedelta(days=days),
                    "status": "SUCCESS",
                    "attempt": 1,
                }
                for days in (100, 40, 20, 1)
            ],
        )
    store = EventStore(database)
    ensure_housekeeping_events(store, target=reg)
    store.run_event_now(_housekeeping(store)[PRUNE_HISTORY])
    Worker(database, registry=reg, types=[PRUNE_HISTORY]).run_burst()
    with database.read() as conn:
        left = sorted(conn.execute(select(h.c.event_id).where(h.c.event_type == "test.aged")).scalars())
    assert left == [1001, 1020]
    [(status, *_, text_)] = history_by_event(database)[_housekeeping(store)[PRUNE_HISTORY]]
    assert status == "SUCCESS" and "deleted 2 history rows" in text_ and "retention 30 days" in text_
    assert store.get_event(_housekeeping(store)[PRUNE_HISTORY]).state == "pending"  # recurring: next hour


def test_prune_workers_releases_what_dead_workers_held(
    database: Database, reg: EventTypeRegistry, fake_clock: FakeClock
) -> None:
    store = EventStore(database)
    event_id = schedule(database, reg, "test.noop")[0]
    store.register_worker("ghost:7", host="ghost", pid=7, concurrency=1, event_types=["test.noop"])
    store.claim_events("ghost:7", ["test.noop"], limit=1, lease=3600)
    fake_clock.advance(timedelta(minutes=10))  # no heartbeat from ghost:7 since
    ensure_housekeeping_events(store, target=reg)
    store.run_event_now(_housekeeping(store)[PRUNE_WORKERS])
    Worker(database, registry=reg, types=[PRUNE_WORKERS]).run_burst()
    [(status, attempt, _, _, worker, text_)] = history_by_event(database)[event_id]
    assert (status, attempt, worker) == ("ERROR", 1, "ghost:7") and "no heartbeat since" in text_
    record = store.get_event(event_id)
    assert (record.state, record.lease_owner, record.last_status) == ("pending", None, "LEASE_LOST")
    assert [w.name for w in store.find_dead_workers(dead_after=60)] == []
    [(status, *_, text_)] = history_by_event(database)[_housekeeping(store)[PRUNE_WORKERS]]
    assert status == "SUCCESS" and "ghost:7" in text_


def test_workers_command_lists_live_workers(database: Database) -> None:
    from botfactory.cli import cli

    EventStore(database).register_worker("box:42", host="box", pid=42, concurrency=3, event_types=["a.b"])
    result = CliRunner().invoke(cli, ["workers", "--json", "--db", url_of(database)])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert (row["name"], row["pid"], row["concurrency"], row["event_types"]) == ("box:42", 42, 3, ["a.b"])
    assert row["heartbeat_at"].endswith("+00:00")

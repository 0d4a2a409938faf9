"""The worker-side SQL on every database: exclusive claims, leases, fencing, release, lost leases."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from botfactory.clock import FakeClock, get_clock
from botfactory.db import Database
from botfactory.events import EventRecord, EventStore
from botfactory.events.lifecycle import HistoryRow, Outcome
from botfactory.events.registry import EventTypeRegistry
from tests.integration.worker_support import history_by_event, register, schedule


@pytest.fixture
def reg() -> EventTypeRegistry:
    return register(EventTypeRegistry())


def _success(event: EventRecord, at: datetime) -> Outcome:
    return Outcome(event, (HistoryRow(rid, at, at, "SUCCESS", None) for rid in (event.resource_ids or ("",))))


def test_claims_are_exclusive_under_concurrency(database: Database, reg: EventTypeRegistry) -> None:
    ids = schedule(database, reg, "test.noop", 400, when=get_clock().now() - timedelta(seconds=5))
    store = EventStore(database)
    claimed: dict[str, list[int]] = {}
    errors: list[BaseException] = []
    go = threading.Event()

    def claimer(owner: str) -> None:
        mine = claimed.setdefault(owner, [])
        try:
            go.wait()
            while True:
                batch = store.claim_events(owner, ["test.noop"], limit=7, lease=60)
                if not batch:
                    return
                mine.extend(event.id for event in batch)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(f"host:{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    go.set()
    for thread in threads:
        thread.join(60)
    assert not errors
    every = [event_id for batch in claimed.values() for event_id in batch]
    assert len(every) == len(set(every)) == len(ids)
    assert set(every) == set(ids)
    for owner, mine in claimed.items():
        for record in store.list_events(limit=0):
            if record.id in mine:
                assert (record.state, record.lease_owner, record.attempt) == ("running", owner, 1)


def test_claim_takes_due_events_of_listed_types_soonest_first(database: Database, reg: EventTypeRegistry) -> None:
    now = get_clock().now()
    late = schedule(database, reg, "test.noop", when=now - timedelta(seconds=1))[0]
    early = schedule(database, reg, "test.noop", when=now - timedelta(seconds=30))[0]
    schedule(database, reg, "test.noop", when=now + timedelta(hours=1))
    other = schedule(database, reg, "test.count", when=now - timedelta(seconds=60))[0]
    store = EventStore(database)
    got = store.claim_events("me:1", ["test.noop"], limit=10, lease=60, now=now)
    assert [event.id for event in got] == [early, late]
    assert store.get_event(other).state == "pending"
    assert store.earliest_due(["test.noop"]) == now + timedelta(hours=1)
    assert store.earliest_due(["test.count"]) == now - timedelta(seconds=60)
    assert store.earliest_due([]) is None


def test_completion_is_fenced_after_a_takeover(
    database: Database, reg: EventTypeRegistry, fake_clock: FakeClock
) -> None:
    event_id = schedule(database, reg, "test.noop", resources=lambda i: ["res-1"])[0]
    store = EventStore(database)
    [first] = store.claim_events("a:1", ["test.noop"], limit=1, lease=10)
    fake_clock.advance(11)  # a:1 stalls past its lease
    [second] = store.claim_events("b:2", ["test.noop"], limit=1, lease=10)
    assert (second.id, second.attempt, second.lease_owner) == (event_id, 2, "b:2")

    now = fake_clock.now()
    assert store.renew_leases("a:1", {event_id: first.attempt}, lease=10) == set()
    assert store.complete_events("a:1", [_success(first, now)]) == []  # the stalled worker records nothing
    assert store.release_events("a:1", {event_id: first.attempt}) == 0
    assert store.renew_leases("b:2", {event_id: second.attempt}, lease=10) == {event_id}
    assert store.complete_events("b:2", [_success(second, now)]) == [event_id]

    rows = history_by_event(database)[event_id]
    assert [(status, attempt, worker) for status, attempt, _, _, worker, _ in rows] == [
        ("ERROR", 1, "a:1"),
        ("SUCCESS", 2, "b:2"),
    ]
    assert "lease lost" in rows[0][5]
    record = store.get_event(event_id)
    assert (record.state, record.lease_owner, record.run_count) == ("succeeded", None, 1)


def test_a_lost_lease_on_the_last_attempt_fails_the_event(
    database: Database, reg: EventTypeRegistry, fake_clock: FakeClock
) -> None:
    event_id = schedule(database, reg, "test.noop", max_attempts=1, dedupe_key="only-one")[0]
    store = EventStore(database)
    assert store.claim_events("a:1", ["test.noop"], limit=1, lease=5)
    fake_clock.advance(6)
    assert store.claim_events("b:2", ["test.noop"], limit=1, lease=5) == []
    record = store.get_event(event_id)
    assert (record.state, record.last_status, record.dedupe_key) == ("failed", "LEASE_LOST", None)
    [(status, attempt, _, _, worker, text)] = history_by_event(database)[event_id]
    assert (status, attempt, worker) == ("ERROR", 1, "a:1") and "lease lost" in text


def test_release_gives_the_attempt_back(database: Database, reg: EventTypeRegistry) -> None:
    event_id = schedule(database, reg, "test.noop")[0]
    store = EventStore(database)
    [event] = store.claim_events("a:1", ["test.noop"], limit=5, lease=60)
    assert store.release_events("a:1", {event.id: event.attempt}) == 1
    record = store.get_event(event_id)
    assert (record.state, record.attempt, record.lease_owner, record.lease_expires_at) == ("pending", 0, None, None)
    assert history_by_event(database) == {}


def test_renewal_extends_the_lease(database: Database, reg: EventTypeRegistry, fake_clock: FakeClock) -> None:
    schedule(database, reg, "test.noop")
    store = EventStore(database)
    [event] = store.claim_events("a:1", ["test.noop"], limit=1, lease=10)
    fake_clock.advance(8)
    assert store.renew_leases("a:1", {event.id: event.attempt}, lease=10) == {event.id}
    fake_clock.advance(8)  # 16 s after the claim, 8 s after the renewal: still ours
    assert store.claim_events("b:2", ["test.noop"], limit=1, lease=10) == []
    assert store.get_event(event.id).lease_expires_at == fake_clock.now() + timedelta(seconds=2)


def test_dead_worker_claims_are_released_with_the_reason(
    database: Database, reg: EventTypeRegistry, fake_clock: FakeClock
) -> None:
    event_id = schedule(database, reg, "test.noop")[0]
    store = EventStore(database)
    store.register_worker("ghost:9", host="ghost", pid=9, concurrency=1, event_types=["test.noop"])
    store.register_worker("alive:1", host="alive", pid=1, concurrency=1, event_types=["test.noop"])
    store.claim_events("ghost:9", ["test.noop"], limit=1, lease=3600)
    fake_clock.advance(120)
    store.heartbeat_worker("alive:1")
    assert [w.name for w in store.list_workers(dead_after=60)] == ["alive:1"]
    assert [w.name for w in store.find_dead_workers(dead_after=60)] == ["ghost:9"]

    result = store.prune_workers(dead_after=60)
    assert (result.dead, result.released, result.deleted) == (["ghost:9"], 1, 1)
    record = store.get_event(event_id)
    assert (record.state, record.attempt, record.lease_owner, record.last_status) == ("pending", 1, None, "LEASE_LOST")
    [(status, attempt, _, _, worker, text)] = history_by_event(database)[event_id]
    assert (status, attempt, worker) == ("ERROR", 1, "ghost:9")
    assert "presumed dead" in text
    # Claimed again, the released event runs as attempt 2 and no attempt is recorded twice.
    [again] = store.claim_events("alive:1", ["test.noop"], limit=1, lease=60)
    assert again.attempt == 2


def test_register_replaces_a_previous_process_with_the_same_name(database: Database, reg: EventTypeRegistry) -> None:
    event_id = schedule(database, reg, "test.noop")[0]
    store = EventStore(database)
    store.register_worker("box:1", host="box", pid=1, concurrency=2, event_types=["test.noop"])
    store.claim_events("box:1", ["test.noop"], limit=1, lease=3600)
    store.register_worker("box:1", host="box", pid=1, concurrency=2, event_types=["test.noop"])  # restarted
    assert [w.name for w in store.list_workers(dead_after=60)] == ["box:1"]
    assert store.get_event(event_id).state == "pending"
    assert "restarted" in history_by_event(database)[event_id][0][5]

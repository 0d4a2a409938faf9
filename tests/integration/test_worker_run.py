"""The embedded Worker on every database: outcomes of good and bad jobs, timeouts, retries, handlers coming
and going, wake-ups."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from botfactory.clock import FakeClock, get_clock
from botfactory.db import Database
from botfactory.events import EventStore, Worker, signals
from botfactory.events.hooks import register_before_run, unregister_before_run
from botfactory.events.registry import EventTypeRegistry
from botfactory.events.store import NewEvent
from tests.integration.worker_support import (
    JOBS,
    RUNS,
    gate,
    history_by_event,
    register,
    schedule,
    started,
    wait_until,
)


@pytest.fixture
def reg() -> EventTypeRegistry:
    RUNS.clear()
    return register(EventTypeRegistry(), "test.noop", "test.count", "test.multi", "test.own_history")


@pytest.fixture
def workers(database: Database) -> Iterator[list[Worker]]:
    """Workers a test starts are stopped (quickly) whatever happens."""
    started_workers: list[Worker] = []
    yield started_workers
    for worker in started_workers:
        worker.stop(grace=0)


def _worker(database: Database, reg: EventTypeRegistry, **options: Any) -> Worker:
    options.setdefault("housekeeping", False)
    return Worker(database, registry=reg, **options)


def _statuses(database: Database, event_id: int) -> list[tuple[str, int]]:
    return [(row[0], row[1]) for row in history_by_event(database, [event_id]).get(event_id, [])]


def test_burst_runs_each_due_event_once_and_keeps_the_bookkeeping(database: Database, reg: EventTypeRegistry) -> None:
    ids = schedule(database, reg, "test.count", 30, resources=lambda i: [f"res-{i}"], dedupe_key=None)
    keyed = schedule(database, reg, "test.count", dedupe_key="keyed")[0]
    later = schedule(database, reg, "test.count", when=get_clock().now() + timedelta(hours=1))[0]
    assert _worker(database, reg, concurrency=3).run_burst() == 31
    history = history_by_event(database)
    for event_id in [*ids, keyed]:
        assert [(s, a) for s, a, *_ in history[event_id]] == [("SUCCESS", 1)]
    assert later not in history
    store = EventStore(database)
    record = store.get_event(keyed)
    assert (record.state, record.last_status, record.run_count, record.dedupe_key) == ("succeeded", "SUCCESS", 1, None)
    assert record.last_run_at is not None and record.lease_owner is None
    assert store.get_event(later).state == "pending"
    assert sorted(r[0] for r in RUNS) == sorted([*ids, keyed])
    assert {r[1] for r in RUNS} == {f"res-{i}" for i in range(30)} | {None}


def test_bad_jobs_are_recorded_and_the_rest_run(database: Database, reg: EventTypeRegistry) -> None:
    register(reg, "test.fail", "test.needs_arg", "test.bad_init", max_attempts=1)
    reg.register("test.bad_cast", JOBS["test.noop"], cast_args=lambda data: 1 / 0)
    good = schedule(database, reg, "test.noop", 5)
    failing = schedule(database, reg, "test.fail")[0]
    bad_init = schedule(database, reg, "test.bad_init")[0]
    bad_cast = schedule(database, reg, "test.bad_cast", max_attempts=1)[0]
    # Arguments that fitted when the event was scheduled but not the class any more (stored directly).
    now = get_clock().now()
    [stale] = EventStore(database).insert_events(
        [NewEvent("test.needs_arg", {"type": "once", "version": 1, "when": now.isoformat()}, now, now, max_attempts=1)]
    )
    _worker(database, reg, concurrency=2).run_burst()
    history = history_by_event(database)
    for event_id in good:
        assert [s for s, *_ in history[event_id]] == ["SUCCESS"]
    (status, _, _, _, _, text_) = history[failing][0]
    assert status == "ERROR" and "RuntimeError: this job always fails" in text_ and "Traceback" in text_
    (status, _, _, _, _, text_) = history[stale][0]
    assert status == "ERROR" and "no longer fit" in text_ and "'x'" in text_
    (status, _, _, _, _, text_) = history[bad_init][0]
    assert status == "ERROR" and "constructor raised" in text_ and "constructor refuses" in text_
    (status, _, _, _, _, text_) = history[bad_cast][0]
    assert status == "ERROR" and "ZeroDivisionError" in text_
    store = EventStore(database)
    assert {store.get_event(i).state for i in (failing, stale, bad_init, bad_cast)} == {"failed"}


def test_a_hung_job_times_out_and_holds_its_slot_until_it_returns(
    database: Database, reg: EventTypeRegistry, fake_clock: FakeClock, workers: list[Worker]
) -> None:
    register(reg, "test.gate")
    name = f"hang-{database.dialect}"
    hung = schedule(database, reg, "test.gate", action_data={"gate": name}, timeout=30, max_attempts=1)[0]
    worker = _worker(database, reg, concurrency=1)
    workers.append(worker)
    worker.start()
    assert started(name).wait(10)
    fake_clock.advance(31)
    wait_until(lambda: history_by_event(database, [hung]), what="the TIMEOUT row")
    [(status, attempt, _, _, _, text_)] = history_by_event(database)[hung]
    assert (status, attempt) == ("TIMEOUT", 1) and "timed out after 30 s" in text_
    store = EventStore(database)
    assert store.get_event(hung).state == "failed"
    # The thread still runs the job: the only slot is not free, so nothing new is claimed into it.
    waiting = schedule(database, reg, "test.noop")[0]
    assert worker._slots.free() == 0
    assert store.get_event(waiting).state == "pending"
    gate(name).set()  # the abandoned job returns; its result is dropped and the slot is free again
    wait_until(lambda: store.get_event(waiting).state == "succeeded", what="the next event to run")
    assert _statuses(database, hung) == [("TIMEOUT", 1)]


def test_failures_retry_with_backoff_then_fail(
    database: Database, reg: EventTypeRegistry, fake_clock: FakeClock
) -> None:
    register(reg, "test.fail")
    event_id = schedule(database, reg, "test.fail", max_attempts=3, retry_backoff=10, dedupe_key="retry-me")[0]
    store = EventStore(database)
    for attempt, base in ((1, 10), (2, 20)):
        _worker(database, reg).run_burst()
        record = store.get_event(event_id)
        assert (record.state, record.attempt, record.last_status) == ("pending", attempt, "ERROR")
        delay = (record.next_run_at - fake_clock.now()).total_seconds()
        assert 0.75 * base <= delay <= 1.25 * base  # exponential, with jitter
        _worker(database, reg).run_burst()  # not due yet: nothing happens
        assert store.get_event(event_id).attempt == attempt
        fake_clock.advance(delay)
    _worker(database, reg).run_burst()
    record = store.get_event(event_id)
    assert (record.state, record.attempt, record.dedupe_key, record.run_count) == ("failed", 3, None, 3)
    assert _statuses(database, event_id) == [("ERROR", 1), ("ERROR", 2), ("ERROR", 3)]


def test_recurring_runs_each_occurrence_once_and_coalesces_after_downtime(
    database: Database, reg: EventTypeRegistry, fake_clock: FakeClock
) -> None:
    from botfactory.schedule import Interval

    t0 = fake_clock.now()  # 22:00, on the hour: an epoch-anchored hourly interval is due now
    event_id = schedule(database, reg, "test.count", schedule_data=Interval(timedelta(hours=1)))[0]
    _worker(database, reg).run_burst()
    _worker(database, reg).run_burst()  # nothing new is due: no second run of the same occurrence
    fake_clock.advance(timedelta(hours=1, seconds=5))
    _worker(database, reg).run_burst()
    fake_clock.advance(timedelta(hours=4, minutes=30))  # downtime: 4 occurrences missed
    _worker(database, reg).run_burst()
    record = EventStore(database).get_event(event_id)
    assert record.next_run_at == t0 + timedelta(hours=6)
    assert (record.state, record.attempt, record.run_count) == ("pending", 0, 3)
    fake_clock.set(t0 + timedelta(hours=6))
    _worker(database, reg).run_burst()
    occurrences = [row[3] for row in history_by_event(database)[event_id]]
    expected = [t0, t0 + timedelta(hours=1), t0 + timedelta(hours=2), t0 + timedelta(hours=6)]
    assert occurrences == expected  # one coalesced run for the missed ones, never a burst
    assert [r[2] for r in RUNS] == expected  # the job saw each occurrence as scheduled_for


def test_misfire_grace_records_missed(database: Database, reg: EventTypeRegistry, fake_clock: FakeClock) -> None:
    from botfactory.schedule import Interval

    t0 = fake_clock.now()
    recurring = schedule(database, reg, "test.count", schedule_data=Interval(timedelta(hours=1)), misfire_grace=60)[0]
    once = schedule(database, reg, "test.count", misfire_grace=60, dedupe_key="late-once")[0]
    fake_clock.advance(timedelta(minutes=90))
    _worker(database, reg).run_burst()
    store = EventStore(database)
    history = history_by_event(database)
    assert [(s, occ) for s, _, _, occ, _, _ in history[recurring]] == [("MISSED", t0)]
    assert "misfire_grace 60 s" in history[recurring][0][5]
    assert store.get_event(recurring).next_run_at == t0 + timedelta(hours=2)
    assert [s for s, *_ in history[once]] == ["MISSED"]
    record = store.get_event(once)
    assert (record.state, record.last_status, record.dedupe_key, record.run_count) == ("skipped", "MISSED", None, 0)
    assert RUNS == []


def test_job_history_multi_resource_and_before_run_hooks(database: Database, reg: EventTypeRegistry) -> None:
    own = schedule(database, reg, "test.own_history", action_data={"status": "ERROR"}, max_attempts=1)[0]
    multi = schedule(database, reg, "test.multi", resources=lambda i: ["a", "b", "skip-me"])[0]
    single = schedule(database, reg, "test.count", resources=lambda i: ["x", "y"])[0]

    def hook(event: Any, resource_id: str | None) -> str | None:
        return "resource is gone" if resource_id == "skip-me" else None

    register_before_run(hook)
    try:
        _worker(database, reg).run_burst()
    finally:
        unregister_before_run(hook)
    history = history_by_event(database)
    [(status, _, _, _, _, text_)] = history[own]  # recorded by the job itself, not twice
    assert status == "ERROR" and "by the job" in text_
    assert EventStore(database).get_event(own).state == "failed"
    assert sorted((rid, s) for s, _, rid, *_ in history[multi]) == [
        ("a", "SUCCESS"),
        ("b", "SUCCESS"),
        ("skip-me", "SKIPPED"),
    ]
    assert sorted((rid, s) for s, _, rid, *_ in history[single]) == [("x", "SUCCESS"), ("y", "SUCCESS")]
    assert (multi, "a,b") in [(r[0], r[1]) for r in RUNS]  # one run of the multi job without the skipped one
    assert sorted(r[1] for r in RUNS if r[0] == single) == ["x", "y"]  # one run per resource


def test_an_unregistered_type_waits_untouched_then_runs(
    database: Database, reg: EventTypeRegistry, workers: list[Worker]
) -> None:
    register(reg, "test.gate")
    waiting = schedule(database, reg, "test.gate", 3, action_data={"gate": "never-mind"})
    gate("never-mind").set()
    spec = reg.unregister("test.gate")
    worker = _worker(database, reg, poll=0.05)
    workers.append(worker)
    worker.start()
    marker = schedule(database, reg, "test.noop")[0]
    store = EventStore(database)
    wait_until(lambda: store.get_event(marker).state == "succeeded", what="the worker to claim")
    for event_id in waiting:
        record = store.get_event(event_id)
        assert (record.state, record.attempt, record.lease_owner, record.last_status) == ("pending", 0, None, None)
    assert not history_by_event(database, waiting)
    reg.add(spec)  # the plugin is loaded again: the worker widens what it claims
    wait_until(lambda: all(store.get_event(i).state == "succeeded" for i in waiting), what="the waiting events")


def test_an_idle_worker_wakes_when_something_is_scheduled(
    database: Database, reg: EventTypeRegistry, workers: list[Worker]
) -> None:
    worker = _worker(database, reg, poll=60)  # polling alone would take a minute
    workers.append(worker)
    worker.start()
    event_id = schedule(database, reg, "test.noop")[0]
    store = EventStore(database)
    wait_until(lambda: store.get_event(event_id).state == "succeeded", timeout=10, what="the in-process wake-up")


def test_postgres_notify_wakes_an_idle_worker(
    database: Database, reg: EventTypeRegistry, workers: list[Worker]
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    worker = _worker(database, reg, poll=60)
    workers.append(worker)
    worker.start()
    assert worker._listener is not None and worker._listener.connected.wait(10)
    signals.unsubscribe(worker._on_due)  # as if the event came from another process: only NOTIFY can wake it
    now = get_clock().now()
    when = {"type": "once", "version": 1, "when": now.isoformat()}
    [event_id] = EventStore(database).insert_events([NewEvent("test.noop", when, now, now)])  # sends pg_notify
    store = EventStore(database)
    wait_until(lambda: store.get_event(event_id).state == "succeeded", timeout=10, what="the NOTIFY wake-up")


def test_workers_register_heartbeat_and_stop(database: Database, reg: EventTypeRegistry) -> None:
    worker = _worker(database, reg, types=["test.noop", "not.loaded"])
    with worker:
        [row] = EventStore(database).list_workers(dead_after=60)
        assert (row.name, row.event_types, row.concurrency) == (worker.name, ["test.noop"], 4)
    assert EventStore(database).list_workers(dead_after=60) == []

"""ScheduledEventTracker: checked calls, one transaction per block, batched writes, dedupe."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from botfactory import schedule
from botfactory.clock import FakeClock
from botfactory.db import Database
from botfactory.errors import ValidationError
from botfactory.events import (
    EventStore,
    MultiResourceScheduledEventJob,
    ScheduledEventJob,
    ScheduledEventTracker,
    registry,
)
from botfactory.events.context import bot_run_scope


class NoteJob(ScheduledEventJob):
    def __init__(self, resource_id, user_resource_id, scheduled_event_id, scheduled_event_type, note, level=1):
        super().__init__(resource_id, user_resource_id, scheduled_event_id, scheduled_event_type)
        self.note, self.level = note, level

    def run(self) -> None:
        pass


class AnyJob(MultiResourceScheduledEventJob):
    def run(self) -> None:
        pass


@dataclass
class Bot:
    bot_id: int
    resource_id: str
    name: str = "bot"


@dataclass
class Res:
    resource_id: str


@pytest.fixture(autouse=True)
def _types() -> None:
    registry.register("test.note", NoteJob)
    registry.register("test.any", AnyJob, max_attempts=7)


def test_events_commit_together_on_exit(database: Database, fake_clock: FakeClock) -> None:
    store = EventStore(database)
    when = datetime(2026, 5, 16, 10, 0)  # naive: UTC, as datetime.utcnow() gives
    with ScheduledEventTracker() as tracker:
        tracker.schedule_event(
            "test.note", schedule.Once(when=when), "first", resources=["instance:1:r:i-1:"], action_data={"note": "a"}
        )
        tracker.schedule_event("test.any", schedule.Once(when=when), "second", action_data='{"x": [1, 2]}')
        assert store.count_events() == 0, "nothing is written before the block ends"
    events = sorted(store.list_events(), key=lambda e: e.id)
    assert [e.description for e in events] == ["first", "second"]
    first, second = events
    assert first.state == "pending"
    assert first.next_run_at == datetime(2026, 5, 16, 10, 0, tzinfo=UTC)
    assert first.resource_ids == ("instance:1:r:i-1:",)
    assert first.account_id == "1"
    assert first.action_data == {"note": "a"}
    assert first.max_attempts == 3
    assert second.action_data == {"x": [1, 2]} and second.max_attempts == 7
    assert first.schedule == schedule.Once(when=when).to_json()
    assert [h.id for h in tracker.scheduled] == [first.id, second.id]


def test_nothing_is_written_when_the_block_raises(database: Database) -> None:
    store = EventStore(database)
    with pytest.raises(RuntimeError), ScheduledEventTracker() as tracker:
        tracker.schedule_event("test.any", schedule.Once(when=datetime(2030, 1, 1)))
        raise RuntimeError("boom")
    assert store.count_events() == 0


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"event_type": "test.nope"}, "event_type", "not registered"),
        ({"schedule_data": "tomorrow"}, "schedule_data", ""),
        ({"schedule_data": 42}, "schedule_data", "schedule"),
        ({"action_data": "{not json"}, "action_data", "not valid JSON"),
        ({"action_data": [1, 2]}, "action_data", "JSON object"),
        ({"action_data": {"note": datetime(2026, 1, 1)}}, "action_data", "JSON"),
        ({"action_data": {"note": "x", "colour": "red"}}, "action_data", "colour"),
        ({"action_data": {}}, "action_data", "note"),
        ({"action_data": {"note": "x", "resource_id": "y"}}, "action_data", "resource_id"),
        ({"max_attempts": 0}, "max_attempts", ""),
        ({"timeout": -1}, "timeout", ""),
    ],
)
def test_bad_calls_fail_at_once_naming_the_field(sqlite_database: Database, kwargs, field, words) -> None:
    call = {
        "event_type": "test.note",
        "schedule_data": schedule.Once(when=datetime(2030, 1, 1)),
        "action_data": {"note": "x"},
    }
    call.update(kwargs)
    with ScheduledEventTracker() as tracker, pytest.raises(ValidationError) as err:
        tracker.schedule_event(**call)
    assert err.value.field == field
    assert words in str(err.value)
    assert EventStore(sqlite_database).count_events() == 0


def test_schedule_given_as_json_is_accepted(sqlite_database: Database) -> None:
    with ScheduledEventTracker() as tracker:
        tracker.schedule_event("test.any", json.dumps(schedule.Periodic(hours=2).to_json()))
    (event,) = EventStore(sqlite_database).list_events()
    assert event.schedule_object() == schedule.Periodic(hours=2)


def test_ten_thousand_events_take_few_round_trips(database: Database) -> None:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        with ScheduledEventTracker(database) as tracker:
            for i in range(10_000):
                tracker.schedule_event(
                    "test.any", schedule.Once(when=datetime(2030, 1, 1)), resources=[f"instance:1:us-east-1:i-{i}:"]
                )
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert EventStore(database).count_events() == 10_000
    # Rows go in chunks of 500 (events) and 2,000 (resources): 20 + 5 inserts, plus BEGIN/COMMIT noise.
    assert len(statements) < 60, f"{len(statements)} statements for 10,000 events"


def test_dedupe_key_keeps_one_live_event(database: Database) -> None:
    store = EventStore(database)
    for _ in range(2):
        with ScheduledEventTracker() as tracker:
            a = tracker.schedule_event("test.any", schedule.Once(when=datetime(2030, 1, 1)), dedupe_key="k1")
            b = tracker.schedule_event("test.any", schedule.Once(when=datetime(2030, 1, 1)), dedupe_key="k1")
    assert store.count_events() == 1
    assert a.id == b.id
    store.cancel_event(a.id)
    with ScheduledEventTracker() as tracker:
        c = tracker.schedule_event("test.any", schedule.Once(when=datetime(2030, 1, 1)), dedupe_key="k1")
    assert c.id != a.id, "a key is free again once its event has ended"
    assert store.count_events() == 2


def test_bot_events_dedupe_and_revalidate_only_inside_a_bot_run(sqlite_database: Database) -> None:
    store = EventStore(sqlite_database)
    bot = Bot(bot_id=7, resource_id="divvybot:1:7:")
    res = Res("instance:1:us-east-1:i-9:")
    when = schedule.Once(when=datetime(2030, 1, 1))
    for _ in range(2):
        with bot_run_scope(7), ScheduledEventTracker() as tracker:
            tracker.schedule_bot_event(bot, res, "stop it", "test.any", when)
    (event,) = store.list_events()
    assert event.revalidate and event.dedupe_key
    assert event.bot_id == "7" and event.created_by == "divvybot:1:7:"
    # Outside a run (a script calling the tracker) nothing is deduplicated or re-validated.
    with ScheduledEventTracker() as tracker:
        tracker.schedule_bot_event(bot, res, "stop it", "test.any", when)
    outside = [e for e in store.list_events() if e.id != event.id]
    assert len(outside) == 1 and not outside[0].revalidate and outside[0].dedupe_key is None


def test_dry_run_writes_nothing_but_reports(sqlite_database: Database) -> None:
    with bot_run_scope(3, dry_run=True), ScheduledEventTracker() as tracker:
        tracker.schedule_bot_event(
            Bot(3, "divvybot:1:3:"), Res("instance:1:r:i-1:"), "d", "test.any", schedule.Once(when=datetime(2030, 1, 1))
        )
    assert EventStore(sqlite_database).count_events() == 0
    assert [h.resource_ids for h in tracker.scheduled] == [("instance:1:r:i-1:",)]


def test_a_past_once_is_due_immediately(sqlite_database: Database, fake_clock: FakeClock) -> None:
    past = fake_clock.now() - timedelta(hours=1)
    with ScheduledEventTracker() as tracker:
        tracker.schedule_event("test.any", schedule.Once(when=past))
    (event,) = EventStore(sqlite_database).list_events()
    assert event.next_run_at == past and event.state == "pending"


def test_recurring_first_occurrence_is_at_or_after_now(sqlite_database: Database, fake_clock: FakeClock) -> None:
    with ScheduledEventTracker() as tracker:
        tracker.schedule_event("test.any", schedule.Periodic(hours=2))
    (event,) = EventStore(sqlite_database).list_events()
    now = fake_clock.now()
    assert now <= event.next_run_at < now + timedelta(hours=2)
    assert event.next_run_at.hour % 2 == 0 and event.next_run_at.minute == 0

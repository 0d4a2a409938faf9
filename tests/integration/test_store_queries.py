"""Listing, filtering, cancelling and run-now on the events store, on every database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from botfactory import schedule
from botfactory.clock import FakeClock
from botfactory.db import Database
from botfactory.db.models import event_history
from botfactory.errors import Conflict, NotFound
from botfactory.events import EventFilter, EventStore, HistoryFilter, MultiResourceScheduledEventJob, registry
from botfactory.events import ScheduledEventTracker as Tracker


class Job(MultiResourceScheduledEventJob):
    def run(self) -> None:
        pass


@pytest.fixture
def populated(database: Database, fake_clock: FakeClock) -> EventStore:
    registry.register("t.stop", Job)
    registry.register("t.start", Job)
    base = fake_clock.now()
    with Tracker() as tracker:
        for i in range(6):
            tracker.schedule_event(
                "t.stop" if i % 2 else "t.start",
                schedule.Once(when=base + timedelta(hours=i)),
                f"event {i}",
                resources=[f"instance:{1 + i % 3}:us-east-1:i-{i}:"],
                bot_id=100 + i % 2,
            )
    return EventStore(database)


def test_list_orders_by_due_time_and_filters(populated: EventStore, fake_clock: FakeClock) -> None:
    events = populated.list_events()
    assert [e.description for e in events] == [f"event {i}" for i in range(6)]
    assert [e.id for e in populated.list_events(EventFilter(event_types=["t.stop"]))] == [
        e.id for e in events if e.event_type == "t.stop"
    ]
    assert {e.bot_id for e in populated.list_events(EventFilter(bot_id="101"))} == {"101"}
    assert [e.account_id for e in populated.list_events(EventFilter(account_id="2"))] == ["2", "2"]
    by_resource = populated.list_events(EventFilter(resource_id="instance:3:us-east-1:i-5:"))
    assert [e.description for e in by_resource] == ["event 5"]
    window = populated.list_events(
        EventFilter(since=fake_clock.now() + timedelta(hours=2), until=fake_clock.now() + timedelta(hours=4))
    )
    assert [e.description for e in window] == ["event 2", "event 3"]
    assert len(populated.list_events(limit=2)) == 2
    assert [e.description for e in populated.list_events(limit=2, offset=4)] == ["event 4", "event 5"]
    assert populated.count_events(EventFilter(states=["pending"])) == 6


def test_cancel_one_then_again_is_a_conflict(populated: EventStore) -> None:
    first = populated.list_events()[0]
    cancelled = populated.cancel_event(first.id)
    assert cancelled.state == "cancelled" and cancelled.next_run_at is None
    with pytest.raises(Conflict, match="only pending"):
        populated.cancel_event(first.id)
    with pytest.raises(NotFound):
        populated.cancel_event(999_999)


def test_cancel_by_filter_reports_how_many(populated: EventStore) -> None:
    assert populated.cancel_events(EventFilter(bot_id="100")) == 3
    assert populated.cancel_events(EventFilter(bot_id="100")) == 0
    assert populated.count_events(EventFilter(states=["cancelled"])) == 3
    assert populated.count_events(EventFilter(states=["pending"])) == 3


def test_run_now_makes_an_event_due(populated: EventStore, fake_clock: FakeClock) -> None:
    last = populated.list_events()[-1]
    assert last.next_run_at > fake_clock.now()
    fake_clock.advance(1)
    updated = populated.run_event_now(last.id)
    assert updated.next_run_at == fake_clock.now()
    assert [e.id for e in populated.list_events()][:2] == [populated.list_events()[0].id, last.id]


def test_history_filters_and_stats(populated: EventStore, fake_clock: FakeClock) -> None:
    events = populated.list_events()
    t0 = fake_clock.now()
    rows = [
        {
            "event_id": ev.id,
            "event_type": ev.event_type,
            "bot_id": ev.bot_id,
            "account_id": ev.account_id,
            "resource_id": ev.resource_ids[0],
            "scheduled_for": t0,
            "started_at": t0 + timedelta(minutes=n),
            "finished_at": t0 + timedelta(minutes=n, seconds=1),
            "status": "SUCCESS" if n % 3 else "ERROR",
            "attempt": 1,
            "worker": "host:1",
            "result_data": None,
        }
        for n, ev in enumerate(events)
    ]
    with populated.db.write() as conn:
        conn.execute(insert(event_history), rows)
    newest_first = populated.list_history()
    assert [h.event_id for h in newest_first] == [ev.id for ev in reversed(events)]
    assert newest_first[0].finished_at.tzinfo == UTC
    assert populated.count_history(HistoryFilter(statuses=["error"])) == 2
    assert {h.bot_id for h in populated.list_history(HistoryFilter(bot_id="101"))} == {"101"}
    assert len(populated.list_history(HistoryFilter(since=t0 + timedelta(minutes=3)))) == 3
    page = populated.list_history(HistoryFilter(before_id=newest_first[1].id), limit=2)
    assert [h.id for h in page] == [h.id for h in newest_first[2:4]]

    stats = populated.stats()
    assert stats["events_total"] == 6
    assert stats["events_by_state"] == {"pending": 6}
    assert stats["events_by_type"] == {"t.start": {"pending": 3}, "t.stop": {"pending": 3}}
    assert stats["history_by_status"] == {"SUCCESS": 4, "ERROR": 2}
    assert stats["next_due_at"] == datetime(2026, 5, 15, 22, 0, tzinfo=UTC)

"""The bot store on every backend: save, get, list, import/export, states, and keeping events in step."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from botfactory.bots.model import Bot
from botfactory.bots.runs import ActionOutcome, BotRun
from botfactory.bots.store import BotStore, run_event_key
from botfactory.bots.validation import BotValidationError
from botfactory.db import Database
from botfactory.errors import Conflict, NotFound
from botfactory.events.store import EventFilter, EventStore
from botfactory.events.tracker import ScheduledEventTracker
from botfactory.schedule import Once
from tests.fixtures.bots import bot_builtins_fixture, bot_doc, resource, stand_in_event_types_fixture  # noqa: F401

pytestmark = pytest.mark.usefixtures("stand_in_event_types")
HOURLY = {"type": "interval", "version": 1, "every": 3600, "start": None}


def _pending(db: Database, bot: Bot, event_types: tuple[str, ...] = ()) -> list:
    return EventStore(db).list_events(
        EventFilter(bot_id=str(bot.id), states=["pending"], event_types=event_types), limit=0
    )


def _schedule_for(db: Database, bot: Bot, count: int = 2) -> None:
    with ScheduledEventTracker(EventStore(db)) as tracker:
        for n in range(count):
            tracker.schedule_bot_event(
                bot,
                resource(native_id=f"i-{n}"),
                "stop it",
                "divvy.stop_resource",
                Once(datetime(2030, 1, 1, tzinfo=UTC)),
            )


def test_save_get_list_and_names(database: Database) -> None:
    store = BotStore(database)
    bot = store.save(bot_doc())
    assert bot.id is not None and bot.created_at is not None
    assert store.get(bot.id) == bot
    assert store.get(str(bot.id)) == bot
    assert store.get("Stop untagged instances") == bot
    other = store.save(bot_doc(name="Second", state="PAUSED"))
    assert [b.id for b in store.list()] == [bot.id, other.id]
    assert [b.name for b in store.list(["paused"])] == ["Second"]
    with pytest.raises(NotFound):
        store.get(999_999)
    with pytest.raises(BotValidationError) as info:
        store.save(bot_doc(name="Second"))
    assert info.value.problems[0].field == "name"
    with pytest.raises(BotValidationError):
        store.save(bot.with_changes(name="Second"))


def test_import_creates_then_updates_and_export_round_trips(database: Database) -> None:
    store = BotStore(database)
    bot, created = store.import_bot(bot_doc())
    assert created
    again, created = store.import_bot(bot_doc(description="changed", id=12345))
    assert not created and again.id == bot.id and again.description == "changed"
    exported = store.export_bot(bot.id)
    assert exported["id"] == bot.id and exported["resource_id"] == f"divvybot:1:{bot.id}:"
    assert store.import_bot(exported) == (store.get(bot.id), False)
    assert len(store.list()) == 1


def test_invalid_bots_are_not_stored(database: Database) -> None:
    store = BotStore(database)
    with pytest.raises(BotValidationError) as info:
        store.save(
            bot_doc(instructions={"actions": [{"name": "divvy.action.scheduled_stop", "config": {"hours": -2}}]})
        )
    assert [(p.element, p.field) for p in info.value.problems] == [("action divvy.action.scheduled_stop (#1)", "hours")]
    assert store.list() == []


def test_pause_and_archive_cancel_pending_events_and_keep_history(database: Database) -> None:
    store = BotStore(database)
    bot = store.save(bot_doc())
    _schedule_for(database, bot)
    assert len(_pending(database, bot)) == 2
    paused = store.pause(bot.id)
    assert paused.state == "PAUSED" and _pending(database, bot) == []
    cancelled = EventStore(database).list_events(EventFilter(bot_id=str(bot.id), states=["cancelled"]), limit=0)
    assert len(cancelled) == 2  # still there, as cancelled
    store.resume(bot.id)
    _schedule_for(database, bot, 1)
    assert store.archive(bot.id).state == "ARCHIVED" and _pending(database, bot) == []
    with pytest.raises(Conflict):
        store.pause(bot.id)


def test_reconfiguring_cancels_but_a_new_description_does_not(database: Database) -> None:
    store = BotStore(database)
    bot = store.save(bot_doc())
    _schedule_for(database, bot)
    store.save(bot.with_changes(description="Just words"))
    assert len(_pending(database, bot)) == 2
    changed = bot_doc(instructions={"filters": [{"name": "divvy.filter.tag_absent", "config": {"tag_key": "Team"}}]})
    store.save({**changed, "id": bot.id})
    assert _pending(database, bot) == []


def test_a_scheduled_bot_keeps_exactly_one_run_event(database: Database) -> None:
    store = BotStore(database)
    bot = store.save(bot_doc(schedule=HOURLY))
    runs = _pending(database, bot, ("botfactory.run_bot",))
    assert len(runs) == 1 and runs[0].action_data == {"bot_id": bot.id} and runs[0].created_by == bot.resource_id
    store.save(bot.with_changes(description="again"))
    assert [e.id for e in _pending(database, bot, ("botfactory.run_bot",))] == [runs[0].id]
    store.pause(bot.id)
    assert _pending(database, bot, ("botfactory.run_bot",)) == []
    store.resume(bot.id)
    resumed = _pending(database, bot, ("botfactory.run_bot",))
    assert len(resumed) == 1 and resumed[0].id != runs[0].id
    daily = {"type": "daily", "version": 1, "time": "02:00:00", "tz": "UTC"}
    store.save(store.get(bot.id).with_changes(schedule=daily))
    live = _pending(database, bot, ("botfactory.run_bot",))
    assert len(live) == 1 and live[0].schedule == daily
    store.save(store.get(bot.id).with_changes(schedule=None))
    assert _pending(database, bot, ("botfactory.run_bot",)) == []
    assert run_event_key(bot.id) == f"botfactory.run_bot:{bot.id}"


def test_runs_are_recorded_and_listed_newest_first(database: Database) -> None:
    store = BotStore(database)
    bot = store.save(bot_doc())
    for n in range(3):
        run = BotRun(bot.id, bot.name, "manual", n == 2, datetime(2026, 1, 1, n, tzinfo=UTC))
        run.finished_at, run.duration, run.scanned, run.matches, run.non_matches = run.started_at, 0.5, 3, 1, 2
        run.actions = [
            ActionOutcome("divvy.action.scheduled_stop", "ok", detail={"scheduled": 1, "when": run.started_at})
        ]
        run.errors = ["one"] if n == 1 else []
        store.record_run(run)
    runs = store.list_runs(bot.id)
    assert [r.started_at.hour for r in runs] == [2, 1, 0]
    assert runs[0].dry_run and runs[1].status == "partial" and runs[2].status == "success"
    assert runs[0].actions[0].detail["scheduled"] == 1
    assert store.count_runs(bot.id) == 3


def test_odd_ids_and_names(database: Database) -> None:
    store = BotStore(database)
    for missing in (2**70, "99999999999999999999999", 0, "nobody"):
        with pytest.raises(NotFound):
            store.get(missing)
    with pytest.raises(BotValidationError) as info:
        store.save(bot_doc(name="12345"))
    assert info.value.problems[0].field == "name"

"""The bot engine over stored resources (SQLite): matches, actions, dry runs, failures, dedupe, re-validation,
scheduled runs and hookpoints. Cloud jobs are stand-ins here; the emulator tests run the real ones."""

from __future__ import annotations

from datetime import timedelta

import pytest

from botfactory.bots import registry as reg
from botfactory.bots.engine import BotEngine
from botfactory.bots.registry import BotFactoryRegistryWrapper
from botfactory.bots.revalidate import revalidate
from botfactory.bots.store import BotStore
from botfactory.clock import FakeClock
from botfactory.db import Database
from botfactory.errors import Conflict
from botfactory.events import Worker
from botfactory.events.store import EventFilter, EventStore, HistoryFilter
from botfactory.resources import hookpoints
from botfactory.resources.store import ResourceStore
from tests.fixtures.bots import (  # noqa: F401  (fixtures)
    RecordingJob,
    bot_builtins_fixture,
    bot_doc,
    fleet_fixture,
    resource,
    stand_in_event_types_fixture,
    store_resources,
)

pytestmark = pytest.mark.usefixtures("stand_in_event_types", "fake_clock")


def _events(db: Database, bot_id: int, **kw) -> list:
    return EventStore(db).list_events(EventFilter(bot_id=str(bot_id), **kw), limit=0)


def test_run_schedules_one_event_per_match_and_again_adds_none(sqlite_database: Database, fleet: list) -> None:
    bot = BotStore(sqlite_database).save(bot_doc())
    run = BotEngine(sqlite_database).run(bot.id)
    assert (run.scanned, run.matches, run.non_matches, run.status) == (6, 4, 2, "success")
    assert sorted(run.matched_ids) == sorted(r.get_resource_id() for r in fleet[:4])
    outcome = run.outcome("divvy.action.scheduled_stop")
    assert outcome.status == "ok" and outcome.detail["scheduled"] == 4
    events = _events(sqlite_database, bot.id)
    assert len(events) == 4
    assert all(e.revalidate and e.dedupe_key and e.created_by == bot.resource_id for e in events)
    assert all(e.event_type == "divvy.stop_resource" and e.schedule["type"] == "once" for e in events)
    BotEngine(sqlite_database).run(bot.id)
    assert len(_events(sqlite_database, bot.id)) == 4
    runs = BotStore(sqlite_database).list_runs(bot.id)
    assert len(runs) == 2 and runs[0].matches == 4 and runs[0].actions[0].status == "ok"


def test_scope_narrows_by_account_and_region(sqlite_database: Database, fleet: list) -> None:
    store_resources(sqlite_database, [resource(native_id="i-other", account="2")])
    bot = BotStore(sqlite_database).save(bot_doc(instructions={"regions": ["us-west-2"]}))
    assert BotEngine(sqlite_database).run(bot.id, dry_run=True).matches == 2
    other = BotStore(sqlite_database).save(bot_doc(name="Account 2", instructions={"accounts": ["2"]}))
    assert BotEngine(sqlite_database).run(other.id, dry_run=True).matched_ids == ["instance:2:us-east-1:i-other:"]


def test_dry_run_schedules_nothing_and_says_what_it_would(sqlite_database: Database, fleet: list) -> None:
    calls = []
    reg.action("test.action.opaque", bulk_action=True)(lambda bot, s, m, n: calls.append(m))
    bot = BotStore(sqlite_database).save(
        bot_doc(
            instructions={
                "actions": [
                    {"name": "divvy.action.scheduled_stop", "config": {"hours": 0.25}},
                    {"name": "divvy.action.log_message", "config": {"message": "{{ resource.native_id }} untagged"}},
                    {"name": "test.action.opaque"},
                ]
            }
        )
    )
    run = BotEngine(sqlite_database).run(bot.id, dry_run=True)
    stop = run.outcome("divvy.action.scheduled_stop")
    assert stop.detail["would_schedule"] == 4 and len(stop.detail["events"]) == 4
    assert run.outcome("divvy.action.log_message").detail["sample"][0].endswith("untagged")
    assert run.outcome("test.action.opaque").status == "not_run" and calls == []
    assert _events(sqlite_database, bot.id) == []
    assert BotStore(sqlite_database).list_runs(bot.id)[0].dry_run


def test_a_failing_action_is_recorded_and_the_others_still_run(sqlite_database: Database, fleet: list) -> None:
    def explode(bot, settings, matches, non_matches):
        raise RuntimeError("boom")

    reg.action("test.action.explode", bulk_action=True)(explode)
    bot = BotStore(sqlite_database).save(
        bot_doc(
            instructions={
                "actions": [
                    {"name": "test.action.explode"},
                    {"name": "divvy.action.scheduled_stop", "config": {"hours": 1}},
                ]
            }
        )
    )
    reg.actions.unregister("divvy.action.scheduled_stop")  # as if its plugin were unloaded after saving
    reg.action("test.action.later", bulk_action=True)(lambda *a: {"ok": True})
    run = BotEngine(sqlite_database).run(bot.id)
    assert run.outcome("test.action.explode").status == "error"
    assert "RuntimeError: boom" in run.outcome("test.action.explode").error
    assert run.outcome("divvy.action.scheduled_stop").status == "unavailable"
    assert run.status == "partial"
    stored = BotStore(sqlite_database).list_runs(bot.id)[0]
    assert [a.status for a in stored.actions] == ["error", "unavailable"]


def test_legacy_per_resource_actions_and_complements(sqlite_database: Database, fleet: list) -> None:
    seen = []
    registry = BotFactoryRegistryWrapper()

    @registry.action(uid="test.action.legacy", accepts_complement=True)  # bulk_action defaults to False
    def legacy(event, bot, settings):
        seen.append((event.kind, event.resource.native_id, event.bot_id, event.bot_name))

    registry.load()
    bot = BotStore(sqlite_database).save(
        bot_doc(
            instructions={
                "actions": [{"name": "test.action.legacy"}, {"name": "test.action.legacy", "run_when_result_is": False}]
            }
        )
    )
    run = BotEngine(sqlite_database).run(bot.id)
    assert [a.detail["called"] for a in run.actions] == [4, 2]
    assert ("match", "i-1", bot.id, bot.name) in seen
    assert ("non_match", "i-owned", bot.id, bot.name) in seen
    registry.unload()


def test_a_missing_or_failing_filter(sqlite_database: Database, fleet: list) -> None:
    reg.filter("test.filter.fragile")(lambda r, s: r.native_id != "i-2" or 1 / 0)
    bot = BotStore(sqlite_database).save(bot_doc(instructions={"filters": [{"name": "test.filter.fragile"}]}))
    run = BotEngine(sqlite_database).run(bot.id, dry_run=True)
    assert run.non_matches == 1 and "ZeroDivisionError" in run.errors[0] and run.status == "partial"
    reg.filters.unregister("test.filter.fragile")
    run = BotEngine(sqlite_database).run(bot.id)
    assert run.failed and run.actions == [] and "not registered" in run.errors[0]
    assert _events(sqlite_database, bot.id) == []


def test_only_running_bots_act(sqlite_database: Database, fleet: list) -> None:
    bot = BotStore(sqlite_database).save(bot_doc(state="PAUSED"))
    with pytest.raises(Conflict):
        BotEngine(sqlite_database).run(bot.id)
    assert BotEngine(sqlite_database).run(bot.id, dry_run=True).matches == 4


def test_revalidation_skips_what_no_longer_matches(
    sqlite_database: Database, fleet: list, fake_clock: FakeClock
) -> None:
    stop_soon = {"name": "divvy.action.scheduled_stop", "config": {"hours": 0.01}}
    bot = BotStore(sqlite_database).save(bot_doc(instructions={"actions": [stop_soon]}))
    BotEngine(sqlite_database).run(bot.id)
    events = {e.resource_ids[0]: e for e in _events(sqlite_database, bot.id)}
    fixed, gone = fleet[0], fleet[1]
    store_resources(sqlite_database, [resource(native_id="i-1", tags={"Owner": "bob"}), fleet[2], fleet[3]])
    ResourceStore(sqlite_database).mark_deleted([gone.resource_id])
    assert "no longer matches filter divvy.filter.tag_absent" in revalidate(
        events[fixed.get_resource_id()], fixed.get_resource_id()
    )
    assert "destroyed" in revalidate(events[gone.get_resource_id()], gone.get_resource_id())
    assert revalidate(events[fleet[2].get_resource_id()], fleet[2].get_resource_id()) is None

    fake_clock.advance(timedelta(hours=0.02))
    Worker(sqlite_database, concurrency=2, housekeeping=False, listen=False).run_burst()
    history = {h.resource_id: h for h in EventStore(sqlite_database).list_history(HistoryFilter(bot_id=str(bot.id)))}
    assert history[fixed.get_resource_id()].status == "SKIPPED"
    assert "no longer matches" in history[fixed.get_resource_id()].result_data
    assert history[gone.get_resource_id()].status == "SKIPPED"
    assert history[fleet[2].get_resource_id()].status == "SUCCESS"
    assert sorted(c[1] for c in RecordingJob.calls) == sorted([fleet[2].get_resource_id(), fleet[3].get_resource_id()])


def test_events_scheduled_outside_a_bot_run_are_not_revalidated(sqlite_database: Database, fleet: list) -> None:
    from botfactory.events.tracker import ScheduledEventTracker
    from botfactory.schedule import schedule_hours_from_now

    bot = BotStore(sqlite_database).save(bot_doc())
    with ScheduledEventTracker(EventStore(sqlite_database)) as tracker:
        tracker.schedule_bot_event(bot, fleet[4], "by hand", "divvy.stop_resource", schedule_hours_from_now(0))
    (event,) = _events(sqlite_database, bot.id)
    assert not event.revalidate and revalidate(event, fleet[4].get_resource_id()) is None


def test_a_scheduled_bot_runs_as_a_recurring_event(
    sqlite_database: Database, fleet: list, fake_clock: FakeClock
) -> None:
    bot = BotStore(sqlite_database).save(bot_doc(schedule={"type": "interval", "version": 1, "every": 600}))
    fake_clock.advance(timedelta(minutes=11))
    Worker(sqlite_database, concurrency=1, housekeeping=False, listen=False).run_burst()
    runs = BotStore(sqlite_database).list_runs(bot.id)
    assert len(runs) == 1 and runs[0].trigger == "schedule" and runs[0].matches == 4
    assert len(_events(sqlite_database, bot.id, event_types=["divvy.stop_resource"])) == 4
    (run_event,) = _events(sqlite_database, bot.id, event_types=["botfactory.run_bot"])
    assert run_event.state == "pending" and run_event.run_count == 1


def test_hookpoint_bots_run_for_the_resource_that_changed(sqlite_database: Database, fleet: list) -> None:
    bot = BotStore(sqlite_database).save(
        bot_doc(name="On create", instructions={"hookpoints": ["divvycloud.instance.created"]})
    )
    BotStore(sqlite_database).save(bot_doc(name="Not listening"))
    new = resource(native_id="i-new")
    store_resources(sqlite_database, [new])
    assert hookpoints.emit("created", new) >= 1
    runs = BotStore(sqlite_database).list_runs(bot.id)
    assert len(runs) == 1 and runs[0].trigger == "hookpoint" and runs[0].resource_id == new.get_resource_id()
    assert [e.resource_ids for e in _events(sqlite_database, bot.id)] == [(new.get_resource_id(),)]
    hookpoints.emit("created", resource("bucket", "b1"))
    assert len(BotStore(sqlite_database).list_runs(bot.id)) == 1  # another type: not in its scope

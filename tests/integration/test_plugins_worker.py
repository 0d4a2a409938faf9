"""Plugins and workers (DESIGN §4): an unloaded plugin's events wait untouched, enabling it runs them, and a broken
plugin does not stop a worker."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from botfactory import schedule
from botfactory.clock import now
from botfactory.db import Database
from botfactory.events import EventStore, HistoryFilter, ScheduledEventTracker
from botfactory.events.worker import Worker
from botfactory.plugins.manager import PluginManager
from tests.integration.plugin_support import CALLS, job_plugin, make_manager, plugins_dir, write_plugin

__all__ = ["make_manager", "plugins_dir"]


def _schedule(db: Database, event_type: str, count: int) -> list[int]:
    with ScheduledEventTracker(db) as tracker:
        for i in range(count):
            tracker.schedule_event(event_type, schedule.Once(when=now()), f"#{i}", resources=[f"instance:1:r:i-{i}:"])
    return [handle.id for handle in tracker.scheduled if handle.id is not None]


def _worker(db: Database, **options: object) -> Worker:
    return Worker(db, concurrency=2, poll=0.05, lease=30, housekeeping=False, listen=False, **options)  # type: ignore[arg-type]


def test_disabled_plugin_events_wait_untouched_and_run_once_enabled(
    database: Database, plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    write_plugin(plugins_dir, "waiting", job_plugin("waiting.job"))
    manager = make_manager(database)
    manager.start()
    ids = _schedule(database, "waiting.job", 3)
    manager.disable("waiting")
    manager.apply_wanted_state()

    assert _worker(database).run_burst() == 0
    store = EventStore(database)
    for event_id in ids:
        event = store.get_event(event_id)
        assert (event.state, event.attempt, event.lease_owner, event.last_status) == ("pending", 0, None, None)
    assert store.count_history(HistoryFilter(event_types=["waiting.job"])) == 0

    manager.enable("waiting")
    manager.apply_wanted_state()
    assert _worker(database).run_burst() == 3
    assert {store.get_event(event_id).state for event_id in ids} == {"succeeded"}
    assert sorted(event_id for name, event_id in CALLS if name == "waiting.job") == sorted(ids)


def test_a_running_worker_picks_up_an_enabled_plugin(
    sqlite_database: Database, plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    write_plugin(plugins_dir, "late", job_plugin("late.job"))
    manager = make_manager(sqlite_database)
    manager.start()
    ids = _schedule(sqlite_database, "late.job", 2)
    manager.disable("late")
    manager.apply_wanted_state()
    store = EventStore(sqlite_database)
    with _worker(sqlite_database) as worker:
        assert "late.job" not in worker.types
        manager.enable("late")
        manager.apply_wanted_state()  # the registry change wakes the worker, which widens what it claims
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and {store.get_event(i).state for i in ids} != {"succeeded"}:
            time.sleep(0.02)
    assert {store.get_event(i).state for i in ids} == {"succeeded"}


def test_a_broken_plugin_does_not_stop_the_worker(
    sqlite_database: Database, plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    write_plugin(plugins_dir, "broken", {"plugin.py": "raise RuntimeError('broken at import')\n"})
    write_plugin(plugins_dir, "healthy", job_plugin("healthy.job"))
    manager = make_manager(sqlite_database)
    report = manager.start()
    assert (report.loaded, report.failed) == (["healthy"], ["broken"])
    ids = _schedule(sqlite_database, "healthy.job", 2)
    assert _worker(sqlite_database).run_burst() == 2
    assert {EventStore(sqlite_database).get_event(i).state for i in ids} == {"succeeded"}

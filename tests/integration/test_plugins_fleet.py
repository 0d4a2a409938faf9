"""The wanted state in the database steers every process: two managers on one database stand for two processes,
and one real ``botfactory plugins disable`` process steers a manager syncing in the background."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from botfactory.db import Database
from botfactory.events.registry import registry
from botfactory.plugins.manager import PluginManager
from botfactory.plugins.state import PluginStateStore
from tests.integration.plugin_support import ROOT, job_plugin, make_manager, plugins_dir, write_plugin

__all__ = ["make_manager", "plugins_dir"]


def test_state_store_defaults_and_changes(database: Database) -> None:
    store = PluginStateStore(database)
    assert store.all() == {}
    assert (store.get("x").enabled, store.get("x").generation) == (True, 0)
    assert store.set_enabled("x", False, by="tester").enabled is False
    assert store.bump_generation("x").generation == 1
    assert store.bump_generation("y").generation == 1  # a reload of a never-touched plugin: row created
    state = store.set_enabled("x", True)
    assert (state.enabled, state.generation, state.updated_by) == (True, 1, None)
    assert set(store.all()) == {"x", "y"} and store.all()["y"].enabled is True
    assert store.get("x").updated_at is not None


def test_disable_enable_reload_reach_another_process_on_its_next_sync(
    database: Database, plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    folder = write_plugin(plugins_dir, "fleet", job_plugin("fleet.job", result="v1"))
    write_plugin(plugins_dir, "bystander", job_plugin("bystander.job"))
    here, there = make_manager(database), make_manager(database)
    here.start()
    there.start()
    assert there.get_status("fleet").state == "loaded"

    here.disable("fleet", by="tester")
    report = there.apply_wanted_state()
    assert report.unloaded == ["fleet"]
    status = there.get_status("fleet")
    assert (status.state, status.loaded, status.enabled, status.updated_by) == ("disabled", False, False, "tester")
    assert "fleet.job" not in registry and "bystander.job" in registry
    assert not there.apply_wanted_state().changed  # applying again changes nothing

    here.enable("fleet")
    assert there.apply_wanted_state().loaded == ["fleet"]
    assert registry.get("fleet.job").job_class().run() == "v1"

    (folder / "plugin.py").write_text((folder / "plugin.py").read_text().replace("'v1'", "'v2'"))
    here.reload("fleet")
    report = there.apply_wanted_state()
    assert (report.unloaded, report.loaded) == (["fleet"], ["fleet"])
    assert there.get_status("fleet").loaded_generation == 1
    assert registry.get("fleet.job").job_class().run() == "v2"


def test_a_plugin_known_only_to_the_database_is_listed_as_missing(
    database: Database, plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    PluginStateStore(database).set_enabled("elsewhere", False)
    manager = make_manager(database)
    manager.start()
    status = manager.get_status("elsewhere")
    assert (status.state, status.path, status.enabled) == ("missing", None, False)
    manager.enable("elsewhere")  # allowed: another machine may hold its folder


def test_the_background_sync_applies_a_change_within_its_interval(
    sqlite_database: Database, plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    write_plugin(plugins_dir, "synced", job_plugin("synced.job"))
    manager = make_manager(sqlite_database)
    manager.start()
    sync = manager.start_sync(interval=0.05)
    assert manager.start_sync(interval=0.05) is sync  # idempotent
    PluginStateStore(sqlite_database).set_enabled("synced", False)
    assert sync.wait_rounds(2, timeout=10)
    assert manager.get_status("synced").state == "disabled" and "synced.job" not in registry
    manager.stop_sync()
    assert not sync.is_alive()


def test_botfactory_plugins_disable_in_another_process_unloads_here(
    sqlite_database: Database, plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    write_plugin(plugins_dir, "remote", job_plugin("remote.job"))
    manager = make_manager(sqlite_database)
    manager.start()
    manager.start_sync(interval=0.1)
    url = sqlite_database.url.render_as_string(hide_password=False)
    env = {**os.environ, "BOTFACTORY_PLUGINS": str(plugins_dir), "BOTFACTORY_DATABASE_URL": url}
    cli = [sys.executable, "-c", "from botfactory.cli import main; main()", "plugins", "disable", "remote"]
    done = subprocess.run(cli, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "disabled" in done.stdout
    deadline = time.monotonic() + 10
    while manager.get_status("remote").loaded and time.monotonic() < deadline:
        time.sleep(0.02)  # bounded: the sync interval is 0.1 s
    assert manager.get_status("remote").state == "disabled"
    assert "remote.job" not in registry


def test_enable_or_reload_retries_a_plugin_that_failed(
    sqlite_database: Database, plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    write_plugin(plugins_dir, "fixable", {"plugin.py": "raise ImportError('not yet')\n"})
    manager = make_manager(sqlite_database)
    assert manager.start().failed == ["fixable"]
    assert not manager.apply_wanted_state().changed  # the same failure is not retried every sync
    manager.enable("fixable")  # already enabled: still a request to try again
    assert manager.apply_wanted_state().failed == ["fixable"]
    write_plugin(plugins_dir, "fixable", job_plugin("fixable.job"))  # the fix
    manager.reload("fixable")
    assert manager.apply_wanted_state().loaded == ["fixable"]
    assert manager.get_status("fixable").state == "loaded" and "fixable.job" in registry

"""Broken plugins are reported with their traceback and rolled back; the rest load; clashing uids are refused."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from botfactory.bots import registry as bot_registry
from botfactory.events.registry import registry
from botfactory.plugins.manager import PluginManager
from botfactory.resources import hookpoints
from tests.integration.plugin_support import job_plugin, make_manager, plugins_dir, write_plugin

__all__ = ["make_manager", "plugins_dir"]

PARTIAL_THEN_RAISE = """
    from botfactory.bots import registry as bots
    from botfactory.events import ScheduledEventJob, ScheduledEventRegistryWrapper, registry
    from botfactory.resources.hookpoints import hookpoint

    @registry.register("partial.module_level")
    class Early(ScheduledEventJob):
        pass

    wrapper = ScheduledEventRegistryWrapper()

    @wrapper.register("partial.wrapped")
    class Wrapped(ScheduledEventJob):
        pass

    @bots.action("partial.action")
    def act(bot, settings, matches, non_matches):
        return None

    @hookpoint("divvycloud.resource.created")
    def seen(resource):
        return None

    def load():
        wrapper.load()
        raise RuntimeError("load went wrong halfway")
"""

BROKEN = {
    "syntax": {"plugin.py": "def broken(:\n    pass\n"},
    "missing_import": {"plugin.py": "import botfactory_no_such_module_anywhere\n"},
    "partial": {"plugin.py": PARTIAL_THEN_RAISE},
    "exits": {"plugin.py": "import sys\nsys.exit(3)\n"},
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_plugin_is_reported_and_the_others_load(
    kind: str, plugins_dir: Path, make_manager: Callable[..., PluginManager], caplog: pytest.LogCaptureFixture
) -> None:
    write_plugin(plugins_dir, "a_good", job_plugin("a_good.job"))
    write_plugin(plugins_dir, kind, BROKEN[kind])
    write_plugin(plugins_dir, "z_good", job_plugin("z_good.job"))
    manager = make_manager()
    with caplog.at_level(logging.ERROR, logger="botfactory.plugins"):
        report = manager.start()
    assert report.loaded == ["a_good", "z_good"] and report.failed == [kind]
    status = manager.get_status(kind)
    assert (status.state, status.loaded) == ("error", False)
    assert status.traceback and "Traceback" in status.traceback
    assert str(plugins_dir / kind / "plugin.py") in status.traceback
    assert any(kind in record.getMessage() for record in caplog.records)
    assert "a_good.job" in registry and "z_good.job" in registry


def test_partial_registrations_of_a_failed_plugin_are_rolled_back(
    plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    write_plugin(plugins_dir, "partial", {"plugin.py": PARTIAL_THEN_RAISE})
    manager = make_manager()
    manager.start()
    assert "load went wrong halfway" in (manager.get_status("partial").error or "")
    assert "partial.module_level" not in registry and "partial.wrapped" not in registry
    assert "partial.action" not in bot_registry.actions
    assert hookpoints.names_owned_by("partial") == []
    assert not [name for name in sys.modules if name.startswith("botfactory_plugins.partial")]


def test_a_failed_plugin_is_not_retried_every_sync_but_after_reload_or_enable(
    plugins_dir: Path, make_manager: Callable[..., PluginManager], caplog: pytest.LogCaptureFixture
) -> None:
    folder = write_plugin(plugins_dir, "flaky", {"plugin.py": "raise ImportError('not yet')\n"})
    manager = make_manager()
    assert manager.start().failed == ["flaky"]
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="botfactory.plugins"):
        assert not manager.apply_wanted_state().changed
    assert not caplog.records
    (folder / "plugin.py").write_text("VALUE = 1\n")
    assert not manager.apply_wanted_state().changed  # edits are picked up by `plugins reload`, not by polling
    manager.unload_all()  # what a reload or re-enable does first
    assert manager.apply_wanted_state().loaded == ["flaky"]


def test_a_duplicate_event_type_is_refused_naming_both_plugins(
    plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    write_plugin(plugins_dir, "first", job_plugin("shared.uid", result="first"))
    write_plugin(plugins_dir, "second", job_plugin("shared.uid", result="second"))
    manager = make_manager()
    report = manager.start()
    assert (report.loaded, report.failed) == (["first"], ["second"])
    error = manager.get_status("second").error or ""
    assert "shared.uid" in error and "plugin first" in error and "plugin second" in error
    assert registry.get("shared.uid").job_class().run() == "first"


def test_a_duplicate_action_is_refused_naming_both_plugins(
    plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    action = """
        from DivvyBotfactory.registry import BotFactoryRegistryWrapper

        registry = BotFactoryRegistryWrapper()

        @registry.action(uid="shared.action", bulk_action=True)
        def act(bot, settings, matches, non_matches):
            return None

        def load():
            registry.load()

        def unload():
            registry.unload()
    """
    write_plugin(plugins_dir, "one", {"actions.py": action}, initial_modules=["actions.py"])
    write_plugin(plugins_dir, "two", {"actions.py": action}, initial_modules=["actions.py"])
    manager = make_manager()
    assert manager.start().failed == ["two"]
    error = manager.get_status("two").error or ""
    assert "shared.action" in error and "plugin one" in error and "plugin two" in error
    assert bot_registry.actions.get("shared.action").owner == "one"


def test_the_refused_plugin_loads_once_the_holder_is_gone(
    plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    import shutil

    write_plugin(plugins_dir, "first", job_plugin("shared.uid", result="first"))
    write_plugin(plugins_dir, "second", job_plugin("shared.uid", result="second"))
    manager = make_manager()
    manager.start()
    shutil.rmtree(plugins_dir / "first")  # its folder is removed: the next sync unloads it
    report = manager.apply_wanted_state()
    assert (report.unloaded, report.loaded) == (["first"], ["second"])
    assert registry.get("shared.uid").owner == "second"


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("not json", "plugin.json"),
        ('{"initial_modules": []}', "non-empty list"),
        ('{"initial_modules": ["missing.py"]}', "no such file"),
        ('{"initial_modules": ["../escape.py"]}', "inside the plugin folder"),
        ('{"initial_modules": ["events"]}', "ending in .py"),
    ],
)
def test_an_unusable_plugin_json_is_reported(
    manifest: str, message: str, plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    folder = plugins_dir / "bad_manifest"
    folder.mkdir()
    (folder / "plugin.json").write_text(manifest)
    (plugins_dir / "escape.py").write_text("")
    manager = make_manager()
    assert manager.start().failed == ["bad_manifest"]
    status = manager.get_status("bad_manifest")
    assert status.state == "error" and message in (status.error or "")

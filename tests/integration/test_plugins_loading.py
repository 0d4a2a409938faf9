"""Loading plugin folders: both layouts, namespaces, ownership, unloading, reloading fresh code (no database)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from botfactory.bots import registry as bot_registry
from botfactory.events.registry import registry
from botfactory.plugins.manager import PluginManager
from botfactory.resources import hookpoints
from tests.integration.plugin_support import CALLS, job_plugin, make_manager, plugins_dir, write_plugin

__all__ = ["make_manager", "plugins_dir"]  # fixtures used by name

DIVVY_EVENTS = """
    from DivvyPlugins.plugin_metadata import PluginMetadata
    from DivvyWorkers.Processors.ScheduledEvents import ScheduledEventRegistryWrapper
    from DivvyWorkers.ScheduledWorkers.base import ScheduledEventJob
    from tests.integration.plugin_support import CALLS

    events = ScheduledEventRegistryWrapper()

    class metadata(PluginMetadata):
        version = "2.0"
        author = "tester"
        category = "Testing"

    @events.register("divvy_style.job")
    class Job(ScheduledEventJob):
        def run(self):
            return "divvy"

    def load():
        CALLS.append(("load", __name__))
        events.load()

    def unload():
        CALLS.append(("unload", __name__))
        events.unload()
"""

DIVVY_ACTIONS = """
    from DivvyBotfactory.registry import BotFactoryRegistryWrapper
    from DivvyPlugins.hookpoints import hookpoint
    from DivvyUtils.field_definition import FloatField
    from tests.integration.plugin_support import CALLS

    from . import events  # relative imports work: the plugin is a package

    registry = BotFactoryRegistryWrapper()

    @registry.action(uid="divvy_style.action", bulk_action=True, settings_config=[FloatField(name="hours", default=0)])
    def act(bot, settings, matches, non_matches):
        return events.Job

    @registry.filter(uid="divvy_style.filter")
    def always(resource, settings):
        return True

    @hookpoint("divvycloud.instance.created")
    def created(resource):
        CALLS.append(("created", resource))

    def load():
        CALLS.append(("load", __name__))
        registry.load()

    def unload():
        CALLS.append(("unload", __name__))
        registry.unload()
"""


def _divvy_plugin(root: Path, name: str = "divvy_style") -> Path:
    return write_plugin(
        root,
        name,
        {"events.py": DIVVY_EVENTS, "actions.py": DIVVY_ACTIONS},
        initial_modules=["events.py", "actions.py"],
    )


def test_divvycloud_layout_loads_in_order_with_metadata_and_owned_registrations(
    plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    _divvy_plugin(plugins_dir)
    manager = make_manager()
    report = manager.start()
    assert report.loaded == ["divvy_style"] and report.failed == []
    assert [c for c in CALLS if c[0] == "load"] == [
        ("load", "botfactory_plugins.divvy_style.events"),
        ("load", "botfactory_plugins.divvy_style.actions"),
    ]
    status = manager.get_status("divvy_style")
    assert (status.state, status.layout, status.loaded) == ("loaded", "divvycloud", True)
    assert status.metadata is not None and (status.metadata["version"], status.metadata["author"]) == ("2.0", "tester")
    assert status.event_types == ["divvy_style.job"]
    assert (status.actions, status.filters) == (["divvy_style.action"], ["divvy_style.filter"])
    assert status.hookpoints == ["divvycloud.instance.created"]
    assert registry.get("divvy_style.job").owner == "divvy_style"
    assert bot_registry.actions.get("divvy_style.action").owner == "divvy_style"


def test_simple_layout_with_module_level_registrations(
    plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    write_plugin(plugins_dir, "simple", job_plugin("simple.job"))
    manager = make_manager()
    manager.start()
    status = manager.get_status("simple")
    assert (status.state, status.layout, status.event_types) == ("loaded", "simple", ["simple.job"])
    assert registry.get("simple.job").owner == "simple"
    assert registry.get("simple.job").job_class.__module__ == "botfactory_plugins.simple.plugin"


def test_two_plugins_with_same_named_modules_coexist(
    plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    for name in ("alpha", "beta"):
        write_plugin(
            plugins_dir,
            name,
            {
                "events.py": f"""
                    from botfactory.events import ScheduledEventJob, registry

                    WHO = {name!r}

                    @registry.register("{name}.job")
                    class Job(ScheduledEventJob):
                        def run(self):
                            return WHO
                """
            },
            initial_modules=["events.py"],
        )
    manager = make_manager()
    assert manager.start().loaded == ["alpha", "beta"]
    alpha, beta = registry.get("alpha.job").job_class, registry.get("beta.job").job_class
    assert (alpha().run(), beta().run()) == ("alpha", "beta")
    assert sys.modules["botfactory_plugins.alpha.events"] is not sys.modules["botfactory_plugins.beta.events"]
    assert "events" not in sys.modules or getattr(sys.modules["events"], "WHO", None) is None
    assert not any(str(plugins_dir) in entry for entry in sys.path)


def test_plugin_code_is_never_cached_as_bytecode(plugins_dir: Path, make_manager: Callable[..., PluginManager]) -> None:
    folder = _divvy_plugin(plugins_dir)
    make_manager().start()
    assert not (folder / "__pycache__").exists()


def test_unload_removes_exactly_the_plugins_registrations_and_modules(
    plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    _divvy_plugin(plugins_dir)
    write_plugin(plugins_dir, "other", job_plugin("other.job"))
    manager = make_manager()
    manager.start()
    manager.unload_all()
    assert [c for c in CALLS if c[0] == "unload"] == [
        ("unload", "botfactory_plugins.divvy_style.actions"),
        ("unload", "botfactory_plugins.divvy_style.events"),
    ]
    assert "divvy_style.job" not in registry and "other.job" not in registry
    assert "divvy_style.action" not in bot_registry.actions and "divvy_style.filter" not in bot_registry.filters
    assert hookpoints.names_owned_by("divvy_style") == []
    assert not [name for name in sys.modules if name.startswith("botfactory_plugins.")]


def test_unload_without_unload_hooks_still_removes_module_level_registrations(
    plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    write_plugin(
        plugins_dir,
        "native",
        {
            "plugin.py": """
                from botfactory.bots import registry as bots
                from botfactory.events import ScheduledEventJob, ScheduledEventManager
                from botfactory.resources.hookpoints import hookpoint

                @ScheduledEventManager.register("native.job")
                class Job(ScheduledEventJob):
                    pass

                @bots.action("native.action", bulk_action=True)
                def act(bot, settings, matches, non_matches):
                    return None

                @bots.filter("native.filter")
                def keep(resource, settings):
                    return True

                @hookpoint("divvycloud.resource.modified")
                def changed(resource, old_resource=None):
                    return None
            """
        },
    )
    manager = make_manager()
    manager.start()
    assert manager.get_status("native").actions == ["native.action"]
    manager.unload_all()
    assert "native.job" not in registry and "native.action" not in bot_registry.actions
    assert "native.filter" not in bot_registry.filters and hookpoints.names_owned_by("native") == []


def test_an_unload_hook_that_raises_does_not_leave_the_plugin_half_loaded(
    plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    write_plugin(
        plugins_dir,
        "bad_unload",
        {
            "plugin.py": """
                from botfactory.events import ScheduledEventJob, registry

                @registry.register("bad_unload.job")
                class Job(ScheduledEventJob):
                    pass

                def unload():
                    raise RuntimeError("cannot let go")
            """
        },
    )
    manager = make_manager()
    manager.start()
    manager.unload_all()
    assert "bad_unload.job" not in registry
    assert "botfactory_plugins.bad_unload" not in sys.modules


def test_reload_after_editing_a_file_runs_the_new_code(
    plugins_dir: Path, make_manager: Callable[..., PluginManager]
) -> None:
    folder = write_plugin(plugins_dir, "editable", job_plugin("editable.job", result="v1"))
    manager = make_manager()
    manager.start()
    assert registry.get("editable.job").job_class().run() == "v1"
    # Same size, same second: a bytecode cache trusting mtime and size would serve the old code.
    source = folder / "plugin.py"
    source.write_text(source.read_text().replace("'v1'", "'v2'"))
    manager.unload_all()
    manager.start()
    assert registry.get("editable.job").job_class().run() == "v2"
    assert CALLS[-1][0] == "editable.job"


def test_subpackages_and_package_init_load(plugins_dir: Path, make_manager: Callable[..., PluginManager]) -> None:
    write_plugin(
        plugins_dir,
        "nested",
        {
            "__init__.py": "INIT_RAN = True\n",
            "jobs/__init__.py": "",
            "jobs/sns.py": """
                from botfactory.events import ScheduledEventJob, registry
                from .. import INIT_RAN
                from ..helpers import greeting

                @registry.register("nested.job")
                class Job(ScheduledEventJob):
                    def run(self):
                        return greeting() if INIT_RAN else None
            """,
            "helpers.py": "def greeting():\n    return 'hello'\n",
        },
        initial_modules=["jobs/sns.py"],
    )
    manager = make_manager()
    manager.start()
    assert registry.get("nested.job").job_class().run() == "hello"
    assert manager.get_status("nested").modules == ["jobs.sns"]


def test_plugins_in_several_folders_and_a_duplicate_name(
    tmp_path: Path, make_manager: Callable[..., PluginManager]
) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    write_plugin(first, "shared", job_plugin("shared.job", result="first"))
    write_plugin(second, "shared", job_plugin("shared.job", result="second"))
    write_plugin(second, "only_two", job_plugin("only_two.job"))
    (second / "notes").mkdir()  # not a plugin: skipped
    manager = make_manager(None, first, second)
    assert manager.start().loaded == ["only_two", "shared"]
    assert registry.get("shared.job").job_class().run() == "first"
    duplicate = [s for s in manager.status() if s.name == "shared" and s.path == str(second / "shared")]
    assert duplicate and duplicate[0].state == "error" and str(first / "shared") in (duplicate[0].error or "")
    assert "notes" not in {s.name for s in manager.status()}

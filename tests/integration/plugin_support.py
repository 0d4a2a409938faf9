"""Helpers for the plugin tests: write plugin folders, make managers that are cleaned up, observe plugin code.

Plugin code in these tests reports what it did through ``CALLS`` (``from tests.integration.plugin_support import
CALLS``): the plugin's own module objects come and go with loads, this module stays.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from botfactory.bots import registry as bot_registry
from botfactory.db import Database
from botfactory.plugins.manager import PluginManager

CALLS: list[tuple[str, Any]] = []

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "plugins"


def write_plugin(
    root: Path,
    name: str,
    files: dict[str, str],
    *,
    initial_modules: Sequence[str] | None = None,
) -> Path:
    """A plugin folder ``root/name``: DivvyCloud layout when ``initial_modules`` is given, else the files as is."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for relative, source in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    if initial_modules is not None:
        (folder / "plugin.json").write_text(json.dumps({"initial_modules": list(initial_modules)}), encoding="utf-8")
    return folder


def job_plugin(uid: str, result: str = "v1") -> dict[str, str]:
    """A simple-layout plugin registering one event type whose job returns ``result``."""
    return {
        "plugin.py": f"""
            from botfactory.events import ScheduledEventJob, registry
            from tests.integration.plugin_support import CALLS

            @registry.register({uid!r})
            class Job(ScheduledEventJob):
                def run(self):
                    CALLS.append(({uid!r}, self.scheduled_event_id))
                    return {result!r}
        """
    }


@pytest.fixture
def plugins_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir()
    return folder


@pytest.fixture
def make_manager(plugins_dir: Path) -> Iterator[Callable[..., PluginManager]]:
    """``make_manager(db=None, *dirs)``: managers that are stopped and unloaded after the test."""
    created: list[PluginManager] = []
    saved = bot_registry.actions.snapshot(), bot_registry.filters.snapshot()
    CALLS.clear()

    def make(db: Database | None = None, *dirs: Path) -> PluginManager:
        manager = PluginManager(db, dirs or (plugins_dir,))
        created.append(manager)
        return manager

    try:
        yield make
    finally:
        for manager in reversed(created):
            manager.stop_sync()
            manager.unload_all()
        bot_registry.actions.restore(saved[0])
        bot_registry.filters.restore(saved[1])
        CALLS.clear()

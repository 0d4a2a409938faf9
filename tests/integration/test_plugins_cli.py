"""``botfactory plugins list|enable|disable|reload`` as a script sees them: exit codes and one JSON document."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from botfactory.cli import cli
from botfactory.cli.context import AppContext
from botfactory.db import Database
from botfactory.events.registry import registry
from botfactory.plugins.state import PluginStateStore
from tests.integration.plugin_support import job_plugin, make_manager, plugins_dir, write_plugin

__all__ = ["make_manager", "plugins_dir"]

Invoke = Callable[..., tuple[int, str, BaseException | None]]


@pytest.fixture
def invoke(sqlite_database: Database, plugins_dir: Path, make_manager: object) -> Iterator[Invoke]:
    """Run the CLI in-process; plugins a command loaded are unloaded again afterwards."""
    url = sqlite_database.url.render_as_string(hide_password=False)
    apps: list[AppContext] = []

    def run(*args: str) -> tuple[int, str, BaseException | None]:
        app = AppContext()
        apps.append(app)
        result = CliRunner().invoke(cli, ["--db", url, "--plugins", str(plugins_dir), *args], obj=app)
        return result.exit_code, result.stdout, result.exception

    try:
        yield run
    finally:
        for app in apps:
            if app._plugins is not None:
                app._plugins.unload_all()


def test_list_json_shows_state_registrations_and_errors(plugins_dir: Path, invoke: Invoke) -> None:
    write_plugin(plugins_dir, "good", job_plugin("good.job"))
    write_plugin(plugins_dir, "bad", {"plugin.py": "raise ValueError('bad plugin')\n"})
    code, out, _ = invoke("plugins", "list", "--json")
    assert code == 0
    rows = {row["name"]: row for row in json.loads(out)}
    assert set(rows) == {"good", "bad"}
    good, bad = rows["good"], rows["bad"]
    assert (good["state"], good["loaded"], good["enabled"], good["event_types"]) == ("loaded", True, True, ["good.job"])
    assert {"name", "path", "layout", "metadata", "actions", "filters", "hookpoints", "generation"} <= set(good)
    assert bad["state"] == "error" and "bad plugin" in bad["error"] and "Traceback" in bad["traceback"]
    assert good["loaded_at"].endswith("+00:00")


def test_list_table_prints_the_traceback_of_a_failed_plugin(plugins_dir: Path, invoke: Invoke) -> None:
    write_plugin(plugins_dir, "bad", {"plugin.py": "raise ValueError('bad plugin')\n"})
    code, out, _ = invoke("plugins", "list")
    assert code == 0
    assert "bad" in out and "ValueError: bad plugin" in out and "plugin.py" in out


def test_disable_enable_reload_write_the_wanted_state(
    sqlite_database: Database, plugins_dir: Path, invoke: Invoke
) -> None:
    write_plugin(plugins_dir, "steered", job_plugin("steered.job"))
    code, out, _ = invoke("plugins", "disable", "steered", "--json")
    assert code == 0
    document = json.loads(out)
    assert (document["name"], document["enabled"], document["generation"]) == ("steered", False, 0)
    assert document["updated_by"].startswith("divvyuser:0:")
    assert "steered.job" not in registry  # enable/disable/reload load nothing themselves

    code, out, _ = invoke("plugins", "list", "--json")
    assert json.loads(out)[0]["state"] == "disabled"

    assert invoke("plugins", "enable", "steered")[0] == 0
    code, out, _ = invoke("plugins", "reload", "steered")
    assert code == 0 and "reloaded" in out
    state = PluginStateStore(sqlite_database).get("steered")
    assert (state.enabled, state.generation) == (True, 1)


def test_an_unknown_plugin_name_is_an_error(plugins_dir: Path, invoke: Invoke) -> None:
    write_plugin(plugins_dir, "known", job_plugin("known.job"))
    code, _, error = invoke("plugins", "disable", "unknown")
    assert code != 0
    assert "no plugin named 'unknown'" in str(error) and "known" in str(error)

"""``botfactory plugins``: list the plugins, and enable, disable or reload one across the whole fleet.

``enable``, ``disable`` and ``reload`` only write the wanted state to the database; every running process
(``run``, ``server``, ``worker``) applies it on its next plugin sync, within a few seconds.
"""

from __future__ import annotations

import getpass
import socket
from typing import Any

import click

from botfactory.cli.context import common_options, get_app, json_option
from botfactory.cli.output import print_json, print_rows
from botfactory.plugins.manager import PluginManager
from botfactory.plugins.state import WantedState

LIST_COLUMNS = (
    "name",
    "state",
    "enabled",
    "generation",
    "layout",
    "event_types",
    "actions",
    "filters",
    "hookpoints",
    "path",
)


def _who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        user = "unknown"
    return f"divvyuser:0:{user}@{socket.gethostname()}"


@click.group("plugins")
@common_options
def plugins_group() -> None:
    """Plugins: list them; enable, disable or reload one in every running process."""


@plugins_group.command("list")
@common_options
@json_option
def list_plugins(as_json: bool) -> None:
    """List the plugins of the plugins folders, as this process loads them (errors with their traceback)."""
    manager = get_app().load_plugins()
    rows = [status.to_dict() for status in manager.status()]
    if as_json:
        print_json(rows)
        return
    print_rows(rows, LIST_COLUMNS, as_json=False, title="Plugins")
    for row in rows:
        if row["error"]:
            click.echo(f"\n{row['name']}: {row['error']}")
            if row["traceback"]:
                click.echo(row["traceback"].rstrip())


def _change(verb: str, name: str, as_json: bool) -> None:
    app = get_app()
    manager = PluginManager(app.database(), app.settings.plugin_dirs)
    state: WantedState = getattr(manager, verb)(name, by=_who())
    effect = {
        "enable": "every running process loads it within a few seconds",
        "disable": "every running process unloads it within a few seconds; its pending events wait",
        "reload": f"every running process loads generation {state.generation} within a few seconds",
    }[verb]
    if as_json:
        document: dict[str, Any] = {**state.to_dict(), "message": effect}
        print_json(document)
    else:
        done = {"enable": "enabled", "disable": "disabled", "reload": "reloaded"}[verb]
        click.echo(f"plugin {state.name}: {done} — {effect}")


@plugins_group.command("enable")
@common_options
@click.argument("name")
@json_option
def enable_plugin(name: str, as_json: bool) -> None:
    """Enable NAME in every process (plugins found on disk are enabled unless disabled)."""
    _change("enable", name, as_json)


@plugins_group.command("disable")
@common_options
@click.argument("name")
@json_option
def disable_plugin(name: str, as_json: bool) -> None:
    """Disable NAME in every process: its event types, actions, filters and hookpoints go away."""
    _change("disable", name, as_json)


@plugins_group.command("reload")
@common_options
@click.argument("name")
@json_option
def reload_plugin(name: str, as_json: bool) -> None:
    """Load NAME afresh from its files in every process (picks up edited code; retries a failed load)."""
    _change("reload", name, as_json)


commands = [plugins_group]

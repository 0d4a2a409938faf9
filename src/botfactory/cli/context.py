"""What every command shares: settings from flags and environment, the database, the output mode."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from botfactory.config import Settings, load_settings
from botfactory.db import Database, set_default_database

if TYPE_CHECKING:
    from botfactory.plugins.manager import PluginManager


@dataclass
class AppContext:
    db_url: str | None = None
    plugin_dirs: list[str] = field(default_factory=list)
    _settings: Settings | None = None
    _database: Database | None = None
    _plugins: PluginManager | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            base = load_settings()
            self._settings = base.with_overrides(
                database_url=self.db_url, plugin_dirs=tuple(self.plugin_dirs) if self.plugin_dirs else None
            )
        return self._settings

    def database(self, *, migrate: bool = True) -> Database:
        """The configured database, migrated to the current schema, and made the process default."""
        if self._database is None:
            from botfactory.db.migrate import ensure_current

            db = Database(self.settings.database_url)
            if migrate:
                ensure_current(db)
            set_default_database(db)
            self._database = db
        return self._database

    def load_plugins(self, *, sync: bool = False, interval: float = 2.0) -> PluginManager:
        """Load the enabled plugins of the plugins folders (once per process; a broken plugin is logged and
        skipped). Long-running processes (``run``, ``server``, ``worker``) pass ``sync=True`` so that ``plugins
        enable|disable|reload`` reach them within seconds."""
        if self._plugins is None:
            from botfactory.plugins.manager import PluginManager

            manager = PluginManager(self.database(), self.settings.plugin_dirs)
            manager.start()
            self._plugins = manager
        if sync:
            self._plugins.start_sync(interval)
        return self._plugins


def get_app() -> AppContext:
    ctx = click.get_current_context()
    root = ctx.find_root()
    if root.obj is None:
        root.obj = AppContext()
    return root.obj


def _set_db(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        get_app().db_url = value


def _set_plugins(ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> None:
    if value:
        get_app().plugin_dirs.extend(value)


def common_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--db`` and ``--plugins``, accepted on the root command and on every subcommand."""
    fn = click.option(
        "--plugins",
        "plugins",
        multiple=True,
        expose_value=False,
        callback=_set_plugins,
        is_eager=True,
        metavar="DIR",
        help="A plugins folder (repeatable). Env: BOTFACTORY_PLUGINS (':'-separated).",
    )(fn)
    fn = click.option(
        "--db",
        "db",
        expose_value=False,
        callback=_set_db,
        is_eager=True,
        metavar="URL",
        help="Database URL. Env: BOTFACTORY_DATABASE_URL. Default: sqlite:///botfactory.db",
    )(fn)
    return fn


def json_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")(fn)


def command_with_common(group: click.Group, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
    """``@group.command`` plus the common options."""

    def decorate(fn: Callable[..., Any]) -> Any:
        return group.command(*args, **kwargs)(common_options(fn))

    return decorate

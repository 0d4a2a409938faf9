"""The services the API and the dashboard call, built once per app around one database.

Handlers reach them through ``services_of(request)``; nothing here runs SQL itself. Stores of layers that are
optional at run time (plugins) are built lazily so the app starts even where they are not configured.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from fastapi import Request

from botfactory.access import AuditLog, TokenStore
from botfactory.api.overview import ClosedDays
from botfactory.config import Settings, load_settings
from botfactory.db import Database
from botfactory.events.store import EventStore, WorkerRecord

if TYPE_CHECKING:
    from botfactory.bots.engine import BotEngine
    from botfactory.bots.store import BotStore
    from botfactory.clouds.accounts import AccountStore
    from botfactory.plugins.manager import PluginManager
    from botfactory.resources.store import ResourceStore


class Services:
    def __init__(self, db: Database, *, settings: Settings | None = None, plugins: Any = None) -> None:
        self.db = db
        self.settings = settings or load_settings()
        self.events = EventStore(db)
        self.tokens = TokenStore(db)
        self.audit = AuditLog(db)
        self._plugins = plugins
        # Results per day of days that are over (the overview's chart): see ``ClosedDays``.
        self.closed_days = ClosedDays()

    @cached_property
    def bots(self) -> BotStore:
        from botfactory.bots.store import BotStore

        return BotStore(self.db)

    @cached_property
    def engine(self) -> BotEngine:
        from botfactory.bots.engine import BotEngine

        return BotEngine(self.db, store=self.bots)

    @cached_property
    def resources(self) -> ResourceStore:
        from botfactory.resources.store import ResourceStore

        return ResourceStore(self.db)

    @cached_property
    def accounts(self) -> AccountStore:
        from botfactory.clouds.accounts import AccountStore

        return AccountStore(self.db)

    @property
    def plugins(self) -> PluginManager:
        """The process's plugin manager (``botfactory server`` and ``run`` pass theirs in, already started)."""
        if self._plugins is None:
            from botfactory.plugins.manager import PluginManager

            self._plugins = PluginManager(self.db, self.settings.plugin_dirs)
        return self._plugins

    @property
    def dead_after(self) -> float:
        """Seconds without a heartbeat after which a worker no longer counts as live (the workers' own rule)."""
        from botfactory.events.builtin import dead_after

        return dead_after(self.settings.worker_lease_seconds)

    def live_workers(self) -> list[WorkerRecord]:
        return self.events.list_workers(dead_after=self.dead_after)


def services_of(request: Request) -> Services:
    return request.app.state.services

"""``PluginManager``: make this process's loaded plugins match the fleet-wide wanted state.

Every process (``run``, ``server``, ``worker``, and the CLI commands that need plugins) owns one manager. At
start it loads every enabled plugin; then ``apply_wanted_state()`` — called every few seconds by ``start_sync``
— compares the plugins folders and the ``plugin_state`` rows with what is loaded and loads, unloads or reloads
to match. ``botfactory plugins disable X`` only writes a row; each process unloads X on its next sync.

A plugin that fails to load is recorded with its traceback and not retried on every sync (that would log the
same traceback every two seconds); it is tried again when it is reloaded or re-enabled, or when another plugin
is unloaded (the failure may have been a uid clash with that one).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from botfactory.db import Database
from botfactory.errors import ConfigurationError, NotFound
from botfactory.plugins.discovery import Discovery, PluginSource, discover
from botfactory.plugins.loader import LoadedPlugin, PluginLoadError, load_plugin, unload_plugin
from botfactory.plugins.state import PluginStateStore, WantedState, validate_plugin_name
from botfactory.plugins.status import PluginFailure, PluginStatus, build_statuses
from botfactory.plugins.sync import SyncThread

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    """What one ``apply_wanted_state()`` changed."""

    loaded: list[str] = field(default_factory=list)
    unloaded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.loaded or self.unloaded or self.failed)


class PluginManager:
    def __init__(self, db: Database | None, dirs: Iterable[str | Path]) -> None:
        self.db = db
        self.dirs = tuple(Path(d) for d in dirs)
        self._store = PluginStateStore(db) if db is not None else None
        self._loaded: dict[str, LoadedPlugin] = {}
        self._failed: dict[str, PluginFailure] = {}
        self._discovery = Discovery(())
        self._wanted: dict[str, WantedState] = {}
        self._lock = threading.RLock()
        self._sync: SyncThread | None = None

    # -- applying the wanted state ------------------------------------------------------------------------

    def start(self) -> SyncReport:
        """Load every enabled plugin (the first sync)."""
        return self.apply_wanted_state()

    def apply_wanted_state(self) -> SyncReport:
        """Load, unload and reload plugins until this process matches the folders and the database."""
        with self._lock:
            discovery = discover(self.dirs)
            wanted = self._store.all() if self._store is not None else {}
            self._discovery, self._wanted = discovery, wanted
            sources = discovery.by_name()
            report = SyncReport()
            for name, plugin in list(self._loaded.items()):
                if self._must_unload(plugin, sources.get(name), self._want(name)):
                    self._unload(name)
                    report.unloaded.append(name)
            if report.unloaded:
                self._failed.clear()  # a refused uid may be free now
            for name, source in sources.items():
                want = self._want(name)
                if not want.enabled:
                    self._failed.pop(name, None)
                    continue
                if name in self._loaded or self._failed_before(source, want):
                    continue
                if self._load(source, want):
                    report.loaded.append(name)
                else:
                    report.failed.append(name)
            for name in set(self._failed) - set(sources):
                del self._failed[name]  # its folder is gone: nothing left to report
            if report.changed:
                log.info("plugins: loaded %s, unloaded %s, failed %s", report.loaded, report.unloaded, report.failed)
            return report

    def _want(self, name: str) -> WantedState:
        return self._wanted.get(name) or WantedState(name)

    @staticmethod
    def _must_unload(plugin: LoadedPlugin, source: PluginSource | None, want: WantedState) -> bool:
        return (
            source is None
            or not want.enabled
            or want.generation != plugin.generation
            or source.path != plugin.source.path
            or source.modules != plugin.source.modules
        )

    def _failed_before(self, source: PluginSource, want: WantedState) -> bool:
        failure = self._failed.get(source.name)
        if failure is None:
            return False
        # Any enable/reload since (a newer updated_at or generation) or a moved folder is a reason to try again.
        return (failure.generation, failure.wanted_at, failure.path) == (want.generation, want.updated_at, source.path)

    def _load(self, source: PluginSource, want: WantedState) -> bool:
        try:
            plugin = load_plugin(source, want.generation)
        except PluginLoadError as exc:
            log.error("%s\n%s", exc, exc.traceback_text)
            self._failed[source.name] = PluginFailure(
                want.generation, source.path, str(exc), exc.traceback_text, want.updated_at
            )
            return False
        self._failed.pop(source.name, None)
        self._loaded[source.name] = plugin
        return True

    def _unload(self, name: str) -> None:
        plugin = self._loaded.pop(name)
        problems = unload_plugin(plugin)
        if problems:
            log.warning("plugin %s: unloaded, but its unload() raised (see above)", name)

    def unload_all(self) -> None:
        """Unload every plugin this manager loaded (process shutdown, tests)."""
        with self._lock:
            for name in reversed(list(self._loaded)):
                self._unload(name)
            self._failed.clear()

    # -- changing the wanted state (fleet-wide) -------------------------------------------------------------

    def enable(self, name: str, *, by: str | None = None) -> WantedState:
        return self._change(name, lambda store, n: store.set_enabled(n, True, by=by))

    def disable(self, name: str, *, by: str | None = None) -> WantedState:
        return self._change(name, lambda store, n: store.set_enabled(n, False, by=by))

    def reload(self, name: str, *, by: str | None = None) -> WantedState:
        return self._change(name, lambda store, n: store.bump_generation(n, by=by))

    def _change(self, name: str, write: Callable[[PluginStateStore, str], WantedState]) -> WantedState:
        if self._store is None:
            raise ConfigurationError("plugins can be enabled, disabled and reloaded only with a database")
        name = validate_plugin_name(name)
        with self._lock:
            known = set(discover(self.dirs).by_name()) | set(self._store.all())
            if name not in known:
                raise NotFound(
                    f"no plugin named {name!r} in the plugins folders ({', '.join(map(str, self.dirs)) or 'none'}) "
                    f"or in the database; known: {', '.join(sorted(known)) or 'none'}"
                )
            return write(self._store, name)

    # -- what is loaded -----------------------------------------------------------------------------------

    def loaded(self) -> dict[str, LoadedPlugin]:
        with self._lock:
            return dict(self._loaded)

    def status(self) -> list[PluginStatus]:
        with self._lock:
            return build_statuses(self._discovery, self._wanted, self._loaded, self._failed)

    def get_status(self, name: str) -> PluginStatus:
        for item in self.status():
            if item.name == name:
                return item
        raise NotFound(f"no plugin named {name!r}")

    # -- background sync -----------------------------------------------------------------------------------

    def start_sync(self, interval: float = 2.0) -> SyncThread:
        """Apply the wanted state every ``interval`` seconds in a daemon thread (idempotent)."""
        with self._lock:
            if self._sync is None or not self._sync.is_alive():
                self._sync = SyncThread(self.apply_wanted_state, interval)
                self._sync.start()
            return self._sync

    def stop_sync(self, timeout: float = 10.0) -> None:
        sync, self._sync = self._sync, None
        if sync is not None:
            sync.stop(timeout)

"""Loading and unloading one plugin folder (DESIGN §6, §9 "Plugin reload").

Load: mount the folder as ``botfactory_plugins.<safe name>`` (see ``namespace``), then, inside
``owned_by(<plugin name>)``, import the package and each module in order and call its ``load()``. Everything
registered meanwhile — ``ScheduledEventManager.register`` at module level, ``@registry.action`` through a
wrapper's ``load()``, ``@hookpoint`` — belongs to the plugin. If anything raises, the plugin is rolled back
(its modules' ``unload()`` where ``load()`` ran, every registration it owns, its modules) and
``PluginLoadError`` carries the traceback; nothing of a failed plugin stays behind.

Unload: call each module's ``unload()`` (last loaded first), then remove whatever the plugin still owns in the
event-type, action/filter and hookpoint registries — popping modules alone would leave the registries holding
the old classes — and finally the modules themselves, so the next load compiles the files afresh.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import traceback
import types
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botfactory import clock
from botfactory.errors import BotfactoryError
from botfactory.events.registry import owned_by
from botfactory.plugins import compat, namespace
from botfactory.plugins.compat.divvy import PluginMetadata
from botfactory.plugins.discovery import PluginSource
from botfactory.plugins.registrations import unregister_plugin

log = logging.getLogger(__name__)

_METADATA_KEYS = tuple(PluginMetadata.as_dict())


class PluginLoadError(BotfactoryError):
    """A plugin could not be loaded."""

    def __init__(self, message: str, *, traceback_text: str = "", cleanup_problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.traceback_text = traceback_text or message
        self.cleanup_problems = cleanup_problems or []


@dataclass
class LoadedPlugin:
    """A plugin as it is loaded in this process."""

    source: PluginSource
    generation: int
    package: str
    # The listed modules, in load order: each one's ``load()`` ran.
    modules: list[types.ModuleType]
    metadata: dict[str, Any] | None = None
    loaded_at: datetime = field(default_factory=clock.now)

    @property
    def name(self) -> str:
        return self.source.name


def _call(module: types.ModuleType, hook_name: str) -> None:
    hook = getattr(module, hook_name, None)
    if callable(hook):
        hook()


def load_plugin(source: PluginSource, generation: int = 0) -> LoadedPlugin:
    """Import ``source`` afresh and call its ``load()`` hooks, or raise ``PluginLoadError`` after a rollback."""
    if source.problem:
        raise PluginLoadError(f"plugin {source.name!r} cannot be loaded: {source.problem}")
    compat.install()  # the DivvyCloud names, for plugin code (idempotent)
    package = namespace.mount(source.safe_name, source.path)
    # Always a fresh copy: whatever an earlier load left in sys.modules is not what is on disk now.
    namespace.purge(package)
    started: list[types.ModuleType] = []
    package_module: types.ModuleType | None = None
    try:
        with owned_by(source.name):
            # The package runs the folder's __init__.py, if any; only the listed modules get load()/unload().
            package_module = importlib.import_module(package)
            for module_name in source.modules:
                module = importlib.import_module(f"{package}.{module_name}")
                if module not in started:
                    started.append(module)
                _call(module, "load")
    except (Exception, SystemExit) as exc:  # SystemExit: a plugin calling sys.exit() must not end the process
        text = _plugin_traceback(exc)
        problems = _tear_down(source, package, started)
        raise PluginLoadError(
            f"plugin {source.name!r} failed to load: {type(exc).__name__}: {exc}",
            traceback_text=text,
            cleanup_problems=problems,
        ) from exc
    described = started if package_module is None else [*started, package_module]
    return LoadedPlugin(source, generation, package, started, find_metadata(described))


def _plugin_traceback(exc: BaseException) -> str:
    """The traceback without the import system's own frames, so the plugin's file and line stand out."""
    te = traceback.TracebackException.from_exception(exc)
    te.stack = traceback.StackSummary.from_list(
        [f for f in te.stack if not f.filename.startswith("<frozen importlib") and f.filename != importlib.__file__]
    )
    return "".join(te.format())


def unload_plugin(plugin: LoadedPlugin) -> list[str]:
    """Take ``plugin`` away; returns the tracebacks of ``unload()`` hooks that raised (it is unloaded anyway)."""
    return _tear_down(plugin.source, plugin.package, plugin.modules)


def _tear_down(source: PluginSource, package: str, modules: list[types.ModuleType]) -> list[str]:
    problems: list[str] = []
    with owned_by(source.name):
        for module in reversed(modules):
            try:
                _call(module, "unload")
            except (Exception, SystemExit):
                # A broken unload() must not keep the plugin half-loaded: the registries are cleaned below anyway.
                log.exception("plugin %s: %s.unload() failed", source.name, module.__name__)
                problems.append(traceback.format_exc())
    unregister_plugin(source.name)
    namespace.unmount(package)
    return problems


def find_metadata(modules: list[types.ModuleType]) -> dict[str, Any] | None:
    """The plugin's ``metadata`` class as a dict: a class named ``metadata``, else a ``PluginMetadata`` subclass."""
    for module in modules:
        candidate = getattr(module, "metadata", None)
        if inspect.isclass(candidate):
            return _metadata_dict(candidate)
    for module in modules:
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, PluginMetadata)
                and value is not PluginMetadata
                and value.__module__ == module.__name__
            ):
                return _metadata_dict(value)
    return None


def _metadata_dict(cls: type) -> dict[str, Any]:
    values = {key: getattr(cls, key, None) for key in _METADATA_KEYS}
    # Only what JSON can carry: a dashboard and ``plugins list --json`` show it.
    return {k: v if isinstance(v, (str, int, float, bool)) or v is None else str(v) for k, v in values.items()}

"""Plugins: discover, load and unload plugin folders; DivvyCloud compatibility names (DESIGN §2 layer 6).

``PluginManager`` (``botfactory.plugins.manager``) is the entry point: it loads the enabled plugins of the
plugins folders and keeps this process in line with the fleet-wide wanted state. Names are imported lazily so
``import botfactory.plugins.compat`` (a script wanting only the DivvyCloud names) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botfactory.plugins.loader import LoadedPlugin, PluginLoadError
    from botfactory.plugins.manager import PluginManager, SyncReport
    from botfactory.plugins.status import PluginStatus

__all__ = ["LoadedPlugin", "PluginLoadError", "PluginManager", "PluginStatus", "SyncReport"]

_HOMES = {
    "LoadedPlugin": "botfactory.plugins.loader",
    "PluginLoadError": "botfactory.plugins.loader",
    "PluginManager": "botfactory.plugins.manager",
    "SyncReport": "botfactory.plugins.manager",
    "PluginStatus": "botfactory.plugins.status",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

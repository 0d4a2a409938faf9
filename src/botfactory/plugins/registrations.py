"""What a plugin has registered, across the three registries plugins write to, and taking all of it away.

Each registry records the owner (``botfactory.events.registry.owned_by``) of every registration, so "what plugin
X registered" is a question to the registries, not a list the loader has to keep (and could get wrong when a
plugin registers from ``load()``, from a wrapper, or at import time).
"""

from __future__ import annotations

from botfactory.bots import registry as bot_registry
from botfactory.events.registry import registry as event_registry
from botfactory.resources import hookpoints

KINDS = ("event_types", "actions", "filters", "hookpoints")


def owned_by_plugin(owner: str) -> dict[str, list[str]]:
    """``{"event_types": [...], "actions": [...], "filters": [...], "hookpoints": [...]}`` of ``owner``."""
    return {
        "event_types": sorted(uid for uid, spec in event_registry.snapshot().items() if spec.owner == owner),
        "actions": [spec.uid for spec in bot_registry.actions.list() if spec.owner == owner],
        "filters": [spec.uid for spec in bot_registry.filters.list() if spec.owner == owner],
        "hookpoints": hookpoints.names_owned_by(owner),
    }


def unregister_plugin(owner: str) -> dict[str, list[str]]:
    """Remove everything ``owner`` registered; returns what was still there (after the plugin's own ``unload()``).

    The event registry goes last: its change notification makes workers narrow what they claim, and by then the
    plugin's actions can no longer schedule new events of those types."""
    removed_hookpoints = hookpoints.names_owned_by(owner)
    hookpoints.unregister_owner(owner)
    elements = bot_registry.unregister_owner(owner)
    event_types = event_registry.unregister_owner(owner)
    return {
        "event_types": sorted(event_types),
        "actions": sorted(elements["actions"]),
        "filters": sorted(elements["filters"]),
        "hookpoints": removed_hookpoints,
    }

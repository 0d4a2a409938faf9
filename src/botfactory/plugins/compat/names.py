"""Which DivvyCloud module names exist, and which botfactory objects they are (DESIGN §6).

Values are ``"module:attribute"`` strings resolved on first use, so importing the compatibility layer does not
import every layer of botfactory. A value of ``"module"`` alone makes the alias the very same module object.
"""

from __future__ import annotations

_SCHEDULING = {
    "ScheduledEventTracker": "botfactory.events.tracker:ScheduledEventTracker",
    "schedule_hours_from_now": "botfactory.schedule:schedule_hours_from_now",
}

# Alias module name -> {attribute: "module:attribute"} or the name of a real module to stand for it.
ALIASES: dict[str, dict[str, str] | str] = {
    "DivvyWorkers.Processors.ScheduledEvents": {
        "ScheduledEventManager": "botfactory.events.registry:ScheduledEventManager",
        "ScheduledEventRegistryWrapper": "botfactory.events.registry:ScheduledEventRegistryWrapper",
        "cast_scheduled_event_args": "botfactory.events.tracker:cast_scheduled_event_args",
    },
    "DivvyWorkers.ScheduledWorkers.base": {
        "ScheduledEventJob": "botfactory.events.job:ScheduledEventJob",
        "MultiResourceScheduledEventJob": "botfactory.events.job:MultiResourceScheduledEventJob",
    },
    "DivvyBotfactory.scheduling": _SCHEDULING,
    "DivvyBotFactory.scheduling": _SCHEDULING,
    # Whole modules: BotFactoryRegistryWrapper / BotEvent, and whatever else those modules define.
    "DivvyBotfactory.registry": "botfactory.bots.registry",
    "DivvyBotFactory.registry": "botfactory.bots.registry",
    "DivvyBotfactory.event": "botfactory.bots.event",
    "DivvyBotFactory.event": "botfactory.bots.event",
    "DivvyUtils.schedule": "botfactory.schedule",
    "DivvyUtils.field_definition": "botfactory.bots.fields",
    "DivvyPlugins.plugin_metadata": {"PluginMetadata": "botfactory.plugins.compat.divvy:PluginMetadata"},
    "DivvyPlugins.hookpoints": {"hookpoint": "botfactory.resources.hookpoints:hookpoint"},
    "DivvyDb.QueryFilters.cloud_types": {"CloudType": "botfactory.plugins.compat.divvy:CloudType"},
    "worker.registry": {"Router": "botfactory.plugins.compat.divvy:Router"},
}


def package_names() -> set[str]:
    """Every parent package an alias needs (``DivvyWorkers``, ``DivvyWorkers.Processors``, ...)."""
    parents: set[str] = set()
    for name in ALIASES:
        parts = name.split(".")
        parents.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return parents

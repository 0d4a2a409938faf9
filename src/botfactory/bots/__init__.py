"""Bots (DESIGN §7, layer 5): the bot model, the action and filter registries, fields, the evaluation engine and
the built-in filters and actions.

Plugin-facing names are importable from here; the heavier pieces (store, engine) load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botfactory.bots.event import BotEvent
from botfactory.bots.model import Bot, ElementRef, Instructions
from botfactory.bots.registry import BotFactoryRegistryWrapper

if TYPE_CHECKING:
    from botfactory.bots.engine import BotEngine
    from botfactory.bots.store import BotStore

__all__ = [
    "Bot",
    "BotEngine",
    "BotEvent",
    "BotFactoryRegistryWrapper",
    "BotStore",
    "ElementRef",
    "Instructions",
]


def __getattr__(name: str) -> Any:
    if name == "BotStore":
        from botfactory.bots.store import BotStore

        return BotStore
    if name == "BotEngine":
        from botfactory.bots.engine import BotEngine

        return BotEngine
    raise AttributeError(name)

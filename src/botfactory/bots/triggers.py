"""Bots with hookpoints: when a harvest (or a remediation) creates, modifies or destroys a resource, every RUNNING
bot listening to that hookpoint runs for that one resource.

One handler per event is registered on the type-wide hookpoints (``divvycloud.resource.created`` ...); it looks
the listening bots up in a short-lived cache, so a harvest that changes thousands of resources does not read the
bot table for each of them. Saving a bot in this process clears the cache; other processes see changes within
``CACHE_SECONDS``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from botfactory.bots.context import bot_database
from botfactory.bots.model import Bot
from botfactory.db import Database
from botfactory.resources import hookpoints
from botfactory.resources.model import Resource

log = logging.getLogger(__name__)

CACHE_SECONDS = 5.0
_lock = threading.Lock()
_cache: dict[int, tuple[float, list[Bot]]] = {}


def invalidate() -> None:
    with _lock:
        _cache.clear()


def _listening_bots(db: Database) -> list[Bot]:
    from botfactory.bots.store import BotStore

    key = id(db)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
    try:
        bots = BotStore(db).with_hookpoints()
    except Exception as exc:
        # No bot table (a database not migrated yet) or the database is away: no hookpoint bots for a while,
        # said once per cache period rather than once per changed resource.
        log.warning("hookpoint bots unavailable for %.0f s: %s", CACHE_SECONDS, exc)
        bots = []
    with _lock:
        _cache[key] = (time.monotonic() + CACHE_SECONDS, bots)
    return bots


def bots_for(event: str, resource: Resource, bots: list[Bot]) -> list[Bot]:
    names = {f"divvycloud.resource.{event}", f"divvycloud.{resource.resource_type}.{event}"}
    return [b for b in bots if names.intersection(b.instructions.hookpoints)]


def dispatch(event: str, resource: Resource) -> int:
    """Run every bot listening to ``event`` for ``resource``; returns how many ran."""
    from botfactory.bots.engine import BotEngine, in_scope

    db = bot_database()
    ran = 0
    for bot in bots_for(event, resource, _listening_bots(db)):
        if not in_scope(bot, resource):
            continue
        try:
            BotEngine(db).run(bot, trigger="hookpoint", resources=[resource])
            ran += 1
        except Exception:
            # One bot's failure must not stop the others or the harvest that raised the hookpoint.
            log.exception("bot %s: hookpoint run for %s failed", bot.name, resource.get_resource_id())
    return ran


def _handler(event: str) -> Callable[..., None]:
    def handle(resource: Resource, **_: Any) -> None:
        dispatch(event, resource)

    handle.__name__ = handle.__qualname__ = f"run_bots_on_{event}"
    return handle


_HANDLERS = {event: _handler(event) for event in hookpoints.EVENTS}


def install_hookpoint_handlers() -> None:
    """Idempotent: registering the same function again has no effect."""
    for event, handler in _HANDLERS.items():
        hookpoints.register(f"divvycloud.resource.{event}", handler, owner=None)


def uninstall_hookpoint_handlers() -> None:
    for event, handler in _HANDLERS.items():
        hookpoints.unregister(f"divvycloud.resource.{event}", handler)
    invalidate()

"""What the events layer needs to know about the caller: is a stored bot being run right now?

The bots layer enters ``bot_run_scope`` while it runs a stored bot; events scheduled for that bot inside the
scope get a dedupe key and are re-validated when they fire (DESIGN §7). Events scheduled elsewhere do not.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class BotRunScope:
    bot_id: str
    dry_run: bool = False


_current: ContextVar[BotRunScope | None] = ContextVar("botfactory_bot_run", default=None)


@contextmanager
def bot_run_scope(bot_id: str | int, *, dry_run: bool = False) -> Iterator[BotRunScope]:
    scope = BotRunScope(str(bot_id), dry_run)
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def current_bot_run() -> BotRunScope | None:
    return _current.get()

"""Which database a bot run works on, for the actions it calls (they only get ``bot, settings, matches,
non_matches``). The engine sets it for the length of a run; outside a run it is the worker's database while a
job runs, else the process default."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from botfactory.db import Database
from botfactory.events.execution import current_database

_database: ContextVar[Database | None] = ContextVar("botfactory_bot_database", default=None)


@contextmanager
def using_database(db: Database) -> Iterator[Database]:
    token = _database.set(db)
    try:
        yield db
    finally:
        _database.reset(token)


def bot_database() -> Database:
    return _database.get() or current_database()

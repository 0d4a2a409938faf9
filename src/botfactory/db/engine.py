"""Connecting to the database: one ``Database`` object per URL, with the dialect quirks handled once.

SQLite: WAL, busy timeout, and pysqlite's own transaction handling switched off so that writers can start with
``BEGIN IMMEDIATE`` (DESIGN §9 "SQLite writers"). MariaDB/MySQL: READ COMMITTED (gap locks deadlock claims)
and a server version check (SKIP LOCKED needs MariaDB ≥ 10.6 / MySQL ≥ 8.0).
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from botfactory.db.forkgate import fork_gate
from botfactory.errors import ConfigurationError, UnsupportedDatabase

log = logging.getLogger(__name__)

_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",
}


def normalise_url(url: str | URL) -> URL:
    """Accept the short forms people type (``postgresql://``, ``mariadb://``) and pick our drivers."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError as exc:
        raise ConfigurationError(f"database URL is not valid: {exc}") from exc
    if parsed.drivername in _DRIVERS:
        parsed = parsed.set(drivername=_DRIVERS[parsed.drivername])
    if parsed.get_backend_name() not in ("sqlite", "postgresql", "mysql"):
        raise ConfigurationError(f"unsupported database {parsed.drivername!r}: use sqlite, postgresql or mysql")
    return parsed


# Every engine of this process, so that a forked child (a job run with isolation "process") opens connections
# of its own instead of sharing the parent's sockets: SQLAlchemy's recipe, dispose(close=False) after fork.
_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def _forget_inherited_connections() -> None:
    for engine in list(_engines):
        engine.dispose(close=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_connections)


class Database:
    """An engine plus the few things every caller needs to know about its dialect."""

    def __init__(self, url: str | URL, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.dialect = self.url.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.dialect == "sqlite":
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if self.url.database in (None, "", ":memory:"):
                raise ConfigurationError("an in-memory SQLite database cannot be shared: use a file path")
            if pool_size == 0:
                kwargs["poolclass"] = NullPool
            else:
                kwargs.update(pool_size=pool_size, max_overflow=pool_size)
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, pool_recycle=1800)
            if self.dialect == "mysql":
                kwargs["isolation_level"] = "READ COMMITTED"
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            _install_sqlite_hooks(self.engine)
        self._lock = threading.Lock()
        _engines.add(self.engine)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def safe_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in a transaction that only reads (deferred on SQLite: it blocks no writer)."""
        with fork_gate.shared(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in a write transaction: ``BEGIN IMMEDIATE`` on SQLite, commit on success."""
        with fork_gate.shared(), self.engine.connect() as conn:
            conn.execution_options(botfactory_writer=True)
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.safe_url()!r})"


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite; the "begin" hook below issues BEGIN itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("botfactory_writer"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def check_server(db: Database) -> None:
    """Raise UnsupportedDatabase for MariaDB < 10.6, MySQL < 8.0 or PostgreSQL < 11."""
    if db.is_sqlite:
        return
    with db.engine.connect() as conn:
        dialect = conn.dialect
        info = tuple(v for v in (dialect.server_version_info or ()) if isinstance(v, int))
        is_mariadb = bool(getattr(dialect, "is_mariadb", False))
    if db.dialect == "mysql":
        need, name = ((10, 6), "MariaDB") if is_mariadb else ((8, 0), "MySQL")
    else:
        need, name = (11,), "PostgreSQL"
    if info[: len(need)] < need:
        wanted = ".".join(map(str, need))
        found = ".".join(map(str, info))
        raise UnsupportedDatabase(
            f"{name} {found} is too old: botfactory needs {name} {wanted} or newer (FOR UPDATE SKIP LOCKED)"
        )


_databases: dict[str, Database] = {}
_databases_lock = threading.Lock()


def get_database(url: str | None = None) -> Database:
    """The process-wide Database for ``url`` (default: the configured one). One engine per URL."""
    if url is None:
        from botfactory.config import load_settings

        url = load_settings().database_url
    key = str(normalise_url(url))
    with _databases_lock:
        db = _databases.get(key)
        if db is None:
            db = _databases[key] = Database(url)
        return db


def set_default_database(db: Database | None) -> None:
    """Make ``db`` what ``get_database()`` returns (tests and ``botfactory run`` use this)."""
    with _databases_lock:
        if db is None:
            _databases.pop("__default__", None)
        else:
            _databases["__default__"] = db


def default_database() -> Database:
    with _databases_lock:
        db = _databases.get("__default__")
    return db if db is not None else get_database()

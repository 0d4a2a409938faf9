"""Schema migrations: ``botfactory db upgrade`` and the "is the schema current?" check of ``/readyz``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from botfactory.db.engine import Database, check_server

_LOCK_KEY = 0x626F7466  # "botf"

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    """Migrate to ``revision``. Processes starting together take turns (a server-side lock)."""
    check_server(db)
    cfg = alembic_config(db)
    with db.engine.connect() as conn:
        if db.is_sqlite:
            conn.execution_options(botfactory_writer=True)
        with _migration_lock(conn, db.dialect):
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()


def ensure_current(db: Database) -> None:
    """Upgrade when the schema is behind; cheap when it is current."""
    if not is_current(db):
        upgrade(db)


@contextmanager
def _migration_lock(conn: Connection, dialect: str) -> Iterator[None]:
    if dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _LOCK_KEY})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})
            conn.commit()
    elif dialect == "mysql":
        conn.execute(text("SELECT GET_LOCK(:name, 120)"), {"name": "botfactory_migrate"})
        try:
            yield
        finally:
            conn.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": "botfactory_migrate"})
    else:
        yield  # BEGIN IMMEDIATE already serialises SQLite writers


def head_revision(db: Database) -> str | None:
    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_current(db: Database) -> bool:
    return current_revision(db) == head_revision(db)

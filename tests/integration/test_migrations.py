"""The migrations produce exactly the schema the models describe, on every database."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, Boolean, Text, inspect
from sqlalchemy.dialects import mysql

from botfactory.db import Database
from botfactory.db.migrate import current_revision, head_revision, is_current
from botfactory.db.models import metadata


def _compare_type(
    context: Any, inspected_column: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """MariaDB reflects JSON as LONGTEXT and Boolean as TINYINT(1): the same columns, not a difference."""
    if context.dialect.name == "mysql":
        impl = metadata_type.dialect_impl(context.dialect)
        if isinstance(impl, JSON) and isinstance(inspected_type, (mysql.LONGTEXT, Text, JSON)):
            return False
        if isinstance(impl, Boolean) and isinstance(inspected_type, mysql.TINYINT):
            return False
    return None  # let alembic's default comparison decide


def test_migrations_create_exactly_the_models_schema(database: Database) -> None:
    assert is_current(database)
    assert current_revision(database) == head_revision(database)
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": _compare_type})
        diff = compare_metadata(context, metadata)
    assert diff == [], f"migrations and models differ on {database.dialect}: {diff}"


def test_every_table_and_index_exists(database: Database) -> None:
    inspector = inspect(database.engine)
    tables = set(inspector.get_table_names())
    assert set(metadata.tables) <= tables
    claim_index = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("scheduled_event")}
    assert claim_index["ix_scheduled_event_claim"] == ["state", "event_type", "next_run_at"]

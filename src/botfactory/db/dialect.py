"""Dialect differences that SQLAlchemy does not hide, in one place (DESIGN §9)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection


def insert_returning_ids(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in one statement and return their ids in input order.

    PostgreSQL and MariaDB get ``INSERT ... RETURNING`` with SQLAlchemy's ordered insertmanyvalues. On SQLite
    that ordering guarantee makes SQLAlchemy fall back to one statement per row, so there we insert one
    multi-row VALUES and derive the ids: writers hold the database's write lock (BEGIN IMMEDIATE), and SQLite
    gives each new row max(rowid) + 1, so one statement's rows get consecutive ids ending at last_insert_rowid().
    """
    if not rows:
        return []
    if conn.dialect.name == "sqlite":
        conn.execute(insert(table).values(list(rows)))
        last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
        return list(range(last - len(rows) + 1, last + 1))
    result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows))
    return [int(i) for i in result.scalars()]

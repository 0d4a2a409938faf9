"""Dialect differences that SQLAlchemy does not hide, in one place (DESIGN §9)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, insert, text
from sqlalchemy.engine import Connection

_NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)").bindparams(
    bindparam("table"), bindparam("n")
)


def insert_returning_ids(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in one statement and return their ids in input order.

    MariaDB gets ``INSERT ... RETURNING`` with SQLAlchemy's ordered insertmanyvalues. On SQLite
    that ordering guarantee makes SQLAlchemy fall back to one statement per row, and a multi-row VALUES is
    compiled anew for every batch (most of the cost), so there we run one cached statement with executemany and
    derive the ids: writers hold the database's write lock (BEGIN IMMEDIATE) and SQLite gives each new row
    max(rowid) + 1, so the rows get consecutive ids ending at last_insert_rowid().
    """
    if not rows:
        return []
    if conn.dialect.name == "sqlite":
        conn.execute(insert(table), list(rows))
        last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
        return list(range(last - len(rows) + 1, last + 1))
    if conn.dialect.name == "postgresql":
        # psycopg re-parses a long multi-row VALUES statement on every batch (it caches only short queries):
        # take the ids from the table's sequence in one query, then insert with a cached executemany, which
        # psycopg pipelines.
        ids = [int(i) for i in conn.execute(_NEXT_IDS, {"table": table.name, "n": len(rows)}).scalars()]
        conn.execute(insert(table), [{**row, "id": new_id} for row, new_id in zip(rows, ids, strict=True)])
        return ids
    result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows))
    return [int(i) for i in result.scalars()]

"""Dialect differences that SQLAlchemy does not hide, in one place (DESIGN §9)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, BigInteger, Table, Text, any_, bindparam, insert, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Executable

from botfactory.db.types import UTCDateTime

# One array rather than n rows: fetching the ids row by row cost more than the sequence itself. The sequence is
# looked up once (MATERIALIZED): pg_get_serial_sequence() per row was most of the cost.
_NEXT_IDS = text(
    "WITH s AS MATERIALIZED (SELECT CAST(pg_get_serial_sequence(:table, 'id') AS regclass) AS seq)"
    " SELECT array_agg(id ORDER BY id) FROM (SELECT nextval(s.seq) AS id FROM s, generate_series(1, :n)) AS ids"
).bindparams(bindparam("table"), bindparam("n"))


def ids_in(column: ColumnElement[int], name: str, dialect: str) -> ColumnElement[bool]:
    """``column`` is one of the ids bound (as a list) to parameter ``name``.

    PostgreSQL: ``column = ANY(:name)``, the list bound as one array. An expanding IN renders and binds one
    parameter per id; for the worker's 500-id reads that cost several times the query itself (measured: 10,000
    ids in batches of 500, 71 ms with IN, 7 ms with ANY). Elsewhere: SQLAlchemy's expanding IN.
    """
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(BigInteger)))
    return column.in_(bindparam(name, expanding=True))


def write_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    nullable: frozenset[int] = frozenset(),
    returning_ids: bool = False,
) -> list[int]:
    """Insert ``rows`` (tuples in ``columns`` order) and, with ``returning_ids``, return their ids in input order.

    Values arrive ready for the database except for the dialect's own encoding, done here a column at a time:
    datetimes are aware UTC, JSON columns hold JSON text. Columns listed in ``nullable`` that are None in every
    row are left out of the statement (they start NULL), which saves binding them row after row.

    This is the bulk path of the tracker, so it avoids SQLAlchemy's per-row, per-column bind processing:

    - SQLite: one executemany of a statement compiled from ``insert(table)``. Writers hold the write lock
      (BEGIN IMMEDIATE) and SQLite gives each new row max(rowid) + 1, so the rows get consecutive ids ending
      at last_insert_rowid().
    - PostgreSQL: ids from the table's sequence in one query, then one ``COPY ... FROM STDIN`` through
      psycopg, which encodes the values itself (no value ever enters the SQL text).
    - MariaDB/MySQL: SQLAlchemy's insertmanyvalues with ``RETURNING`` ordered by parameter, the JSON columns
      bound as text so the encoded JSON is stored as it is. MySQL cannot return ids: there, with
      ``returning_ids``, one INSERT per row.
    """
    if not rows:
        return []
    names, values = _columns(table, tuple(columns), rows, nullable, conn.dialect.name)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(_insert_sql(conn.dialect, table, names), list(zip(*values, strict=True)))
        if not returning_ids:
            return []
        last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
        return list(range(last - len(rows) + 1, last + 1))
    if conn.dialect.name == "postgresql":
        ids: list[int] = []
        if returning_ids:
            ids = list(conn.execute(_NEXT_IDS, {"table": table.name, "n": len(rows)}).scalar_one())
            names, values = ("id", *names), [ids, *values]
        _copy(conn, table, names, values)
        return ids
    statement = _mysql_insert(table, names)
    params = [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]
    if not returning_ids:
        conn.execute(statement, params)
        return []
    if not conn.dialect.insert_executemany_returning_sort_by_parameter_order:
        # MySQL (unlike MariaDB 10.5+) has no INSERT ... RETURNING: one insert per row, each id as it comes.
        return [int(conn.execute(statement, row).inserted_primary_key[0]) for row in params]
    result = conn.execute(statement.returning(table.c.id, sort_by_parameter_order=True), params)
    return [int(i) for i in result.scalars()]


def _columns(
    table: Table, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]], nullable: frozenset[int], dialect: str
) -> tuple[tuple[str, ...], list[Sequence[Any]]]:
    """The columns to write and their values, one sequence per column, encoded for ``dialect``."""
    count = len(rows)
    by_column = list(zip(*rows, strict=True))
    names: list[str] = []
    values: list[Sequence[Any]] = []
    encode = _sqlite_datetime if dialect == "sqlite" else _utc_datetime if dialect == "postgresql" else None
    datetimes = _datetime_columns(table, columns)
    done: list[tuple[Sequence[Any], list[Any]]] = []
    for index, (name, column) in enumerate(zip(columns, by_column, strict=True)):
        if index in nullable and column.count(None) == count:
            continue
        names.append(name)
        if encode is not None and index in datetimes:
            # occurrence_at of a new event is its next_run_at: encode such a repeated column once.
            same = next((encoded for raw, encoded in done if raw == column), None)
            if same is None:
                same = _encoded(column, encode)
                done.append((column, same))
            column = same
        values.append(column)
    return tuple(names), values


def _encoded(column: Sequence[Any], encode: Any) -> list[Any]:
    first = column[0]
    if column.count(first) == len(column):
        # next_run_at is often the same for a whole batch: encode it once.
        return [encode(first)] * len(column)
    return list(map(encode, column))


def _as_utc(value: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc_datetime(value: datetime | None) -> datetime | None:
    """UTCDateTime's bind processing for PostgreSQL: aware UTC (naive is taken as UTC)."""
    if value is None or (value.tzinfo is UTC and type(value) is datetime):
        return value
    return _as_utc(value)


def _sqlite_datetime(value: datetime | None) -> str | None:
    """UTCDateTime's bind processing for SQLite: naive UTC text, exactly as SQLAlchemy's SQLite DATETIME writes it
    ("YYYY-MM-DD HH:MM:SS.ffffff"); stored times are compared as text, so the format must not drift."""
    if value is None:
        return None
    if value.tzinfo is not UTC or type(value) is not datetime:
        value = _as_utc(value)
    # Cutting "+00:00" off is cheaper than replace(tzinfo=None) first; the date and time part is fixed-width.
    return value.isoformat(" ", "microseconds")[:26]


@lru_cache(maxsize=32)
def _datetime_columns(table: Table, columns: tuple[str, ...]) -> frozenset[int]:
    return frozenset(i for i, name in enumerate(columns) if isinstance(table.c[name].type, UTCDateTime))


@lru_cache(maxsize=64)
def _insert_sql(dialect: Dialect, table: Table, names: tuple[str, ...]) -> str:
    compiled = insert(table).compile(dialect=dialect, column_keys=list(names))
    if tuple(compiled.positiontup or ()) != names:
        raise RuntimeError(f"{table.name}: compiled parameters {compiled.positiontup} differ from {names}")
    return str(compiled)


@lru_cache(maxsize=64)
def _mysql_insert(table: Table, names: tuple[str, ...]) -> Any:
    # The JSON columns hold JSON text already: bound as text, SQLAlchemy stores it instead of encoding it again.
    as_text = {name: bindparam(name, type_=Text()) for name in names if isinstance(table.c[name].type, JSON)}
    return insert(table).values(as_text) if as_text else insert(table)


def _copy(conn: Connection, table: Table, names: tuple[str, ...], values: Sequence[Sequence[Any]]) -> None:
    from psycopg import sql

    types = _pg_types(table, names)
    if types is not None:
        # Binary COPY carries no types: the server reads each field with its column's binary input. jsonb's is a
        # version byte (1) and the JSON text, which we send as plain bytes (psycopg's bytea dumper, in C).
        values = [
            _encoded(column, _jsonb_binary) if kind == "jsonb" else column
            for kind, column in zip(types, values, strict=True)
        ]
        types = tuple("bytea" if kind == "jsonb" else kind for kind in types)
    statement = sql.SQL("COPY {} ({}) FROM STDIN{}").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(sql.Identifier(name) for name in names),
        sql.SQL(" (FORMAT BINARY)" if types is not None else ""),
    )
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        if types is not None:
            copy.set_types(types)
        write = copy.write_row
        for row in zip(*values, strict=True):
            write(row)


def _jsonb_binary(text: str) -> bytes:
    return b"\x01" + text.encode()


# PostgreSQL's binary COPY needs each column's exact type; anything else falls back to text COPY.
_PG_BINARY = {
    "BIGINT": "int8",
    "INTEGER": "int4",
    "FLOAT": "float8",
    "DOUBLE PRECISION": "float8",
    "BOOLEAN": "bool",
    "JSONB": "jsonb",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TEXT": "text",
}


@lru_cache(maxsize=32)
def _pg_types(table: Table, names: tuple[str, ...]) -> tuple[str, ...] | None:
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()
    types = []
    for name in names:
        ddl = table.c[name].type.compile(dialect=dialect)
        kind = "text" if ddl.startswith("VARCHAR(") else _PG_BINARY.get(ddl)
        if kind is None:
            return None
        types.append(kind)
    return tuple(types)


def execute_many(conn: Connection, statement: Executable, params: Sequence[dict[str, Any]]) -> None:
    """An executemany of ``statement`` (built once, at import) without SQLAlchemy's per-row parameter work.

    The worker settles hundreds of events per round with one UPDATE; SQLAlchemy's executemany spends more time
    processing each row's parameters than the driver spends running them. Here the statement is compiled once per
    dialect and each row goes to the driver as it is, datetimes encoded as ``UTCDateTime`` would (the only type
    in our statements that needs it). MariaDB/MySQL keep SQLAlchemy's executemany.
    """
    if not params:
        return
    name = conn.dialect.name
    if name not in ("sqlite", "postgresql"):
        conn.execute(statement, list(params))
        return
    sql, order, defaults = _compiled(conn.dialect, statement)
    encode = _sqlite_datetime if name == "sqlite" else _utc_datetime
    if order is not None:  # qmark (SQLite): tuples in the compiled order
        rows: list[Any] = [
            tuple(encode(v) if type(v) is datetime else v for v in (p.get(k, defaults.get(k)) for k in order))
            for p in params
        ]
    else:  # pyformat (psycopg): dicts
        rows = [{k: encode(v) if type(v) is datetime else v for k, v in {**defaults, **p}.items()} for p in params]
    conn.exec_driver_sql(sql, rows)


_Compiled = tuple[str, tuple[str, ...] | None, dict[str, Any]]
# (dialect, id(statement)) -> (statement, compiled): holding the statement keeps its id from being reused.
_compiled_cache: dict[tuple[str, int], tuple[Executable, _Compiled]] = {}


def _compiled(dialect: Dialect, statement: Executable) -> _Compiled:
    key = (dialect.name, id(statement))
    hit = _compiled_cache.get(key)
    if hit is None or hit[0] is not statement:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        order = tuple(compiled.positiontup) if compiled.positional else None
        # Literal values of the statement (state = 'running', lease_owner = NULL) are bound parameters too; the
        # b_* parameters are the caller's.
        defaults = {k: v for k, v in compiled.params.items() if not k.startswith("b_")}
        hit = (statement, (str(compiled), order, defaults))
        _compiled_cache[key] = hit
    return hit[1]

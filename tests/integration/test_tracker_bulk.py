"""The tracker's bulk write path (db.dialect.write_rows: executemany on SQLite, COPY on PostgreSQL, insertmanyvalues
on MariaDB, row by row on MySQL) stores exactly what SQLAlchemy's own per-row insert stores, and the per-block
caches change nothing."""

from __future__ import annotations

import gc
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection

from botfactory import schedule
from botfactory.db import Database
from botfactory.db import dialect as dialect_module
from botfactory.db.models import scheduled_event as e
from botfactory.db.models import scheduled_event_resource as r
from botfactory.errors import ValidationError
from botfactory.events import EventStore, ScheduledEventJob, ScheduledEventTracker, registry
from botfactory.events import tracker as tracker_module
from botfactory.events.store import NewEvent
from botfactory.events.store.inserts import _NULLABLE, EVENT_COLUMNS, RESOURCE_COLUMNS, event_row
from tests.integration.test_tracker import NoteJob

WHEN = datetime(2026, 5, 16, 10, 0, 0, 123456, tzinfo=UTC)
ROUND = datetime(2026, 5, 16, 10, 0, tzinfo=UTC)  # microsecond 0: SQLite text must still carry ".000000"
BERLIN = timezone(timedelta(hours=2))


def _rows() -> list[tuple[Any, ...]]:
    """Rows that exercise every column: NULLs mixed with values, unicode and COPY's special characters, times
    with and without microseconds (aware, naive and non-UTC), nested JSON, skipped events."""
    return [
        event_row("test.bulk", json.dumps({"type": "once", "version": 1, "when": WHEN.isoformat()}), WHEN, WHEN,
                  "plain", 3, 10.0, None, None, None, None, "{}", None, False, None),
        event_row("test.bulk", json.dumps({"type": "once", "version": 1, "when": "x"}), ROUND,
                  datetime(2026, 5, 16, 12, 0, 0, 1, tzinfo=BERLIN), "tab\there\nnewline \\ backslash ünïcødé ✓ 😀",
                  1, 0.5, 30.0, 2.25, "7", "123456789012", json.dumps({"note": "é\t\\\n", "n": [1, 2.5, None, True],
                  "deep": {"a": {"b": "ü"}}}), "a" * 64, True, "user:1:x:"),
        event_row("test.bulk", json.dumps({"type": "interval", "version": 1, "every": 60}), None,
                  datetime(2026, 1, 1, 0, 0, 0, 999999), "", 5, 0.0, None, 1.0, None, "acc", '{"k": "v"}', "ignored",
                  False, None),
        event_row("test.bulk", json.dumps({"type": "once", "version": 1, "when": "y"}), ROUND + timedelta(days=1),
                  WHEN, "last", 3, 10.0, None, None, "9", None, '{"x": []}', None, True, None),
    ]  # fmt: skip


def _reference_rows() -> list[dict[str, Any]]:
    """The same rows as SQLAlchemy's executemany with bind processors wants them (JSON as objects)."""
    rows = []
    for values in _rows():
        row = dict(zip(EVENT_COLUMNS, values, strict=True))
        row["schedule"] = json.loads(row["schedule"])
        row["action_data"] = json.loads(row["action_data"])
        rows.append(row)
    return rows


_READ = [c.name for c in e.columns if c.name != "id"]


def _read(db: Database, ids: list[int]) -> list[tuple[Any, ...]]:
    columns = [e.c[name] for name in _READ]
    with db.read() as conn:
        by_id = {row[0]: tuple(row[1:]) for row in conn.execute(select(e.c.id, *columns).where(e.c.id.in_(ids)))}
    return [by_id[i] for i in ids]


def _raw_in(conn: Connection) -> list[tuple[Any, ...]]:
    """Stored values as the driver returns them (a text() query has no result processing), in id order."""
    query = text(
        "SELECT next_run_at, occurrence_at, created_at, schedule, action_data, revalidate, retry_backoff"
        " FROM scheduled_event ORDER BY id"
    )
    return [tuple(row) for row in conn.execute(query)]


def _raw(db: Database) -> list[tuple[Any, ...]]:
    with db.read() as conn:
        return _raw_in(conn)


@pytest.mark.parametrize("fallback", ["default", "pg-text-copy", "mysql-no-returning"])
def test_bulk_rows_read_back_like_sqlalchemy_inserts(
    database: Database, fallback: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if fallback == "pg-text-copy":
        if database.dialect != "postgresql":
            pytest.skip("text COPY is PostgreSQL's fallback only")
        monkeypatch.setattr(dialect_module, "_pg_types", lambda table, names: None)
    if fallback == "mysql-no-returning":
        if database.dialect != "mysql":
            pytest.skip("MySQL's row-by-row inserts are the MySQL dialect's path only")
        # MariaDB's server, with the dialect saying what MySQL's says: no INSERT ... RETURNING.
        monkeypatch.setattr(database.engine.dialect, "insert_executemany_returning_sort_by_parameter_order", False)
    with database.write() as conn:
        reference_ids = [int(conn.execute(insert(e).values(row)).inserted_primary_key[0]) for row in _reference_rows()]
    expected, expected_raw = _read(database, reference_ids), _raw(database)
    with database.write() as conn:
        conn.execute(e.delete())

    with database.write() as conn:
        bulk_ids = dialect_module.write_rows(conn, e, EVENT_COLUMNS, _rows(), nullable=_NULLABLE, returning_ids=True)
        assert _raw_in(conn) == expected_raw
        # Again in a batch where whole nullable columns are NULL (they are left out of the statement).
        sparse = [_rows()[0]] * 3
        sparse_ids = dialect_module.write_rows(conn, e, EVENT_COLUMNS, sparse, nullable=_NULLABLE, returning_ids=True)
        dialect_module.write_rows(conn, r, RESOURCE_COLUMNS, [(bulk_ids[1], 0, "ü:1:x:"), (bulk_ids[1], 1, "b")])

    assert len(set(bulk_ids + sparse_ids)) == 7 and bulk_ids == sorted(bulk_ids)
    assert _read(database, bulk_ids) == expected
    assert _read(database, sparse_ids) == [expected[0]] * 3
    first, second = (dict(zip(_READ, row, strict=True)) for row in _read(database, bulk_ids[:2]))
    assert (first["created_at"], first["lease_owner"], first["bot_id"]) == (WHEN, None, None)
    assert second["created_at"] == datetime(2026, 5, 16, 10, 0, 0, 1, tzinfo=UTC)
    assert second["action_data"]["note"] == "é\t\\\n" and second["description"].endswith("✓ 😀")
    with database.read() as conn:
        targets = conn.execute(select(r.c.position, r.c.resource_id).where(r.c.event_id == bulk_ids[1])).all()
    assert sorted(targets) == [(0, "ü:1:x:"), (1, "b")]


class PlainJob(ScheduledEventJob):
    def run(self) -> None:
        pass


@pytest.fixture(autouse=True)
def _types() -> None:
    registry.register("test.bulk_note", NoteJob)
    registry.register("test.bulk_plain", PlainJob, max_attempts=4)


def test_a_large_block_reads_back_exactly(database: Database) -> None:
    daily = schedule.Daily(datetime(2026, 1, 1, 9, 30).time(), tz="Europe/Berlin")
    with ScheduledEventTracker(database) as tracker:
        handles = []
        for i in range(1_200):
            kind = i % 4
            if kind == 0:
                handles.append(tracker.schedule_event("test.bulk_plain", schedule.Once(WHEN + timedelta(seconds=i))))
            elif kind == 1:
                handles.append(
                    tracker.schedule_event(
                        "test.bulk_note",
                        daily,
                        f"ünïcødé {i}",
                        resources=[f"instance:{i}:r:i-{i}:", "b"],
                        action_data={"note": f"n{i}", "level": i},
                        bot_id=i,
                        timeout=5,
                    )
                )
            elif kind == 2:
                handles.append(tracker.schedule_event("test.bulk_plain", schedule.Once(ROUND), dedupe_key=f"k{i % 40}"))
            else:
                handles.append(tracker.schedule_event("test.bulk_note", daily, action_data=f'{{"note": "{i}"}}'))
    store = EventStore(database)
    events = {ev.id: ev for ev in store.list_events(limit=0)}
    assert len(events) == 900 + 10  # 300 kind-2 calls share 10 dedupe keys
    for i, handle in enumerate(handles):
        ev = events[handle.id]
        assert ev.next_run_at == handle.next_run_at
        assert ev.action_data == handle.action_data
        assert ev.resource_ids == handle.resource_ids
        if i % 4 == 0:
            assert ev.schedule == schedule.Once(WHEN + timedelta(seconds=i)).to_json() and ev.max_attempts == 4
        elif i % 4 == 1:
            assert (ev.description, ev.bot_id, ev.account_id, ev.timeout) == (f"ünïcødé {i}", str(i), str(i), 5.0)
            assert ev.schedule == daily.to_json() and ev.max_attempts == 3
        elif i % 4 == 3:
            assert ev.action_data == {"note": str(i)} and ev.timeout is None
    assert len({handles[i].id for i in range(2, 1_200, 4)}) == 10


def test_block_caches_never_skip_a_check(sqlite_database: Database) -> None:
    once = schedule.Once(WHEN)
    with ScheduledEventTracker() as tracker:
        tracker.schedule_event("test.bulk_note", once, action_data={"note": "x"})
        with pytest.raises(ValidationError) as err:
            tracker.schedule_event("test.bulk_note", once, action_data={})
        assert err.value.field == "action_data" and "note" in str(err.value)
        with pytest.raises(ValidationError) as err:
            tracker.schedule_event("test.bulk_note", once, action_data={"note": "x", "colour": "red"})
        assert "colour" in str(err.value)
        with pytest.raises(ValidationError) as err:
            tracker.schedule_event("test.bulk_plain", once, max_attempts=0)
        assert err.value.field == "max_attempts"
        overridden = tracker.schedule_event("test.bulk_plain", once, max_attempts=9)
        default = tracker.schedule_event("test.bulk_plain", once)
    stored = {ev.id: ev for ev in EventStore(sqlite_database).list_events()}
    assert (stored[overridden.id].max_attempts, stored[default.id].max_attempts) == (9, 4)

    registry.register("test.bulk_plain", PlainJob, max_attempts=2)  # a new block sees re-registered defaults
    with ScheduledEventTracker() as tracker:
        again = tracker.schedule_event("test.bulk_plain", once)
    assert EventStore(sqlite_database).get_event(again.id).max_attempts == 2


def test_insert_events_takes_loose_values(database: Database) -> None:
    naive = datetime(2030, 1, 2, 3, 4, 5, 6)
    [event_id] = EventStore(database).insert_events(
        [NewEvent("test.bulk_plain", {"type": "once", "version": 1, "when": "z"}, naive, naive, max_attempts=2,
                  retry_backoff=10, misfire_grace=30, timeout=1, revalidate=1, resource_ids=("a", "b"))]
    )  # fmt: skip
    ev = EventStore(database).get_event(event_id)
    assert (ev.next_run_at, ev.occurrence_at, ev.created_at) == (naive.replace(tzinfo=UTC),) * 3
    assert (ev.retry_backoff, ev.misfire_grace, ev.timeout, ev.revalidate) == (10.0, 30.0, 1.0, True)
    assert ev.resource_ids == ("a", "b") and ev.state == "pending"


def test_a_large_block_hides_its_rows_from_the_collector_only_while_it_is_open(
    sqlite_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tracker_module, "FREEZE_FROM", 10)
    later = schedule.Once(WHEN)
    assert gc.get_freeze_count() == 0
    with ScheduledEventTracker(sqlite_database) as tracker:
        for _ in range(9):
            tracker.schedule_event("test.bulk_plain", later)
        assert gc.get_freeze_count() == 0  # a small block leaves the collector alone
        tracker.schedule_event("test.bulk_plain", later)
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0 and len(EventStore(sqlite_database).list_events(limit=0)) == 10

    with pytest.raises(RuntimeError), ScheduledEventTracker(sqlite_database) as tracker:
        for _ in range(25):
            tracker.schedule_event("test.bulk_plain", later)
        raise RuntimeError("the block fails: nothing is written, nothing stays frozen")
    assert gc.get_freeze_count() == 0 and len(EventStore(sqlite_database).list_events(limit=0)) == 10

    dropped = ScheduledEventTracker(sqlite_database)
    for _ in range(10):
        dropped.schedule_event("test.bulk_plain", later)
    assert gc.get_freeze_count() > 0
    del dropped  # never committed
    assert gc.get_freeze_count() == 0

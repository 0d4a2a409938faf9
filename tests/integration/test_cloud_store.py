"""ResourceStore on SQLite, PostgreSQL and MariaDB: upsert, deletion marks, streaming queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from botfactory.db import Database
from botfactory.db.models.resources import resource as resource_table
from botfactory.errors import ValidationError
from botfactory.resources.model import Resource, ResourceId
from botfactory.resources.store import ResourceStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _inst(native: str, region: str = "us-east-1", account: str = "1", **kw: object) -> Resource:
    return Resource(ResourceId("instance", account, region, native), **kw)  # type: ignore[arg-type]


def test_upsert_reports_created_modified_unchanged(database: Database) -> None:
    store = ResourceStore(database)
    first = store.upsert(
        [_inst("i-1", state="running", tags={"Owner": "a"}, properties={"launch": T0}), _inst("i-2", state="running")],
        now=T0,
    )
    assert [r.native_id for r in first.created] == ["i-1", "i-2"] and not first.modified and not first.unchanged
    assert first.created[0].properties == {"launch": T0.isoformat()}  # stored as JSON gives it back

    later = T0 + timedelta(hours=1)
    second = store.upsert(
        [
            _inst("i-1", state="running", tags={"Owner": "a"}, properties={"launch": T0.isoformat()}),
            _inst("i-2", state="stopped"),
            _inst("i-3", state="pending"),
        ],
        now=later,
    )
    assert [r.native_id for r in second.unchanged] == ["i-1"]
    assert [(old.state, new.state) for old, new in second.modified] == [("running", "stopped")]
    assert [r.native_id for r in second.created] == ["i-3"]

    stored = store.get("instance:1:us-east-1:i-2:")
    assert stored is not None and stored.state == "stopped"
    assert stored.discovered_at == T0 and stored.updated_at == later
    unchanged = store.get(ResourceId("instance", "1", "us-east-1", "i-1"))
    assert unchanged is not None and unchanged.updated_at == T0 and unchanged.tags == {"Owner": "a"}


def test_mark_missing_keeps_rows_and_revival_counts_as_created(database: Database) -> None:
    store = ResourceStore(database)
    store.upsert([_inst("i-1"), _inst("i-2"), _inst("i-3")], now=T0)
    store.upsert([_inst("i-9", region="us-west-2")], now=T0)
    gone = store.mark_missing("instance", "1", "us-east-1", ["instance:1:us-east-1:i-1:"], now=T0 + timedelta(1))
    assert sorted(r.native_id for r in gone) == ["i-2", "i-3"]
    assert all(r.deleted_at == T0 + timedelta(1) for r in gone)
    assert store.count(["instance"]) == 2  # i-1 and the other region's i-9
    assert store.count(["instance"], include_deleted=True) == 4
    assert store.mark_missing("instance", "1", "us-east-1", ["instance:1:us-east-1:i-1:"]) == []  # already marked

    back = store.upsert([_inst("i-1"), _inst("i-2")], now=T0 + timedelta(2))
    assert [r.native_id for r in back.created] == ["i-2"] and [r.native_id for r in back.unchanged] == ["i-1"]
    revived = store.get("instance:1:us-east-1:i-2:")
    assert revived is not None and revived.deleted_at is None
    assert [r.native_id for r in store.mark_deleted(["instance:1:us-west-2:i-9:"])] == ["i-9"]


def test_upsert_takes_one_scope_at_a_time(database: Database) -> None:
    store = ResourceStore(database)
    with pytest.raises(ValidationError, match="one \\(type, account, region\\) batch"):
        store.upsert([_inst("i-1"), _inst("i-2", region="us-west-2")])
    with pytest.raises(ValidationError, match="twice"):
        store.upsert([_inst("i-1"), _inst("i-1")])


def test_query_streams_in_chunks_with_filters(database: Database) -> None:
    store = ResourceStore(database)
    store.upsert([_inst(f"i-{n:03}") for n in range(25)], now=T0)
    store.upsert([_inst(f"i-w{n}", region="us-west-2") for n in range(5)], now=T0)
    store.upsert([_inst("i-other", account="2")], now=T0)
    store.upsert([Resource(ResourceId("bucket", "1", "us-east-1", "logs"))], now=T0)
    store.mark_deleted(["instance:1:us-east-1:i-000:"])

    chunks = list(store.iter_chunks(["instance"], ["1"], ["us-east-1"], chunk_size=10))
    assert [len(c) for c in chunks] == [10, 10, 4]
    assert [r.native_id for c in chunks for r in c] == [f"i-{n:03}" for n in range(1, 25)]
    assert len(list(store.query(["instance"], include_deleted=True, chunk_size=7))) == 31
    assert {r.region for r in store.query(regions=["us-west-2"])} == {"us-west-2"}
    assert [r.native_id for r in store.query(account_ids=[2])] == ["i-other"]
    assert store.count(["bucket", "instance"], account_ids=["1"]) == 30
    assert store.counts_by_type(["1"]) == {"bucket": 1, "instance": 29}
    found = store.get_many(["instance:1:us-east-1:i-001:", "bucket:1:us-east-1:logs:", "bucket:1:us-east-1:nope:"])
    assert sorted(found) == ["bucket:1:us-east-1:logs:", "instance:1:us-east-1:i-001:"]
    assert store.get("volume:1:us-east-1:vol-none:") is None


def test_a_changed_row_is_compared_by_fingerprint_not_by_reloading(database: Database) -> None:
    """Unchanged resources cost no writes: tampering with the stored JSON behind the fingerprint's back is not
    noticed, which shows the comparison never loads the JSON."""
    store = ResourceStore(database)
    store.upsert([_inst("i-1", properties={"a": 1})], now=T0)
    with database.write() as conn:
        conn.execute(update(resource_table).values(properties={"a": 2}))
    again = store.upsert([_inst("i-1", properties={"a": 1})], now=T0 + timedelta(1))
    assert [r.native_id for r in again.unchanged] == ["i-1"]

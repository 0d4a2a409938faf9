"""All SQL for harvested resources: upsert a harvested batch, mark vanished ones deleted, read them back.

A batch is the resources of one (type, account, region) scope; what is unchanged is recognised by a fingerprint
column, so re-harvesting an unchanged account costs one SELECT and no writes. Reads stream in keyset-paginated
chunks (each chunk its own short transaction), so a bot can walk 100,000 resources without holding a connection
or loading them all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from botfactory import clock
from botfactory.db.engine import Database
from botfactory.db.models.resources import resource as resource_table
from botfactory.errors import ValidationError
from botfactory.resources.model import Resource, ResourceId

CHUNK = 500  # rows per statement: well under every driver's bind-parameter limit


@dataclass
class UpsertResult:
    """What one upsert did, for hookpoints: ``modified`` holds ``(old, new)`` pairs."""

    created: list[Resource] = field(default_factory=list)
    modified: list[tuple[Resource, Resource]] = field(default_factory=list)
    unchanged: list[Resource] = field(default_factory=list)


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def normalise_json(value: Any) -> Any:
    """The value as the database will give it back (datetimes as ISO strings, tuples as lists)."""
    return json.loads(json.dumps(value, default=_json_default))


def fingerprint(name: str, state: str, tags: dict[str, str], properties: dict[str, Any]) -> str:
    canonical = json.dumps([name, state, tags, properties], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _as_id(value: str | ResourceId) -> ResourceId:
    return value if isinstance(value, ResourceId) else ResourceId.from_string(value)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def row_to_resource(row: Row[Any]) -> Resource:
    """The one place a ``resource`` row becomes a Resource."""
    return Resource(
        resource_id=ResourceId(row.resource_type, row.account_id, row.region, row.native_id),
        name=row.name,
        state=row.state,
        tags=dict(row.tags or {}),
        properties=dict(row.properties or {}),
        created_at=row.created_at,
        discovered_at=row.discovered_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
    )


class ResourceStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- writes ---------------------------------------------------------------------------------------------

    def upsert(self, resources: Sequence[Resource], *, now: datetime | None = None) -> UpsertResult:
        """Store one harvested batch; every resource must share one (type, account, region) scope."""
        if not resources:
            return UpsertResult()
        scope = {(r.resource_type, r.account_id, r.region) for r in resources}
        if len(scope) != 1:
            raise ValidationError(
                f"upsert takes one (type, account, region) batch at a time, got {sorted(scope)}", field="resources"
            )
        ids = [r.get_resource_id() for r in resources]
        if len(set(ids)) != len(ids):
            raise ValidationError("upsert batch holds the same resource id twice", field="resources")
        now = now or clock.now()
        try:
            return self._upsert(resources, now)
        except IntegrityError:
            # Another harvest of the same scope inserted some of these rows between our SELECT and INSERT
            # (READ COMMITTED on PostgreSQL/MariaDB). Those rows now exist, so once more sees them.
            return self._upsert(resources, now)

    def _upsert(self, resources: Sequence[Resource], now: datetime) -> UpsertResult:
        rtype, account_id, region = resources[0].resource_type, resources[0].account_id, resources[0].region
        t = resource_table
        result = UpsertResult()
        with self.db.write() as conn:
            existing = {
                row.resource_id: row
                for row in conn.execute(
                    select(
                        t.c.id,
                        t.c.resource_id,
                        t.c.fingerprint,
                        t.c.created_at,
                        t.c.discovered_at,
                        t.c.updated_at,
                        t.c.deleted_at,
                    ).where(t.c.resource_type == rtype, t.c.account_id == account_id, t.c.region == region)
                )
            }
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            changed_ids: dict[int, Resource] = {}
            for res in resources:
                tags = {str(k): str(v) for k, v in normalise_json(res.tags or {}).items()}
                props = normalise_json(res.properties or {})
                name, state = res.name or "", res.state or ""
                digest = fingerprint(name, state, tags, props)
                row = existing.get(res.get_resource_id())
                if row is None:
                    created_at = res.created_at or now
                    stored = replace(
                        res,
                        name=name,
                        state=state,
                        tags=tags,
                        properties=props,
                        created_at=created_at,
                        discovered_at=now,
                        updated_at=now,
                        deleted_at=None,
                    )
                    inserts.append(self._values(stored, digest))
                    result.created.append(stored)
                elif row.fingerprint == digest and row.deleted_at is None:
                    result.unchanged.append(
                        replace(
                            res,
                            name=name,
                            state=state,
                            tags=tags,
                            properties=props,
                            created_at=row.created_at,
                            discovered_at=row.discovered_at,
                            updated_at=row.updated_at,
                            deleted_at=None,
                        )
                    )
                else:
                    revived = row.deleted_at is not None
                    stored = replace(
                        res,
                        name=name,
                        state=state,
                        tags=tags,
                        properties=props,
                        created_at=res.created_at or row.created_at,
                        discovered_at=now if revived else row.discovered_at,
                        updated_at=now,
                        deleted_at=None,
                    )
                    updates.append({**self._values(stored, digest), "b_id": row.id})
                    if revived:
                        result.created.append(stored)  # it came back: to handlers it is new again
                    else:
                        changed_ids[row.id] = stored
            for chunk in _chunks(inserts):
                conn.execute(t.insert(), list(chunk))
            if changed_ids:
                old = self._rows_by_id(conn, list(changed_ids))
                result.modified = [(old[row_id], new) for row_id, new in changed_ids.items()]
            if updates:
                stmt = (
                    update(t)
                    .where(t.c.id == bindparam("b_id"))
                    .values({col: bindparam(col) for col in updates[0] if col != "b_id"})
                )
                for chunk in _chunks(updates):
                    conn.execute(stmt, list(chunk))
        return result

    @staticmethod
    def _values(res: Resource, digest: str) -> dict[str, Any]:
        return {
            "resource_id": res.get_resource_id(),
            "resource_type": res.resource_type,
            "account_id": res.account_id,
            "region": res.region,
            "native_id": res.native_id,
            "name": res.name,
            "state": res.state,
            "tags": res.tags,
            "properties": res.properties,
            "fingerprint": digest,
            "created_at": res.created_at,
            "discovered_at": res.discovered_at,
            "updated_at": res.updated_at,
            "deleted_at": res.deleted_at,
        }

    @staticmethod
    def _rows_by_id(conn: Connection, ids: list[int]) -> dict[int, Resource]:
        t = resource_table
        found: dict[int, Resource] = {}
        for chunk in _chunks(ids):
            for row in conn.execute(select(t).where(t.c.id.in_(chunk))):
                found[row.id] = row_to_resource(row)
        return found

    def mark_missing(
        self,
        resource_type: str,
        account_id: str | int,
        region: str | None,
        present: Iterable[str | ResourceId],
        *,
        now: datetime | None = None,
    ) -> list[Resource]:
        """Mark live resources of the scope that are not in ``present`` deleted (kept, not dropped).

        ``region=None`` covers every region (S3 lists buckets of all regions at once). Returns what was marked.
        """
        keep = {str(r) for r in present}
        t = resource_table
        where = [t.c.resource_type == resource_type, t.c.account_id == str(account_id), t.c.deleted_at.is_(None)]
        if region is not None:
            where.append(t.c.region == region)
        with self.db.write() as conn:
            live = conn.execute(select(t.c.id, t.c.resource_id).where(*where)).all()
            gone = [row.id for row in live if row.resource_id not in keep]
            return self._mark_deleted(conn, gone, now or clock.now())

    def mark_deleted(self, resource_ids: Iterable[str | ResourceId], *, now: datetime | None = None) -> list[Resource]:
        """Mark these resources deleted (a remediation deleted them, or the cloud no longer knows them)."""
        wanted = [str(_as_id(r)) for r in resource_ids]
        t = resource_table
        with self.db.write() as conn:
            ids: list[int] = []
            for chunk in _chunks(wanted):
                ids += conn.execute(
                    select(t.c.id).where(t.c.resource_id.in_(chunk), t.c.deleted_at.is_(None))
                ).scalars()
            return self._mark_deleted(conn, ids, now or clock.now())

    def mark_account_deleted(self, account_id: str | int, *, now: datetime | None = None) -> int:
        """Mark every live resource of an account deleted (the account was removed)."""
        t = resource_table
        with self.db.write() as conn:
            done = conn.execute(
                update(t)
                .where(t.c.account_id == str(account_id), t.c.deleted_at.is_(None))
                .values(deleted_at=now or clock.now(), updated_at=now or clock.now())
            )
            return int(done.rowcount or 0)

    def _mark_deleted(self, conn: Connection, ids: list[int], now: datetime) -> list[Resource]:
        if not ids:
            return []
        t = resource_table
        for chunk in _chunks(ids):
            conn.execute(update(t).where(t.c.id.in_(chunk)).values(deleted_at=now, updated_at=now))
        return list(self._rows_by_id(conn, ids).values())

    # -- reads ----------------------------------------------------------------------------------------------

    def get(self, resource_id: str | ResourceId) -> Resource | None:
        """The stored resource (deleted ones too: ``is_deleted`` says), or None."""
        rid = str(_as_id(resource_id))
        with self.db.read() as conn:
            row = conn.execute(select(resource_table).where(resource_table.c.resource_id == rid)).first()
        return None if row is None else row_to_resource(row)

    def get_many(self, resource_ids: Iterable[str | ResourceId]) -> dict[str, Resource]:
        """Stored resources by resource id string, in one query per few hundred ids; unknown ids are absent."""
        wanted = list(dict.fromkeys(str(_as_id(r)) for r in resource_ids))
        found: dict[str, Resource] = {}
        with self.db.read() as conn:
            for chunk in _chunks(wanted):
                for row in conn.execute(select(resource_table).where(resource_table.c.resource_id.in_(chunk))):
                    found[row.resource_id] = row_to_resource(row)
        return found

    @staticmethod
    def _filters(
        resource_types: Iterable[str] | None,
        account_ids: Iterable[str | int] | None,
        regions: Iterable[str] | None,
        include_deleted: bool,
    ) -> list[ColumnElement[bool]]:
        t = resource_table
        where: list[ColumnElement[bool]] = []
        if resource_types is not None:
            where.append(t.c.resource_type.in_(list(resource_types)))
        if account_ids is not None:
            where.append(t.c.account_id.in_([str(a) for a in account_ids]))
        if regions is not None:
            where.append(t.c.region.in_(list(regions)))
        if not include_deleted:
            where.append(t.c.deleted_at.is_(None))
        return where

    def iter_chunks(
        self,
        resource_types: Iterable[str] | None = None,
        account_ids: Iterable[str | int] | None = None,
        regions: Iterable[str] | None = None,
        include_deleted: bool = False,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[list[Resource]]:
        """Matching resources in id order, ``chunk_size`` at a time; each chunk is one short read."""
        where = self._filters(resource_types, account_ids, regions, include_deleted)
        t = resource_table
        last_id = 0
        while True:
            stmt = select(t).where(and_(*where, t.c.id > last_id)).order_by(t.c.id).limit(chunk_size)
            with self.db.read() as conn:
                rows = conn.execute(stmt).all()
            if not rows:
                return
            last_id = rows[-1].id
            yield [row_to_resource(row) for row in rows]
            if len(rows) < chunk_size:
                return

    def query(
        self,
        resource_types: Iterable[str] | None = None,
        account_ids: Iterable[str | int] | None = None,
        regions: Iterable[str] | None = None,
        include_deleted: bool = False,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Resource]:
        """Matching resources, streamed (a generator: wrap in ``list()`` to hold them all). None = no filter."""
        types = list(resource_types) if resource_types is not None else None
        accounts = list(account_ids) if account_ids is not None else None
        region_list = list(regions) if regions is not None else None
        for chunk in self.iter_chunks(types, accounts, region_list, include_deleted, chunk_size=chunk_size):
            yield from chunk

    def count(
        self,
        resource_types: Iterable[str] | None = None,
        account_ids: Iterable[str | int] | None = None,
        regions: Iterable[str] | None = None,
        include_deleted: bool = False,
    ) -> int:
        where = self._filters(resource_types, account_ids, regions, include_deleted)
        with self.db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(resource_table).where(*where)).scalar_one())

    def counts_by_type(self, account_ids: Iterable[str | int] | None = None) -> dict[str, int]:
        """Live resources per type (the CLI's harvest summary and the dashboard)."""
        t = resource_table
        where = self._filters(None, account_ids, None, False)
        stmt = select(t.c.resource_type, func.count()).where(*where).group_by(t.c.resource_type)
        with self.db.read() as conn:
            return {rtype: int(n) for rtype, n in conn.execute(stmt)}

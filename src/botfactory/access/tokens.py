"""API tokens: made once, shown once, stored only as a SHA-256 hash.

A token is ``bf_`` plus 43 URL-safe characters (256 random bits), so a hash lookup is all verification needs:
no salt or slow hash is called for when the secret is random rather than chosen by a person. Revoking keeps the
row (the audit log and ``tokens list`` still name it) and makes it fail verification from then on.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping

from botfactory.access.roles import Principal, check_role
from botfactory.clock import now
from botfactory.db import Database, default_database
from botfactory.db.models.access import api_token as t
from botfactory.errors import NotFound, ValidationError

PREFIX = "bf_"
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{16,200}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Writing last_used_at on every request would turn every read into a write (and take SQLite's write lock).
_TOUCH_EVERY = timedelta(minutes=1)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("name: a token needs a non-empty name", field="name", value=name)
    name = name.strip()
    if len(name) > 200 or _CONTROL.search(name):
        raise ValidationError("name: at most 200 characters, no control characters", field="name", value=name)
    return name


@dataclass(frozen=True)
class TokenRecord:
    id: int
    name: str
    role: str
    created_at: datetime
    created_by: str | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    # Never shown: the dashboard's session cookies are signed with it, so revoking a token ends its sessions.
    token_hash: str = field(repr=False, default="")

    @classmethod
    def from_row(cls, row: RowMapping) -> TokenRecord:
        return cls(
            id=int(row["id"]),
            name=row["name"],
            role=row["role"],
            created_at=row["created_at"],
            created_by=row["created_by"],
            last_used_at=row["last_used_at"],
            revoked_at=row["revoked_at"],
            token_hash=row["token_hash"],
        )

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def principal(self) -> Principal:
        return Principal(self.id, self.name, self.role)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "active": self.active,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "last_used_at": self.last_used_at,
            "revoked_at": self.revoked_at,
        }


class TokenStore:
    def __init__(self, db: Database | None = None) -> None:
        self.db = db or default_database()
        self._touched: dict[int, datetime] = {}
        self._lock = threading.Lock()

    def create(self, name: str, role: str, *, created_by: str | None = None) -> tuple[TokenRecord, str]:
        """A new token: returns its record and the secret, which is not kept anywhere."""
        name, role = check_name(name), check_role(role)
        secret = PREFIX + secrets.token_urlsafe(32)
        moment = now()
        values = {
            "name": name,
            "role": role,
            "token_hash": hash_token(secret),
            "created_at": moment,
            "created_by": created_by,
        }
        with self.db.write() as conn:
            token_id = int(conn.execute(insert(t).values(**values)).inserted_primary_key[0])
        return TokenRecord(token_id, name, role, moment, created_by, None, None, values["token_hash"]), secret

    def list(self, *, include_revoked: bool = True) -> list[TokenRecord]:
        query = select(t).order_by(t.c.id)
        if not include_revoked:
            query = query.where(t.c.revoked_at.is_(None))
        with self.db.read() as conn:
            return [TokenRecord.from_row(row) for row in conn.execute(query).mappings()]

    def find(self, token_id: int) -> TokenRecord | None:
        with self.db.read() as conn:
            row = conn.execute(select(t).where(t.c.id == int(token_id))).mappings().first()
        return None if row is None else TokenRecord.from_row(row)

    def get(self, token_id: int) -> TokenRecord:
        record = self.find(token_id)
        if record is None:
            raise NotFound(f"token {token_id} does not exist")
        return record

    def revoke(self, token_id: int) -> TokenRecord:
        """Revoke (idempotent: a revoked token stays revoked at its first revocation time)."""
        with self.db.write() as conn:
            conn.execute(update(t).where(t.c.id == int(token_id), t.c.revoked_at.is_(None)).values(revoked_at=now()))
        return self.get(token_id)

    def verify(self, secret: str | None) -> TokenRecord | None:
        """The active token with this secret, or None. Malformed input is simply not a token."""
        if not secret or not _TOKEN_SHAPE.match(secret):
            return None
        with self.db.read() as conn:
            row = conn.execute(select(t).where(t.c.token_hash == hash_token(secret))).mappings().first()
        if row is None or row["revoked_at"] is not None:
            return None
        record = TokenRecord.from_row(row)
        self._touch(record.id)
        return record

    def active(self, token_id: int) -> TokenRecord | None:
        """The token with this id if it is still active (dashboard sessions re-check on every request)."""
        record = self.find(token_id)
        if record is None or not record.active:
            return None
        self._touch(record.id)
        return record

    def _touch(self, token_id: int) -> None:
        moment = now()
        with self._lock:
            last = self._touched.get(token_id)
            if last is not None and moment - last < _TOUCH_EVERY:
                return
            self._touched[token_id] = moment
        with self.db.write() as conn:
            conn.execute(update(t).where(t.c.id == token_id).values(last_used_at=moment))

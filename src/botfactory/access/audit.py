"""The audit log: who changed what, when, on which target, with a few details.

Details are JSON and are scrubbed on the way in: keys that name secrets are replaced by ``"***"`` whatever the
caller passed, so a careless caller cannot leak a token or a credential into a log every admin can read.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, select, true

from botfactory.clock import now
from botfactory.db import Database, default_database
from botfactory.db.models.access import audit_log as a

_SECRET_KEY = re.compile(r"token|secret|password|passwd|credential|private|session|csrf|access_key|api_key", re.I)
_MAX_DETAILS = 8_000  # characters of JSON; enough for ids and names, bounded against huge bulk filters


def scrub(value: Any) -> Any:
    """A JSON-safe copy of ``value`` without secrets or NUL characters (PostgreSQL refuses them in JSON)."""
    if isinstance(value, dict):
        return {
            str(k).replace("\x00", ""): ("***" if _SECRET_KEY.search(str(k)) else scrub(v)) for k, v in value.items()
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value).replace("\x00", "")


def _clip(text: str | None, size: int) -> str | None:
    return None if text is None else text.replace("\x00", "")[:size]


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    details: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    target: str | None = None
    before_id: int | None = None

    def clause(self) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if self.actor is not None:
            parts.append(a.c.actor == self.actor)
        if self.action is not None:
            parts.append(a.c.action == self.action)
        if self.target is not None:
            parts.append(a.c.target == self.target)
        if self.before_id is not None:
            parts.append(a.c.id < int(self.before_id))
        return and_(true(), *parts)


class AuditLog:
    def __init__(self, db: Database | None = None) -> None:
        self.db = db or default_database()

    def record(self, actor: str, action: str, target: str | None = None, details: dict[str, Any] | None = None) -> int:
        clean = scrub(details) if details is not None else None
        if clean is not None and len(json.dumps(clean)) > _MAX_DETAILS:
            clean = {"truncated": True, "keys": sorted(clean)[:50]}
        values = {
            "at": now(),
            "actor": _clip(actor, 255) or "unknown",
            "action": _clip(action, 64) or "unknown",
            "target": _clip(target, 512),
            "details": clean,
        }
        with self.db.write() as conn:
            return int(conn.execute(insert(a).values(**values)).inserted_primary_key[0])

    def list(self, flt: AuditFilter | None = None, *, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
        """Newest first; for deep pages use ``AuditFilter(before_id=...)``."""
        query = select(a).where((flt or AuditFilter()).clause()).order_by(a.c.id.desc())
        if limit:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        with self.db.read() as conn:
            return [
                AuditEntry(
                    id=int(row["id"]),
                    at=row["at"],
                    actor=row["actor"],
                    action=row["action"],
                    target=row["target"],
                    details=row["details"],
                )
                for row in conn.execute(query).mappings()
            ]

    def count(self, flt: AuditFilter | None = None) -> int:
        with self.db.read() as conn:
            return int(
                conn.execute(select(func.count()).select_from(a).where((flt or AuditFilter()).clause())).scalar()
            )

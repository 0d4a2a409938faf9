"""Rows as objects: the one place a database row becomes an ``EventRecord`` or a ``HistoryRecord``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping

TERMINAL_STATES = frozenset({"succeeded", "failed", "cancelled", "skipped"})


@dataclass(frozen=True)
class EventRecord:
    id: int
    event_type: str
    description: str
    state: str
    schedule: dict[str, Any]
    next_run_at: datetime | None
    occurrence_at: datetime | None
    attempt: int
    max_attempts: int
    retry_backoff: float
    misfire_grace: float | None
    timeout: float | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    bot_id: str | None
    account_id: str | None
    action_data: dict[str, Any]
    dedupe_key: str | None
    revalidate: bool
    created_at: datetime
    created_by: str | None
    last_run_at: datetime | None
    last_status: str | None
    run_count: int
    resource_ids: tuple[str, ...] = field(default=())

    @classmethod
    def from_row(cls, row: RowMapping, resource_ids: tuple[str, ...] = ()) -> EventRecord:
        return cls(
            id=int(row["id"]),
            event_type=row["event_type"],
            description=row["description"],
            state=row["state"],
            schedule=dict(row["schedule"]),
            next_run_at=row["next_run_at"],
            occurrence_at=row["occurrence_at"],
            attempt=int(row["attempt"]),
            max_attempts=int(row["max_attempts"]),
            retry_backoff=float(row["retry_backoff"]),
            misfire_grace=row["misfire_grace"],
            timeout=row["timeout"],
            lease_owner=row["lease_owner"],
            lease_expires_at=row["lease_expires_at"],
            bot_id=row["bot_id"],
            account_id=row["account_id"],
            action_data=dict(row["action_data"] or {}),
            dedupe_key=row["dedupe_key"],
            revalidate=bool(row["revalidate"]),
            created_at=row["created_at"],
            created_by=row["created_by"],
            last_run_at=row["last_run_at"],
            last_status=row["last_status"],
            run_count=int(row["run_count"]),
            resource_ids=resource_ids,
        )

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    def schedule_object(self) -> Any:
        from botfactory.schedule import from_json

        return from_json(self.schedule)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of DESIGN §11 (a few more keys after the contract's)."""
        return {
            "id": self.id,
            "event_type": self.event_type,
            "state": self.state,
            "next_run_at": self.next_run_at,
            "bot_id": self.bot_id,
            "account_id": self.account_id,
            "resource_ids": list(self.resource_ids),
            "attempt": self.attempt,
            "max_attempts": self.max_attempts,
            "last_status": self.last_status,
            "lease_owner": self.lease_owner,
            "created_by": self.created_by,
            "description": self.description,
            "schedule": self.schedule,
            "occurrence_at": self.occurrence_at,
            "last_run_at": self.last_run_at,
            "run_count": self.run_count,
            "created_at": self.created_at,
            "action_data": self.action_data,
            "revalidate": self.revalidate,
        }


@dataclass(frozen=True)
class HistoryRecord:
    id: int
    event_id: int
    event_type: str
    bot_id: str | None
    account_id: str | None
    resource_id: str
    scheduled_for: datetime
    started_at: datetime
    finished_at: datetime
    status: str
    attempt: int
    worker: str | None
    result_data: str | None

    @classmethod
    def from_row(cls, row: RowMapping) -> HistoryRecord:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

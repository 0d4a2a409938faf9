"""Tables of the events layer (DESIGN §3): scheduled events, their target resources, history, workers."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from botfactory.db.base import metadata
from botfactory.db.types import IdType, JSONType, UTCDateTime

# States and history statuses are plain strings so every database stores them the same way.
EVENT_STATES = ("pending", "running", "succeeded", "failed", "cancelled", "skipped")
TERMINAL_STATES = ("succeeded", "failed", "cancelled", "skipped")
HISTORY_STATUSES = ("SUCCESS", "ERROR", "SKIPPED", "TIMEOUT", "MISSED")

scheduled_event = Table(
    "scheduled_event",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("event_type", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("schedule", JSONType, nullable=False),
    # When the event may next be claimed (a retry moves it, the occurrence stays in occurrence_at).
    Column("next_run_at", UTCDateTime, nullable=True),
    # The occurrence the current attempts belong to: history's scheduled_for.
    Column("occurrence_at", UTCDateTime, nullable=True),
    Column("attempt", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("retry_backoff", Float, nullable=False),
    Column("misfire_grace", Float, nullable=True),
    Column("timeout", Float, nullable=True),
    Column("lease_owner", String(255), nullable=True),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Column("bot_id", String(255), nullable=True),
    Column("account_id", String(255), nullable=True),
    Column("action_data", JSONType, nullable=False),
    # SHA-256 hex of the logical key; cleared when the event ends so the key can be used again.
    Column("dedupe_key", String(64), nullable=True),
    Column("revalidate", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(255), nullable=True),
    Column("last_run_at", UTCDateTime, nullable=True),
    Column("last_status", String(16), nullable=True),
    Column("run_count", Integer, nullable=False),
    UniqueConstraint("dedupe_key", name="uq_scheduled_event_dedupe_key"),
    # Claims filter on state and the types a worker has loaded, then order by due time; events of
    # unloaded types therefore never sit in front of a claim (DESIGN §9 "Claim index").
    Index("ix_scheduled_event_claim", "state", "event_type", "next_run_at"),
    Index("ix_scheduled_event_due", "state", "next_run_at"),
    Index("ix_scheduled_event_bot_id", "bot_id"),
    Index("ix_scheduled_event_account_id", "account_id"),
)

scheduled_event_resource = Table(
    "scheduled_event_resource",
    metadata,
    Column(
        "event_id",
        IdType,
        ForeignKey("scheduled_event.id", ondelete="CASCADE", name="fk_event_resource_event"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("resource_id", String(512), nullable=False),
    Index("ix_scheduled_event_resource_resource_id", "resource_id"),
)

event_history = Table(
    "event_history",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("event_id", BigInteger, nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("bot_id", String(255), nullable=True),
    Column("account_id", String(255), nullable=True),
    # '' when the attempt targets no resource, so the unique key below holds on every database.
    Column("resource_id", String(512), nullable=False),
    Column("scheduled_for", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("worker", String(255), nullable=True),
    Column("result_data", Text, nullable=True),
    UniqueConstraint("event_id", "scheduled_for", "attempt", "resource_id", name="uq_event_history_attempt"),
    Index("ix_event_history_finished_at", "finished_at"),
    Index("ix_event_history_bot", "bot_id", "finished_at"),
    Index("ix_event_history_account", "account_id", "finished_at"),
    Index("ix_event_history_type", "event_type", "finished_at"),
    Index("ix_event_history_status", "status", "finished_at"),
    Index("ix_event_history_resource", "resource_id"),
)

worker_process = Table(
    "worker_process",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    # host:pid — what leases name as their owner.
    Column("name", String(255), nullable=False),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("concurrency", Integer, nullable=False),
    Column("event_types", JSONType, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    Column("stopped_at", UTCDateTime, nullable=True),
    UniqueConstraint("name", name="uq_worker_process_name"),
    Index("ix_worker_process_heartbeat_at", "heartbeat_at"),
)

"""Tables of the bots layer (DESIGN §3, §7): stored bots and the record of every bot run."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Index, Integer, String, Table, Text, UniqueConstraint

from botfactory.db.base import metadata
from botfactory.db.types import IdType, JSONType, UTCDateTime

BOT_STATES = ("RUNNING", "PAUSED", "ARCHIVED")

bot = Table(
    "bot",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=False),
    Column("category", String(100), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    # Schedule JSON (botfactory.schedule), or NULL for a bot that runs only when asked or from hookpoints.
    Column("schedule", JSONType, nullable=True),
    # {resource_types, accounts, regions, filters, actions, hookpoints}: validated before it is stored.
    Column("instructions", JSONType, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("name", name="uq_bot_name"),
    Index("ix_bot_state", "state"),
)

bot_run = Table(
    "bot_run",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    # A plain value, like the events' bot_id: history outlives whatever happens to the bot row.
    Column("bot_id", BigInteger, nullable=False),
    # manual, schedule, hookpoint
    Column("trigger", String(32), nullable=False),
    Column("dry_run", Boolean, nullable=False),
    # The one resource a hookpoint run looked at; NULL for runs over the whole scope.
    Column("resource_id", String(512), nullable=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("duration", Float, nullable=False),
    Column("scanned", Integer, nullable=False),
    Column("matches", Integer, nullable=False),
    Column("non_matches", Integer, nullable=False),
    # success, partial (some action failed or was unavailable), error (the run could not evaluate)
    Column("status", String(16), nullable=False),
    # [{name, status, detail, error}] per action, in the bot's order.
    Column("actions", JSONType, nullable=False),
    Column("errors", JSONType, nullable=False),
    Index("ix_bot_run_bot_started", "bot_id", "started_at"),
)

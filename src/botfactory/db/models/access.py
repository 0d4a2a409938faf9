"""Tables of access control (DESIGN §3): API tokens, stored only as hashes, and the audit log of changes."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, UniqueConstraint

from botfactory.db.base import metadata
from botfactory.db.types import IdType, JSONType, UTCDateTime

ROLES = ("viewer", "editor", "admin")

api_token = Table(
    "api_token",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    # SHA-256 hex of the token: the token itself is shown once and never stored.
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(255), nullable=True),
    # Refreshed at most once a minute per process, so reads do not turn into writes.
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    UniqueConstraint("token_hash", name="uq_api_token_token_hash"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    # Who: ``token:<id>:<name>`` for API and dashboard calls, ``cli:<user>@<host>`` for the command line.
    Column("actor", String(255), nullable=False),
    # What: a dotted verb such as ``event.cancel`` or ``token.create``.
    Column("action", String(64), nullable=False),
    # On what: ``event:12``, ``bot:3``, ``plugin:aws_tags``; NULL for bulk changes (details say which).
    Column("target", String(512), nullable=True),
    # JSON object with what changed; never a secret (tokens, credentials).
    Column("details", JSONType, nullable=True),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_actor", "actor", "at"),
)

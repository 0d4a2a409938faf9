"""bots layer: bots and bot runs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 22:03:43.782329
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import botfactory.db.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "bot",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("schedule", _json(), nullable=True),
        sa.Column("instructions", _json(), nullable=False),
        sa.Column("created_at", botfactory.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", botfactory.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot")),
        sa.UniqueConstraint("name", name="uq_bot_name"),
    )
    with op.batch_alter_table("bot", schema=None) as batch_op:
        batch_op.create_index("ix_bot_state", ["state"], unique=False)

    op.create_table(
        "bot_run",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("resource_id", sa.String(length=512), nullable=True),
        sa.Column("started_at", botfactory.db.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", botfactory.db.types.UTCDateTime(), nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("scanned", sa.Integer(), nullable=False),
        sa.Column("matches", sa.Integer(), nullable=False),
        sa.Column("non_matches", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("actions", _json(), nullable=False),
        sa.Column("errors", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_run")),
    )
    with op.batch_alter_table("bot_run", schema=None) as batch_op:
        batch_op.create_index("ix_bot_run_bot_started", ["bot_id", "started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bot_run", schema=None) as batch_op:
        batch_op.drop_index("ix_bot_run_bot_started")
    op.drop_table("bot_run")
    with op.batch_alter_table("bot", schema=None) as batch_op:
        batch_op.drop_index("ix_bot_state")
    op.drop_table("bot")

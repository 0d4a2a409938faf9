"""events layer: scheduled events, history, workers

Revision ID: 0001
Revises:
Create Date: 2026-11-28 21:56:55.367596
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import botfactory.db.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "event_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("bot_id", sa.String(length=255), nullable=True),
        sa.Column("account_id", sa.String(length=255), nullable=True),
        sa.Column("resource_id", sa.String(length=512), nullable=False),
        sa.Column("scheduled_for", botfactory.db.types.UTCDateTime(), nullable=False),
        sa.Column("started_at", botfactory.db.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", botfactory.db.types.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=255), nullable=True),
        sa.Column("result_data", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_history")),
        sa.UniqueConstraint("event_id", "scheduled_for", "attempt", "resource_id", name="uq_event_history_attempt"),
    )
    with op.batch_alter_table("event_history", schema=None) as batch_op:
        batch_op.create_index("ix_event_history_account", ["account_id", "finished_at"], unique=False)
        batch_op.create_index("ix_event_history_bot", ["bot_id", "finished_at"], unique=False)
        batch_op.create_index("ix_event_history_finished_at", ["finished_at"], unique=False)
        batch_op.create_index("ix_event_history_resource", ["resource_id"], unique=False)
        batch_op.create_index("ix_event_history_status", ["status", "finished_at"], unique=False)
        batch_op.create_index("ix_event_history_type", ["event_type", "finished_at"], unique=False)

    op.create_table(
        "scheduled_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column(
            "schedule",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("next_run_at", botfactory.db.types.UTCDateTime(), nullable=True),
        sa.Column("occurrence_at", botfactory.db.types.UTCDateTime(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("retry_backoff", sa.Float(), nullable=False),
        sa.Column("misfire_grace", sa.Float(), nullable=True),
        sa.Column("timeout", sa.Float(), nullable=True),
        sa.Column("lease_owner", sa.String(length=255), nullable=True),
        sa.Column("lease_expires_at", botfactory.db.types.UTCDateTime(), nullable=True),
        sa.Column("bot_id", sa.String(length=255), nullable=True),
        sa.Column("account_id", sa.String(length=255), nullable=True),
        sa.Column(
            "action_data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("dedupe_key", sa.String(length=64), nullable=True),
        sa.Column("revalidate", sa.Boolean(), nullable=False),
        sa.Column("created_at", botfactory.db.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("last_run_at", botfactory.db.types.UTCDateTime(), nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("run_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_event")),
        sa.UniqueConstraint("dedupe_key", name="uq_scheduled_event_dedupe_key"),
    )
    with op.batch_alter_table("scheduled_event", schema=None) as batch_op:
        batch_op.create_index("ix_scheduled_event_account_id", ["account_id"], unique=False)
        batch_op.create_index("ix_scheduled_event_bot_id", ["bot_id"], unique=False)
        batch_op.create_index("ix_scheduled_event_claim", ["state", "event_type", "next_run_at"], unique=False)
        batch_op.create_index("ix_scheduled_event_due", ["state", "next_run_at"], unique=False)

    op.create_table(
        "worker_process",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("concurrency", sa.Integer(), nullable=False),
        sa.Column(
            "event_types",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("started_at", botfactory.db.types.UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", botfactory.db.types.UTCDateTime(), nullable=False),
        sa.Column("stopped_at", botfactory.db.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker_process")),
        sa.UniqueConstraint("name", name="uq_worker_process_name"),
    )
    with op.batch_alter_table("worker_process", schema=None) as batch_op:
        batch_op.create_index("ix_worker_process_heartbeat_at", ["heartbeat_at"], unique=False)

    op.create_table(
        "scheduled_event_resource",
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("resource_id", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["scheduled_event.id"], name="fk_event_resource_event", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "position", name=op.f("pk_scheduled_event_resource")),
    )
    with op.batch_alter_table("scheduled_event_resource", schema=None) as batch_op:
        batch_op.create_index("ix_scheduled_event_resource_resource_id", ["resource_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("scheduled_event_resource", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_event_resource_resource_id")

    op.drop_table("scheduled_event_resource")
    with op.batch_alter_table("worker_process", schema=None) as batch_op:
        batch_op.drop_index("ix_worker_process_heartbeat_at")

    op.drop_table("worker_process")
    with op.batch_alter_table("scheduled_event", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_event_due")
        batch_op.drop_index("ix_scheduled_event_claim")
        batch_op.drop_index("ix_scheduled_event_bot_id")
        batch_op.drop_index("ix_scheduled_event_account_id")

    op.drop_table("scheduled_event")
    with op.batch_alter_table("event_history", schema=None) as batch_op:
        batch_op.drop_index("ix_event_history_type")
        batch_op.drop_index("ix_event_history_status")
        batch_op.drop_index("ix_event_history_resource")
        batch_op.drop_index("ix_event_history_finished_at")
        batch_op.drop_index("ix_event_history_bot")
        batch_op.drop_index("ix_event_history_account")

    op.drop_table("event_history")

"""resources layer: cloud accounts and harvested resources

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 22:01:42.616227
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import botfactory.db.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "cloud_account",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("settings", _json(), nullable=False),
        sa.Column("created_at", botfactory.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", botfactory.db.types.UTCDateTime(), nullable=False),
        sa.Column("last_harvested_at", botfactory.db.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_account")),
        sa.UniqueConstraint("name", name="uq_cloud_account_name"),
    )
    op.create_table(
        "resource",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("resource_id", sa.String(length=512), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("native_id", sa.String(length=512), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("tags", _json(), nullable=False),
        sa.Column("properties", _json(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", botfactory.db.types.UTCDateTime(), nullable=False),
        sa.Column("discovered_at", botfactory.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", botfactory.db.types.UTCDateTime(), nullable=False),
        sa.Column("deleted_at", botfactory.db.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource")),
        sa.UniqueConstraint("resource_id", name="uq_resource_resource_id"),
    )
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.create_index("ix_resource_account_id", ["account_id"], unique=False)
        batch_op.create_index("ix_resource_scope", ["resource_type", "account_id", "region"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.drop_index("ix_resource_scope")
        batch_op.drop_index("ix_resource_account_id")

    op.drop_table("resource")
    op.drop_table("cloud_account")

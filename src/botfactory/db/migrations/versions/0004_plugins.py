"""plugins layer: fleet-wide plugin state

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 22:06:08.082354
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import botfactory.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plugin_state",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("updated_at", botfactory.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plugin_state")),
        sa.UniqueConstraint("name", name="uq_plugin_state_name"),
    )


def downgrade() -> None:
    op.drop_table("plugin_state")

"""Tables of the resources layer (DESIGN §3): cloud accounts and the resources harvested from them."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, UniqueConstraint

from botfactory.db.base import metadata
from botfactory.db.types import IdType, JSONType, UTCDateTime

cloud_account = Table(
    "cloud_account",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False),
    Column("provider", String(32), nullable=False),
    # How to reach the cloud, never a secret: {profile?, role_arn?, external_id?, endpoint_url?, regions: [...]}.
    Column("settings", JSONType, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_harvested_at", UTCDateTime, nullable=True),
    UniqueConstraint("name", name="uq_cloud_account_name"),
)

resource = Table(
    "resource",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    # type:account_id:region:native_id: (ResourceId.to_string()); 512 characters keep the unique key
    # within MySQL's 3072-byte index limit in utf8mb4.
    Column("resource_id", String(512), nullable=False),
    Column("resource_type", String(64), nullable=False),
    # cloud_account.id as a string, as it appears in the resource id (not a foreign key: DESIGN §3).
    Column("account_id", String(255), nullable=False),
    Column("region", String(64), nullable=False),
    Column("native_id", String(512), nullable=False),
    Column("name", String(512), nullable=False),
    Column("state", String(64), nullable=False),
    Column("tags", JSONType, nullable=False),
    Column("properties", JSONType, nullable=False),
    # SHA-256 of name, state, tags and properties: an unchanged resource is recognised without loading
    # its JSON, so re-harvesting 100,000 unchanged resources writes nothing.
    Column("fingerprint", String(64), nullable=False),
    # When the cloud created it if the cloud says, else when it was first discovered.
    Column("created_at", UTCDateTime, nullable=False),
    Column("discovered_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("deleted_at", UTCDateTime, nullable=True),
    UniqueConstraint("resource_id", name="uq_resource_resource_id"),
    Index("ix_resource_scope", "resource_type", "account_id", "region"),
    Index("ix_resource_account_id", "account_id"),
)

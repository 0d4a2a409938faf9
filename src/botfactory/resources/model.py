"""``ResourceId`` in DivvyCloud's string form and the ``Resource`` object bots and jobs see.

A resource id reads ``type:account_id:region:native_id:`` (``instance:1:us-east-1:i-0abc:``). Native ids may
themselves contain colons (ARNs), so parsing takes the first three fields and the rest up to the final colon.
Global resources (IAM users) use the region ``global``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botfactory.errors import ValidationError

_TYPE = re.compile(r"^[a-z][a-z0-9_]*$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9_.-]+$")
_REGION = re.compile(r"^[a-z0-9-]+$")


@dataclass(frozen=True, order=True)
class ResourceId:
    resource_type: str
    account_id: str
    region: str
    native_id: str

    def __post_init__(self) -> None:
        text = f"{self.resource_type}:{self.account_id}:{self.region}:{self.native_id}:"
        if not _TYPE.match(self.resource_type):
            raise ValidationError(
                f"resource_id {text!r}: type {self.resource_type!r} must be lower-case letters, digits and underscores",
                field="resource_id",
                value=text,
            )
        if not _ACCOUNT.match(str(self.account_id)):
            raise ValidationError(
                f"resource_id {text!r}: account {self.account_id!r} is not valid", field="resource_id", value=text
            )
        if not _REGION.match(self.region):
            raise ValidationError(
                f"resource_id {text!r}: region {self.region!r} is not valid", field="resource_id", value=text
            )
        if not self.native_id or any(c.isspace() for c in self.native_id):
            raise ValidationError(
                f"resource_id {text!r}: native id must be non-empty without spaces", field="resource_id", value=text
            )

    @classmethod
    def from_string(cls, value: str) -> ResourceId:
        if not isinstance(value, str):
            raise ValidationError(
                f"resource_id must be a string, got {type(value).__name__}", field="resource_id", value=value
            )
        parts = value.split(":", 3)
        if len(parts) != 4 or not parts[3].endswith(":"):
            raise ValidationError(
                f"resource_id {value!r} is not of the form type:account_id:region:native_id:",
                field="resource_id",
                value=value,
            )
        return cls(parts[0], parts[1], parts[2], parts[3][:-1])

    def to_string(self) -> str:
        return f"{self.resource_type}:{self.account_id}:{self.region}:{self.native_id}:"

    def __str__(self) -> str:
        return self.to_string()


@dataclass
class Resource:
    """One harvested cloud object. ``properties`` holds the provider's details (JSON values only)."""

    resource_id: ResourceId
    name: str = ""
    state: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    discovered_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None

    # DivvyCloud's accessors, used by plugin code.
    def get_resource_id(self) -> str:
        return self.resource_id.to_string()

    def get_resource_name(self) -> str:
        return self.name or self.resource_id.native_id

    def get_resource_type(self) -> str:
        return self.resource_id.resource_type

    def get_tag(self, key: str, default: str | None = None) -> str | None:
        return self.tags.get(key, default)

    @property
    def account_id(self) -> str:
        return self.resource_id.account_id

    @property
    def region(self) -> str:
        return self.resource_id.region

    @property
    def native_id(self) -> str:
        return self.resource_id.native_id

    @property
    def resource_type(self) -> str:
        return self.resource_id.resource_type

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly view (CLI ``--json``, API): the resource id string plus every field."""
        return {
            "resource_id": self.resource_id.to_string(),
            "resource_type": self.resource_type,
            "account_id": self.account_id,
            "region": self.region,
            "native_id": self.native_id,
            "name": self.get_resource_name(),
            "state": self.state,
            "tags": dict(self.tags),
            "properties": self.properties,
            "created_at": self.created_at,
            "discovered_at": self.discovered_at,
            "updated_at": self.updated_at,
            "deleted_at": self.deleted_at,
        }

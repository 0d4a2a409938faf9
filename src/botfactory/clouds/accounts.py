"""Cloud accounts: the ``cloud_account`` rows and the one way jobs and plugins reach a cloud.

``account.client("ec2", "us-east-1")`` returns a boto3 client for the account. Settings say how to get
credentials (a profile, a role, or the emulator's test keys) and are validated before they are stored; a secret
is refused, never stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from botfactory import clock
from botfactory.db.engine import Database
from botfactory.db.models.resources import cloud_account
from botfactory.errors import Conflict, NotFound, ValidationError

PROVIDERS = ("aws",)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def validate_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("name: an account needs a non-empty name", field="name", value=name)
    name = name.strip()
    if len(name) > 255:
        raise ValidationError("name: at most 255 characters", field="name", value=name)
    if _CONTROL.search(name):
        raise ValidationError("name: must not contain control characters", field="name", value=name)
    if name.isdigit():
        # Commands take ID_OR_NAME: an all-digit name would be read as an id.
        raise ValidationError("name: must not be all digits (it would read as an account id)", field="name", value=name)
    return name


def validate_provider(provider: object) -> str:
    if provider not in PROVIDERS:
        raise ValidationError(
            f"provider: {provider!r} is not supported; supported: {', '.join(PROVIDERS)}",
            field="provider",
            value=provider,
        )
    return str(provider)


def validate_settings(provider: str, settings: Mapping[str, Any] | None) -> dict[str, Any]:
    if provider == "aws":
        from botfactory.clouds.aws.settings import validate_settings as validate_aws

        return validate_aws(settings)
    raise ValidationError(f"provider: {provider!r} is not supported", field="provider", value=provider)


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    provider: str
    settings: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_harvested_at: datetime | None = None

    @property
    def resource_account_id(self) -> str:
        """The account part of resource ids: ``instance:<this>:us-east-1:i-...:``."""
        return str(self.id)

    @property
    def regions(self) -> list[str]:
        return list(self.settings.get("regions") or [])

    @property
    def endpoint_url(self) -> str | None:
        return self.settings.get("endpoint_url")

    def client(self, service: str, region: str = "us-east-1") -> Any:
        """A boto3 client for this account, cached per thread (safe to call from any worker thread)."""
        if self.provider != "aws":
            raise ValidationError(f"account {self.name!r}: no SDK clients for provider {self.provider!r}")
        from botfactory.clouds.aws.session import client_for

        return client_for(self.id, self.settings, service, region)

    def session(self) -> Any:
        """This thread's boto3 Session for the account (for what ``client()`` does not cover, e.g. resources)."""
        from botfactory.clouds.aws.session import session_for

        return session_for(self.id, self.settings)

    def credentials_source(self) -> str:
        if self.settings.get("role_arn"):
            return f"role {self.settings['role_arn']}"
        if self.settings.get("profile"):
            return f"profile {self.settings['profile']}"
        if self.settings.get("endpoint_url"):
            return "emulator test keys"
        return "default credential chain"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "provider": self.provider,
            "profile": self.settings.get("profile"),
            "role_arn": self.settings.get("role_arn"),
            "endpoint_url": self.settings.get("endpoint_url"),
            "regions": self.regions,
            "credentials": self.credentials_source(),
            "created_at": self.created_at,
            "last_harvested_at": self.last_harvested_at,
        }


def _from_row(row: Row[Any]) -> Account:
    return Account(
        id=int(row.id),
        name=row.name,
        provider=row.provider,
        settings=dict(row.settings or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_harvested_at=row.last_harvested_at,
    )


class AccountStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, name: str, provider: str = "aws", settings: Mapping[str, Any] | None = None) -> Account:
        name = validate_name(name)
        provider = validate_provider(provider)
        clean = validate_settings(provider, settings)
        now = clock.now()
        try:
            with self.db.write() as conn:
                if conn.execute(select(cloud_account.c.id).where(cloud_account.c.name == name)).first():
                    raise Conflict(f"an account named {name!r} already exists")
                result = conn.execute(
                    cloud_account.insert().values(
                        name=name, provider=provider, settings=clean, created_at=now, updated_at=now
                    )
                )
                account_id = int(result.inserted_primary_key[0])
        except IntegrityError as exc:  # two adds of the same name raced past the check above
            raise Conflict(f"an account named {name!r} already exists") from exc
        return Account(account_id, name, provider, clean, now, now, None)

    def list(self) -> list[Account]:
        with self.db.read() as conn:
            return [_from_row(r) for r in conn.execute(select(cloud_account).order_by(cloud_account.c.id))]

    def find(self, id_or_name: int | str) -> Account | None:
        """By id (an int or an all-digit string) or by exact name."""
        column, value = self._key(id_or_name)
        with self.db.read() as conn:
            row = conn.execute(select(cloud_account).where(column == value)).first()
        return None if row is None else _from_row(row)

    def get(self, id_or_name: int | str) -> Account:
        account = self.find(id_or_name)
        if account is None:
            raise NotFound(f"no cloud account {id_or_name!r}")
        return account

    def remove(self, id_or_name: int | str) -> Account:
        """Delete the account row; its stored resources are marked deleted (kept for history)."""
        from botfactory.resources.store import ResourceStore

        account = self.get(id_or_name)
        with self.db.write() as conn:
            conn.execute(delete(cloud_account).where(cloud_account.c.id == account.id))
        ResourceStore(self.db).mark_account_deleted(account.resource_account_id)
        return account

    def update_settings(self, id_or_name: int | str, settings: Mapping[str, Any]) -> Account:
        account = self.get(id_or_name)
        clean = validate_settings(account.provider, settings)
        now = clock.now()
        with self.db.write() as conn:
            conn.execute(
                update(cloud_account).where(cloud_account.c.id == account.id).values(settings=clean, updated_at=now)
            )
        return self.get(account.id)

    def mark_harvested(self, account_id: int, when: datetime | None = None) -> None:
        with self.db.write() as conn:
            conn.execute(
                update(cloud_account)
                .where(cloud_account.c.id == account_id)
                .values(last_harvested_at=when or clock.now())
            )

    @staticmethod
    def _key(id_or_name: int | str) -> tuple[Any, Any]:
        if isinstance(id_or_name, int) and not isinstance(id_or_name, bool):
            return cloud_account.c.id, id_or_name
        text = str(id_or_name).strip()
        if text.isdigit():
            if len(text) > 18:  # beyond BIGINT: cannot be an id
                raise NotFound(f"no cloud account {id_or_name!r}")
            return cloud_account.c.id, int(text)
        return cloud_account.c.name, text

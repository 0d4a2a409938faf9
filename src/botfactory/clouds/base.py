"""What every cloud provider offers, and the provider-neutral results of a harvest.

A provider validates an account's settings, harvests an account into the resource store and reaches the cloud for
jobs. AWS is the only provider today (``botfactory.clouds.aws``); the protocol is the cut where Azure or GCP
would plug in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from botfactory.clouds.accounts import Account
    from botfactory.resources.store import ResourceStore


@dataclass(frozen=True)
class HarvestError:
    """One failed piece of a harvest: a service in a region, or a single resource."""

    service: str
    region: str
    message: str
    code: str = ""
    resource_type: str = ""
    native_id: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "service": self.service,
            "region": self.region,
            "resource_type": self.resource_type,
            "native_id": self.native_id,
            "code": self.code,
            "message": self.message,
        }


@dataclass
class TypeCounts:
    created: int = 0
    modified: int = 0
    unchanged: int = 0
    deleted: int = 0

    @property
    def seen(self) -> int:
        return self.created + self.modified + self.unchanged


@dataclass
class HarvestResult:
    account_id: str
    account_name: str
    started_at: datetime
    finished_at: datetime | None = None
    counts: dict[str, TypeCounts] = field(default_factory=dict)
    errors: list[HarvestError] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)

    def count(self, resource_type: str) -> TypeCounts:
        return self.counts.setdefault(resource_type, TypeCounts())

    @property
    def total(self) -> int:
        """Resources seen in the cloud by this harvest."""
        return sum(c.seen for c in self.counts.values())

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def seconds(self) -> float:
        end = self.finished_at or self.started_at
        return max((end - self.started_at).total_seconds(), 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "account_name": self.account_name,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "seconds": round(self.seconds, 3),
            "regions": list(self.regions),
            "total": self.total,
            "counts": {
                rtype: {"created": c.created, "modified": c.modified, "unchanged": c.unchanged, "deleted": c.deleted}
                for rtype, c in sorted(self.counts.items())
            },
            "errors": [e.to_dict() for e in self.errors],
        }


# progress(done_units, total_units, description): called on the thread that runs the harvest, after each unit.
ProgressCallback = Callable[[int, int, str], None]


class Provider(Protocol):
    """A cloud provider: ``name`` is what ``cloud_account.provider`` holds (``aws``)."""

    name: str

    def validate_settings(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """Return the settings normalised, or raise ValidationError naming the bad field."""
        ...

    def harvest(
        self,
        account: Account,
        store: ResourceStore,
        *,
        progress: ProgressCallback | None = None,
        resource_types: list[str] | None = None,
    ) -> HarvestResult:
        """Read every resource of the account into the store; errors are reported in the result."""
        ...

    def client(self, account: Account, service: str, region: str) -> Any:
        """An SDK client for the account (boto3 for AWS)."""
        ...


def get_provider(name: str) -> Provider:
    """The provider for ``cloud_account.provider``."""
    if name == "aws":
        from botfactory.clouds.aws.provider import provider

        return provider
    from botfactory.errors import NotFound

    raise NotFound(f"no cloud provider {name!r}")

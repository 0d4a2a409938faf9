"""The AWS provider object (the ``Provider`` protocol of ``botfactory.clouds.base``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botfactory.clouds.accounts import Account
from botfactory.clouds.aws import harvest as harvest_module
from botfactory.clouds.aws.settings import validate_settings
from botfactory.clouds.base import HarvestResult, ProgressCallback
from botfactory.resources.store import ResourceStore


class AwsProvider:
    name = "aws"
    resource_types = harvest_module.RESOURCE_TYPES

    def validate_settings(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        return validate_settings(settings)

    def harvest(
        self,
        account: Account,
        store: ResourceStore,
        *,
        progress: ProgressCallback | None = None,
        resource_types: list[str] | None = None,
    ) -> HarvestResult:
        return harvest_module.harvest_account(account, store, progress=progress, resource_types=resource_types)

    def client(self, account: Account, service: str, region: str) -> Any:
        return account.client(service, region)


provider = AwsProvider()

"""The few DivvyCloud API objects that are shapes of their own rather than botfactory objects renamed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botfactory.events.registry import registry


class CloudType:
    """Cloud identifiers as DivvyCloud's ``DivvyDb.QueryFilters.cloud_types.CloudType`` names them."""

    AMAZON_WEB_SERVICES = "AWS"
    AMAZON_WEB_SERVICES_GOV = "AWS_GOV"
    AMAZON_WEB_SERVICES_CHINA = "AWS_CHINA"
    AZURE = "AZURE_ARM"
    GCP = "GCE"

    @classmethod
    def all(cls) -> list[str]:
        return [v for k, v in vars(cls).items() if k.isupper()]


class PluginMetadata:
    """A plugin's description. Subclass it and set the attributes (all optional)."""

    version: str = "1.0"
    last_updated_date: str = ""
    author: str = ""
    nickname: str = ""
    default_language_description: str = ""
    support_email: str = ""
    support_url: str = ""
    main_url: str = ""
    category: str = ""
    managed: bool = False

    @classmethod
    def as_dict(cls) -> dict[str, Any]:
        keys = (
            "version",
            "last_updated_date",
            "author",
            "nickname",
            "default_language_description",
            "support_email",
            "support_url",
            "main_url",
            "category",
            "managed",
        )
        return {key: getattr(cls, key) for key in keys}


class Router:
    """``worker.registry.Router``: the older way plugins added job types."""

    @staticmethod
    def add_scheduled_event_job(
        uid: str, job_class: type, cast_fn: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    ) -> type:
        registry.register(uid, job_class, cast_args=cast_fn)
        return job_class

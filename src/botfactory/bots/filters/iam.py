"""IAM filters: access keys by age and by last use."""

from __future__ import annotations

from typing import Any

from botfactory.bots.fields import BooleanField, FieldOptions, FloatField
from botfactory.bots.filters.base import days_ago, parse_time, registry


@registry.filter(
    uid="divvy.filter.access_key_older_than",
    name="Access key older than",
    description="Access keys created more than N days ago, optionally only those also unused for M days.",
    supported_resources=["accesskey"],
    settings_config=[
        FloatField(
            name="days",
            display_name="Days since creation",
            description="Minimum key age in days.",
            options=FieldOptions.REQUIRED,
            min_value=0,
            default=90,
        ),
        FloatField(
            name="unused_days",
            display_name="Days unused",
            description="Also require no use for this many days (a key never used counts as unused). Empty: ignore.",
            min_value=0,
        ),
        BooleanField(
            name="active_only",
            display_name="Active keys only",
            description="Skip keys that are already inactive.",
            default=True,
        ),
    ],
)
def access_key_older_than(resource: Any, settings: dict[str, Any]) -> bool:
    """Access keys older than ``days`` (and, with ``unused_days``, not used for that long).

    Example::

        {"name": "divvy.filter.access_key_older_than", "config": {"days": 90, "unused_days": 30}}
    """
    props = resource.properties
    if settings["active_only"] and (props.get("status") or resource.state) != "Active":
        return False
    created = parse_time(props.get("create_date")) or resource.created_at
    if created is None or created >= days_ago(settings["days"]):
        return False
    unused = settings.get("unused_days")
    if unused is None:
        return True
    last_used = parse_time(props.get("last_used_date"))
    return last_used is None or last_used < days_ago(unused)

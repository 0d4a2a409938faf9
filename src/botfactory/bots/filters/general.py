"""Filters on what every resource has: age, name, region; and on instances' state and type."""

from __future__ import annotations

from typing import Any

from botfactory.bots.fields import BooleanField, FieldOptions, FloatField, MultiSelectionField, StringField
from botfactory.bots.filters.base import check_pattern, compiled, created_at, days_ago, registry

INSTANCE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down", "terminated"]


@registry.filter(
    uid="divvy.filter.older_than",
    name="Resource older than",
    description="Resources created more than the given number of days ago.",
    supported_resources=[],
    settings_config=[
        FloatField(
            name="days",
            display_name="Days",
            description="Age in days (fractions allowed).",
            options=FieldOptions.REQUIRED,
            min_value=0,
        )
    ],
)
def older_than(resource: Any, settings: dict[str, Any]) -> bool:
    """Resources older than ``days`` (launch or create time when the cloud gives one, else when discovered).

    Example::

        {"name": "divvy.filter.older_than", "config": {"days": 30}}
    """
    when = created_at(resource)
    return when is not None and when < days_ago(settings["days"])


@registry.filter(
    uid="divvy.filter.name_matches",
    name="Resource name matches",
    description="Resources whose name (or native id when unnamed) matches a regular expression.",
    supported_resources=[],
    settings_config=[
        StringField(
            name="pattern",
            display_name="Pattern",
            description="A Python regular expression, searched anywhere in the name (anchor with ^ and $).",
            options=[FieldOptions.REQUIRED, FieldOptions.MONOSPACE],
        ),
        BooleanField(name="ignore_case", display_name="Ignore case", description="Match case-insensitively."),
    ],
    check=lambda s: check_pattern("pattern", s.get("pattern")),
)
def name_matches(resource: Any, settings: dict[str, Any]) -> bool:
    """Resources whose name matches ``pattern``.

    Example::

        {"name": "divvy.filter.name_matches", "config": {"pattern": "^(dev|test)-", "ignore_case": true}}
    """
    pattern = compiled(settings["pattern"], bool(settings["ignore_case"]))
    return pattern.search(resource.name or resource.native_id) is not None


@registry.filter(
    uid="divvy.filter.region",
    name="Resource in region",
    description="Resources in one of the given regions.",
    supported_resources=[],
    settings_config=[
        MultiSelectionField(
            name="regions",
            display_name="Regions",
            description="Region names, e.g. us-east-1 (global for account-wide resources).",
            options=[FieldOptions.REQUIRED, FieldOptions.TAGS],
        )
    ],
)
def region_in(resource: Any, settings: dict[str, Any]) -> bool:
    """Resources in one of ``regions``.

    Example::

        {"name": "divvy.filter.region", "config": {"regions": ["us-east-1", "eu-west-1"]}}
    """
    return resource.region in settings["regions"]


@registry.filter(
    uid="divvy.filter.instance_state",
    name="Instance state",
    description="Instances in one of the given states.",
    supported_resources=["instance"],
    settings_config=[
        MultiSelectionField(
            name="states",
            display_name="States",
            description="Instance states to match.",
            options=FieldOptions.REQUIRED,
            choices=INSTANCE_STATES,
        )
    ],
)
def instance_state(resource: Any, settings: dict[str, Any]) -> bool:
    """Instances whose state is one of ``states``.

    Example::

        {"name": "divvy.filter.instance_state", "config": {"states": ["running"]}}
    """
    return resource.state in settings["states"]


@registry.filter(
    uid="divvy.filter.instance_type",
    name="Instance type in list",
    description="Instances of one of the given instance types.",
    supported_resources=["instance"],
    settings_config=[
        MultiSelectionField(
            name="instance_types",
            display_name="Instance types",
            description="Instance types, e.g. t3.micro.",
            options=[FieldOptions.REQUIRED, FieldOptions.TAGS],
        )
    ],
)
def instance_type_in(resource: Any, settings: dict[str, Any]) -> bool:
    """Instances whose type is one of ``instance_types``.

    Example::

        {"name": "divvy.filter.instance_type", "config": {"instance_types": ["m5.24xlarge", "p3.16xlarge"]}}
    """
    return resource.properties.get("instance_type") in settings["instance_types"]

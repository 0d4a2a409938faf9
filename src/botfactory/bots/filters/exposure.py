"""Exposure filters: security groups open to the whole internet, public buckets, unencrypted volumes."""

from __future__ import annotations

from typing import Any

from botfactory.bots.fields import BooleanField, FieldOptions, MultiSelectionField
from botfactory.bots.filters.base import check_ports, registry

WORLD_CIDRS = ("0.0.0.0/0", "::/0")


def _covers(rule: dict[str, Any], port: int) -> bool:
    if str(rule.get("protocol")) == "-1":
        return True  # every protocol, every port
    low, high = rule.get("from_port"), rule.get("to_port")
    if low is None or high is None:
        return True
    return int(low) <= port <= int(high)


def world_open_rules(resource: Any, ports: list[int], include_ipv6: bool = True) -> list[dict[str, Any]]:
    """The ingress rules of a security group that open one of ``ports`` (any port when empty) to the world."""
    found = []
    for rule in resource.properties.get("ingress_rules") or ():
        cidrs = list(rule.get("ipv4_ranges") or ())
        if include_ipv6:
            cidrs += rule.get("ipv6_ranges") or ()
        if not any(c in WORLD_CIDRS for c in cidrs):
            continue
        if not ports or any(_covers(rule, p) for p in ports):
            found.append(rule)
    return found


@registry.filter(
    uid="divvy.filter.security_group_open_to_world",
    name="Security group open to the world",
    description="Security groups whose ingress allows 0.0.0.0/0 (or ::/0) on one of the given ports.",
    supported_resources=["securitygroup"],
    settings_config=[
        MultiSelectionField(
            name="ports",
            display_name="Ports",
            description="TCP/UDP ports, e.g. 22 and 3389; empty means any port.",
            options=FieldOptions.TAGS,
            choices=["22", "3389", "3306", "5432", "1433", "6379", "27017"],
        ),
        BooleanField(
            name="include_ipv6", display_name="Include IPv6", description="Count ::/0 as the world too.", default=True
        ),
    ],
    check=lambda s: check_ports("ports", s.get("ports")),
)
def security_group_open_to_world(resource: Any, settings: dict[str, Any]) -> bool:
    """Security groups open to the whole internet on one of ``ports``.

    Example::

        {"name": "divvy.filter.security_group_open_to_world", "config": {"ports": ["22", "3389"]}}
    """
    ports = [int(str(p)) for p in settings["ports"]]
    return bool(world_open_rules(resource, ports, settings["include_ipv6"]))


@registry.filter(
    uid="divvy.filter.bucket_public",
    name="Bucket is public",
    description="Buckets that are public through their ACL or policy (after any public access block).",
    supported_resources=["bucket"],
    settings_config=[
        BooleanField(
            name="public",
            display_name="Public",
            description="Match public buckets (on) or private ones (off).",
            default=True,
        )
    ],
)
def bucket_public(resource: Any, settings: dict[str, Any]) -> bool:
    """Buckets that are public (or, with ``public`` off, private).

    Example::

        {"name": "divvy.filter.bucket_public", "config": {"public": true}}
    """
    return bool(resource.properties.get("public")) is bool(settings["public"])


@registry.filter(
    uid="divvy.filter.volume_unencrypted",
    name="Volume is not encrypted",
    description="EBS volumes without encryption at rest.",
    supported_resources=["volume"],
    settings_config=[],
)
def volume_unencrypted(resource: Any, settings: dict[str, Any]) -> bool:
    """Volumes that are not encrypted.

    Example::

        {"name": "divvy.filter.volume_unencrypted", "config": {}}
    """
    return not resource.properties.get("encrypted")

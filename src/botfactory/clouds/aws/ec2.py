"""EC2 through boto3: instances, EBS volumes and security groups, as Resources.

Properties hold what the cloud says and nothing derived from the clock (no "age"), so an unchanged resource
stays unchanged between harvests and hookpoints fire only on real changes; bots compute ages from the stored
times (``launch_time``, ``create_time``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from botfactory.clouds.accounts import Account
from botfactory.clouds.aws.common import WORLD_CIDRS, Batch, iso, rid, tag_dict, utc
from botfactory.resources.model import Resource

INSTANCE, VOLUME, SECURITY_GROUP = "instance", "volume", "securitygroup"
PAGE = 500  # describe_* page size: fewer round trips, well under the API maxima
# moto pages describe_instances by reservation, not by instance (NOTES-moto): 500 reservations can be a whole
# emulated account, one response that takes minutes to serialise. Another endpoint gets pages of 10 reservations.
ENDPOINT_INSTANCE_PAGE = 10
FILTER_CHUNK = 199  # EC2 allows 200 values per filter


def instance_resource(account_id: str, region: str, item: Mapping[str, Any]) -> Resource:
    tags = tag_dict(item.get("Tags"))
    placement = item.get("Placement") or {}
    return Resource(
        resource_id=rid(INSTANCE, account_id, region, item["InstanceId"]),
        name=tags.get("Name", ""),
        state=(item.get("State") or {}).get("Name", ""),
        tags=tags,
        properties={
            "instance_type": item.get("InstanceType"),
            "image_id": item.get("ImageId"),
            "launch_time": iso(item.get("LaunchTime")),
            "availability_zone": placement.get("AvailabilityZone"),
            "vpc_id": item.get("VpcId"),
            "subnet_id": item.get("SubnetId"),
            "private_ip_address": item.get("PrivateIpAddress"),
            "public_ip_address": item.get("PublicIpAddress"),
            "key_name": item.get("KeyName"),
            "platform": item.get("PlatformDetails") or item.get("Platform"),
            "architecture": item.get("Architecture"),
            "root_device_type": item.get("RootDeviceType"),
            "security_group_ids": [g["GroupId"] for g in item.get("SecurityGroups") or () if "GroupId" in g],
            "volume_ids": [
                m["Ebs"]["VolumeId"] for m in item.get("BlockDeviceMappings") or () if "VolumeId" in m.get("Ebs", {})
            ],
            "iam_instance_profile": (item.get("IamInstanceProfile") or {}).get("Arn"),
            "monitoring": (item.get("Monitoring") or {}).get("State"),
        },
    )


def volume_resource(account_id: str, region: str, item: Mapping[str, Any]) -> Resource:
    tags = tag_dict(item.get("Tags"))
    return Resource(
        resource_id=rid(VOLUME, account_id, region, item["VolumeId"]),
        name=tags.get("Name", ""),
        state=item.get("State", ""),
        tags=tags,
        properties={
            "size_gib": item.get("Size"),
            "volume_type": item.get("VolumeType"),
            "availability_zone": item.get("AvailabilityZone"),
            "encrypted": bool(item.get("Encrypted")),
            "kms_key_id": item.get("KmsKeyId"),
            "snapshot_id": item.get("SnapshotId") or None,
            "iops": item.get("Iops"),
            "create_time": iso(item.get("CreateTime")),
            "attachments": [
                {"instance_id": a.get("InstanceId"), "device": a.get("Device"), "state": a.get("State")}
                for a in item.get("Attachments") or ()
            ],
        },
        created_at=utc(item.get("CreateTime")),
    )


def _rule(perm: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "protocol": str(perm.get("IpProtocol", "-1")),
        "from_port": perm.get("FromPort"),
        "to_port": perm.get("ToPort"),
        "ipv4_ranges": sorted(r["CidrIp"] for r in perm.get("IpRanges") or () if "CidrIp" in r),
        "ipv6_ranges": sorted(r["CidrIpv6"] for r in perm.get("Ipv6Ranges") or () if "CidrIpv6" in r),
        "groups": sorted(g["GroupId"] for g in perm.get("UserIdGroupPairs") or () if "GroupId" in g),
        "prefix_lists": sorted(p["PrefixListId"] for p in perm.get("PrefixListIds") or () if "PrefixListId" in p),
    }


def world_open(rules: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each (protocol, ports, cidr) of the rules that is open to the whole internet."""
    found = []
    for rule in rules:
        for cidr in [*rule["ipv4_ranges"], *rule["ipv6_ranges"]]:
            if cidr in WORLD_CIDRS:
                found.append(
                    {
                        "protocol": rule["protocol"],
                        "from_port": rule["from_port"],
                        "to_port": rule["to_port"],
                        "cidr": cidr,
                    }
                )
    return found


def security_group_resource(account_id: str, region: str, item: Mapping[str, Any]) -> Resource:
    ingress = [_rule(p) for p in item.get("IpPermissions") or ()]
    egress = [_rule(p) for p in item.get("IpPermissionsEgress") or ()]
    key = lambda r: (r["protocol"], r["from_port"] or -1, r["to_port"] or -1)  # noqa: E731
    ingress.sort(key=key)
    egress.sort(key=key)
    exposed = world_open(ingress)
    return Resource(
        resource_id=rid(SECURITY_GROUP, account_id, region, item["GroupId"]),
        name=item.get("GroupName", ""),
        state="available",
        tags=tag_dict(item.get("Tags")),
        properties={
            "group_name": item.get("GroupName"),
            "description": item.get("Description"),
            "vpc_id": item.get("VpcId"),
            "owner_id": item.get("OwnerId"),
            "ingress_rules": ingress,
            "egress_rules": egress,
            "world_open_ingress": exposed,
            "world_open": bool(exposed),
        },
    )


def _instances(pages: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for page in pages:
        for reservation in page.get("Reservations") or ():
            yield from reservation.get("Instances") or ()


def collect_instances(account: Account, region: str) -> list[Batch]:
    client = account.client("ec2", region)
    aid = account.resource_account_id
    size = ENDPOINT_INSTANCE_PAGE if account.endpoint_url else PAGE
    pages = client.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": size})
    return [Batch(INSTANCE, [region], [instance_resource(aid, region, i) for i in _instances(pages)])]


def collect_volumes(account: Account, region: str) -> list[Batch]:
    client = account.client("ec2", region)
    aid = account.resource_account_id
    pages = client.get_paginator("describe_volumes").paginate(PaginationConfig={"PageSize": PAGE})
    return [Batch(VOLUME, [region], [volume_resource(aid, region, v) for p in pages for v in p.get("Volumes") or ()])]


def collect_security_groups(account: Account, region: str) -> list[Batch]:
    client = account.client("ec2", region)
    aid = account.resource_account_id
    pages = client.get_paginator("describe_security_groups").paginate(PaginationConfig={"PageSize": PAGE})
    groups = [security_group_resource(aid, region, g) for p in pages for g in p.get("SecurityGroups") or ()]
    return [Batch(SECURITY_GROUP, [region], groups)]


def _chunks(items: list[str], size: int = FILTER_CHUNK) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def describe(account: Account, resource_type: str, region: str, native_ids: list[str]) -> list[Resource]:
    """Re-read these resources; ones the cloud no longer has are simply absent (filters, not ids, so a
    vanished id does not fail the whole call)."""
    client = account.client("ec2", region)
    aid = account.resource_account_id
    found: list[Resource] = []
    for chunk in _chunks(native_ids):
        if resource_type == INSTANCE:
            pages = client.get_paginator("describe_instances").paginate(
                Filters=[{"Name": "instance-id", "Values": chunk}]
            )
            found += [instance_resource(aid, region, i) for i in _instances(pages)]
        elif resource_type == VOLUME:
            pages = client.get_paginator("describe_volumes").paginate(Filters=[{"Name": "volume-id", "Values": chunk}])
            found += [volume_resource(aid, region, v) for p in pages for v in p.get("Volumes") or ()]
        elif resource_type == SECURITY_GROUP:
            pages = client.get_paginator("describe_security_groups").paginate(
                Filters=[{"Name": "group-id", "Values": chunk}]
            )
            found += [security_group_resource(aid, region, g) for p in pages for g in p.get("SecurityGroups") or ()]
        else:
            raise ValueError(f"not an EC2 resource type: {resource_type}")
    return found

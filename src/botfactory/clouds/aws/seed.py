"""What the emulator is seeded with: a small realistic account (``seed_demo``) or one scaled for benchmarks.

Seeding goes through boto3 in a few large calls (one ``run_instances`` per few hundred instances: moto creates
~100-250 instances/s). Two things the API cannot do — backdating instance launch times and access-key creation
dates — are done by editing moto's in-process backends, so the seeding code must run in the process that hosts
moto (the emulator does; so does the test fixture).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

ACCOUNT_NUMBER = "123456789012"  # moto's default account
DEMO_REGIONS = ("us-east-1", "us-west-2")
AMI = "ami-12c6146b"  # any id works: moto does not check images on run_instances
MAX_PER_CALL = 500
SCALED_RESERVATION = 100  # instances per run_instances call of a scaled seed: moto pages by reservation

ClientFactory = Callable[[str, str], Any]


@dataclass
class SeedSummary:
    """What was created, so callers (tests, the CLI) can tell what a harvest should find."""

    instances: dict[str, list[str]] = field(default_factory=dict)  # region -> ids
    untagged_running: dict[str, list[str]] = field(default_factory=dict)  # region -> running without Owner
    old_instances: list[str] = field(default_factory=list)
    security_groups: dict[str, list[str]] = field(default_factory=dict)  # region -> ids (not the default groups)
    world_open_groups: list[str] = field(default_factory=list)
    volumes: dict[str, list[str]] = field(default_factory=dict)
    buckets: dict[str, bool] = field(default_factory=dict)  # name -> public
    bucket_regions: dict[str, str] = field(default_factory=dict)
    users: list[str] = field(default_factory=list)
    access_keys: dict[str, str] = field(default_factory=dict)  # key id -> user (secrets are discarded)
    old_access_keys: list[str] = field(default_factory=list)
    topics: dict[str, str] = field(default_factory=dict)  # arn -> region
    queues: dict[str, str] = field(default_factory=dict)  # name -> region

    @property
    def instance_count(self) -> int:
        return sum(len(ids) for ids in self.instances.values())


@contextmanager
def fast_moto_lookups() -> Iterator[None]:
    """Make moto's per-instance lookups constant-time while seeding in this process.

    For every instance ``run_instances`` creates, moto scans every image (~1,300) for its AMI, every instance
    for the new one and every volume for its root volume: seeding 10,000 instances is quadratic and takes many
    minutes. These replacements answer exactly those lookups from moto's own dicts (newest reservation first)
    and leave every other call to moto. They are in place only inside this block.
    """
    from moto.ec2.models.amis import AmiBackend
    from moto.ec2.models.elastic_block_store import EBSBackend
    from moto.ec2.models.instances import InstanceBackend

    describe_images, get_instance, describe_volumes = (
        AmiBackend.describe_images,
        InstanceBackend.get_instance,
        EBSBackend.describe_volumes,
    )

    def images(self: Any, ami_ids: Any = None, filters: Any = None, exec_users: Any = None, owners: Any = None) -> Any:
        if not (ami_ids or exec_users or owners) and filters and set(filters) == {"image-id"}:
            wanted = filters["image-id"]
            if isinstance(wanted, str) and "*" not in wanted and "?" not in wanted:
                return [self.amis[wanted]] if wanted in self.amis else []
        return describe_images(self, ami_ids, filters, exec_users, owners)

    def instance(self: Any, instance_id: str) -> Any:
        for reservation in reversed(self.reservations.values()):
            for candidate in reservation.instances:
                if candidate.id == instance_id:
                    return candidate
        return get_instance(self, instance_id)  # moto's own error for an unknown id

    def volumes(self: Any, volume_ids: Any = None, filters: Any = None) -> Any:
        if volume_ids and not filters and all(v in self.volumes for v in volume_ids):
            return [self.volumes[v] for v in volume_ids]
        return describe_volumes(self, volume_ids, filters)

    AmiBackend.describe_images = images  # type: ignore[method-assign]
    InstanceBackend.get_instance = instance  # type: ignore[method-assign]
    EBSBackend.describe_volumes = volumes  # type: ignore[method-assign]
    try:
        yield
    finally:
        AmiBackend.describe_images = describe_images  # type: ignore[method-assign]
        InstanceBackend.get_instance = get_instance  # type: ignore[method-assign]
        EBSBackend.describe_volumes = describe_volumes  # type: ignore[method-assign]


def _now() -> datetime:
    return datetime.now(UTC)


def _tags(resource_type: str, **tags: str) -> list[dict[str, Any]]:
    return [{"ResourceType": resource_type, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]


def run_instances(clients: ClientFactory, region: str, count: int, **tags: str) -> list[str]:
    ec2 = clients("ec2", region)
    ids: list[str] = []
    while count > 0:
        batch = min(count, MAX_PER_CALL)
        kwargs: dict[str, Any] = {"ImageId": AMI, "MinCount": batch, "MaxCount": batch, "InstanceType": "t3.micro"}
        if tags:
            kwargs["TagSpecifications"] = _tags("instance", **tags)
        ids += [i["InstanceId"] for i in ec2.run_instances(**kwargs)["Instances"]]
        count -= batch
    return ids


def backdate_instances(region: str, instance_ids: list[str], days: int) -> None:
    """Make instances look launched ``days`` ago (moto keeps naive UTC datetimes)."""
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[ACCOUNT_NUMBER][region]
    wanted = set(instance_ids)
    when = (_now() - timedelta(days=days)).replace(tzinfo=None)
    for reservation in list(backend.reservations.values()):
        for instance in reservation.instances:
            if instance.id in wanted:
                instance.launch_time = when


def backdate_access_key(user: str, key_id: str, created_days: int, used_days: int | None) -> None:
    from moto.iam.models import AccessKeyLastUsed, iam_backends

    backend = iam_backends[ACCOUNT_NUMBER]["aws"]
    for key in backend.users[user].access_keys:
        if key.access_key_id == key_id:
            key.create_date = (_now() - timedelta(days=created_days)).replace(tzinfo=None)
            if used_days is not None:
                used = (_now() - timedelta(days=used_days)).replace(tzinfo=None)
                key.last_used = AccessKeyLastUsed(timestamp=used, service="s3", region="us-east-1")


def _security_group(clients: ClientFactory, region: str, name: str, rules: list[dict[str, Any]]) -> str:
    ec2 = clients("ec2", region)
    group_id = ec2.create_security_group(GroupName=name, Description=f"botfactory demo: {name}")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=rules)
    return group_id


def _tcp(port: int, *cidrs: str) -> dict[str, Any]:
    return {
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": port,
        "IpRanges": [{"CidrIp": c} for c in cidrs if ":" not in c],
        "Ipv6Ranges": [{"CidrIpv6": c} for c in cidrs if ":" in c],
    }


def seed_network(clients: ClientFactory, summary: SeedSummary) -> None:
    east, west = DEMO_REGIONS
    groups = {
        east: [
            ("open-ssh", [_tcp(22, "0.0.0.0/0")], True),
            ("open-rdp", [_tcp(3389, "0.0.0.0/0", "::/0")], True),
            ("internal-ssh", [_tcp(22, "10.0.0.0/8")], False),
        ],
        west: [("open-ssh-west", [_tcp(22, "0.0.0.0/0"), _tcp(443, "10.0.0.0/8")], True)],
    }
    for region, specs in groups.items():
        for name, rules, open_to_world in specs:
            group_id = _security_group(clients, region, name, rules)
            summary.security_groups.setdefault(region, []).append(group_id)
            if open_to_world:
                summary.world_open_groups.append(group_id)
    for region, sizes in ((east, (100, 20)), (west, (50,))):
        ec2 = clients("ec2", region)
        for size in sizes:
            volume = ec2.create_volume(
                AvailabilityZone=f"{region}a",
                Size=size,
                VolumeType="gp3",
                TagSpecifications=_tags("volume", Name=f"scratch-{size}"),
            )
            summary.volumes.setdefault(region, []).append(volume["VolumeId"])


def seed_buckets(clients: ClientFactory, summary: SeedSummary) -> None:
    east, west = DEMO_REGIONS
    public_policy = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": "arn:aws:s3:::botfactory-demo-public-policy/*"}],
    }  # fmt: skip
    specs = [
        ("botfactory-demo-public-acl", east, "public-read", None, None, True),
        ("botfactory-demo-public-policy", west, None, public_policy, None, True),
        ("botfactory-demo-private", east, None, None, None, False),
        ("botfactory-demo-blocked", east, "public-read", None, True, False),
        ("botfactory-demo-logs", west, None, None, None, False),
    ]
    for name, region, acl, policy, block, public in specs:
        s3 = clients("s3", region)
        kwargs: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(**kwargs)
        if acl:
            s3.put_bucket_acl(Bucket=name, ACL=acl)
        if policy:
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        if block:
            flags = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=dict.fromkeys(flags, True))
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "Purpose", "Value": "demo"}]})
        summary.buckets[name] = public
        summary.bucket_regions[name] = region


def seed_identity(clients: ClientFactory, summary: SeedSummary) -> None:
    iam = clients("iam", "us-east-1")
    # (user, [(created days ago, last used days ago or None, active)])
    people = [
        ("alice", [(400, 3, True)]),
        ("bob", [(200, None, True)]),
        ("carol", [(20, 1, True), (500, 300, False)]),
        ("deploy-bot", [(120, 0, True)]),
    ]
    for user, keys in people:
        iam.create_user(UserName=user, Tags=[{"Key": "Team", "Value": "platform"}])
        summary.users.append(user)
        for created, used, active in keys:
            key_id = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]  # the secret is dropped here
            if not active:
                iam.update_access_key(UserName=user, AccessKeyId=key_id, Status="Inactive")
            backdate_access_key(user, key_id, created, used)
            summary.access_keys[key_id] = user
            if created >= 90:
                summary.old_access_keys.append(key_id)


def seed_messaging(clients: ClientFactory, summary: SeedSummary) -> None:
    region = DEMO_REGIONS[0]
    sns, sqs = clients("sns", region), clients("sqs", region)
    topic = sns.create_topic(Name="security-alerts", Tags=[{"Key": "Purpose", "Value": "demo"}])["TopicArn"]
    url = sqs.create_queue(QueueName="remediation-queue")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    summary.topics[topic] = region
    summary.queues["remediation-queue"] = region


def _instances(clients: ClientFactory, summary: SeedSummary, region: str, count: int, **tags: str) -> list[str]:
    ids = run_instances(clients, region, count, **tags)
    summary.instances.setdefault(region, []).extend(ids)
    if "Owner" not in tags:
        summary.untagged_running.setdefault(region, []).extend(ids)
    return ids


def seed_demo(clients: ClientFactory) -> SeedSummary:
    """Instances with and without an Owner tag in two regions (9 untagged in us-east-1), some running for months,
    two stopped; world-open security groups (22, 3389); public and private buckets; IAM users with old keys; a
    topic and a queue subscribed to it."""
    summary = SeedSummary()
    east, west = DEMO_REGIONS
    untagged_east = _instances(clients, summary, east, 9, Environment="dev")
    owned_east = _instances(clients, summary, east, 4, Owner="alice@example.com", Name="web")
    stopped = _instances(clients, summary, east, 2, Owner="bob@example.com", Name="batch")
    clients("ec2", east).stop_instances(InstanceIds=stopped)
    untagged_west = _instances(clients, summary, west, 3)
    _instances(clients, summary, west, 3, Owner="carol@example.com")
    for region, ids, days in ((east, untagged_east[:3] + owned_east[:1], 120), (west, untagged_west[:2], 95)):
        backdate_instances(region, ids, days)
        summary.old_instances += ids
    seed_network(clients, summary)
    seed_buckets(clients, summary)
    seed_identity(clients, summary)
    seed_messaging(clients, summary)
    return summary


def seed_scaled(clients: ClientFactory, count: int) -> SeedSummary:
    """The demo's other resources and ``count`` running instances split over the two regions in reservations
    of 100, every other reservation without an Owner tag, one instance in ten launched months ago."""
    summary = SeedSummary()
    for index, region in enumerate(DEMO_REGIONS):
        remaining = count // 2 + (count % 2 if index == 0 else 0)
        call = 0
        while remaining > 0:
            batch = min(remaining, SCALED_RESERVATION)
            tags = {"Owner": "team@example.com"} if call % 2 == 0 else {}
            ids = _instances(clients, summary, region, batch, **tags)
            old = ids[::10]
            backdate_instances(region, old, 100)
            summary.old_instances += old
            remaining -= batch
            call += 1
    seed_network(clients, summary)
    seed_buckets(clients, summary)
    seed_identity(clients, summary)
    seed_messaging(clients, summary)
    return summary

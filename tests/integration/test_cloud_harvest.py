"""Harvest against moto's server: exactly what was seeded, every region; changes fire hookpoints; a failing
region, service or resource is reported and the rest is harvested."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from botfactory.clouds.accounts import Account
from botfactory.clouds.aws.harvest import harvest_account
from botfactory.clouds.aws.seed import DEMO_REGIONS, SeedSummary, run_instances
from botfactory.db import Database
from botfactory.resources.store import ResourceStore


def _ids(store: ResourceStore, rtype: str, region: str | None = None) -> set[str]:
    return {r.native_id for r in store.query([rtype], regions=[region] if region else None)}


def test_harvest_finds_exactly_the_seed_in_every_region(
    database: Database, aws_account: Account, demo_seed: SeedSummary, aws_clients: Callable[..., Any]
) -> None:
    store = ResourceStore(database)
    progress: list[tuple[int, int]] = []
    result = harvest_account(aws_account, store, progress=lambda done, total, _label: progress.append((done, total)))

    assert result.errors == []
    assert result.regions == list(DEMO_REGIONS)
    assert progress[-1][0] == progress[-1][1] == len(progress) - 1
    for region in DEMO_REGIONS:
        ec2 = aws_clients("ec2", region)
        assert _ids(store, "instance", region) == set(demo_seed.instances[region])
        # Compared with a fresh describe: the default group of each region and every instance's root volume too.
        groups = {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
        assert _ids(store, "securitygroup", region) == groups >= set(demo_seed.security_groups[region])
        assert _ids(store, "volume", region) == {v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]}
        buckets = {name for name, where in demo_seed.bucket_regions.items() if where == region}
        assert _ids(store, "bucket", region) == buckets
    assert _ids(store, "iamuser", "global") == set(demo_seed.users)
    assert _ids(store, "accesskey", "global") == set(demo_seed.access_keys)
    assert _ids(store, "snstopic") == set(demo_seed.topics)
    assert _ids(store, "sqsqueue") == set(demo_seed.queues)
    assert result.counts["instance"].created == demo_seed.instance_count

    instances = {r.native_id: r for r in store.query(["instance"])}
    untagged = {n for n, r in instances.items() if r.state == "running" and "Owner" not in r.tags}
    assert untagged == set(demo_seed.untagged_running["us-east-1"] + demo_seed.untagged_running["us-west-2"])
    assert len(demo_seed.untagged_running["us-east-1"]) >= 8
    months_ago = datetime.now(UTC) - timedelta(days=60)
    old = {n for n, r in instances.items() if datetime.fromisoformat(r.properties["launch_time"]) < months_ago}
    assert old == set(demo_seed.old_instances)

    groups = {r.native_id: r for r in store.query(["securitygroup"])}
    world = {n for n, g in groups.items() if g.properties["world_open"]}
    assert world == set(demo_seed.world_open_groups)
    ports = {rule["from_port"] for n in world for rule in groups[n].properties["world_open_ingress"]}
    assert {22, 3389} <= ports
    buckets = {r.native_id: r.properties for r in store.query(["bucket"])}
    assert {n: p["public"] for n, p in buckets.items()} == demo_seed.buckets
    assert buckets["botfactory-demo-blocked"]["acl_public"] is True  # public ACL, but ignored by the block
    keys = {r.native_id: r.properties for r in store.query(["accesskey"])}
    ninety_days_ago = datetime.now(UTC) - timedelta(days=90)
    assert {k for k, p in keys.items() if datetime.fromisoformat(p["create_date"]) < ninety_days_ago} == set(
        demo_seed.old_access_keys
    )
    alice = store.get(f"iamuser:{aws_account.id}:global:alice:")
    assert alice is not None and alice.properties["active_access_keys"] == 1

    again = harvest_account(aws_account, store)
    assert again.total == result.total and sum(c.unchanged for c in again.counts.values()) == result.total


def test_changes_and_deletions_fire_hookpoints(
    sqlite_database: Database,
    aws_account: Account,
    aws_clients: Callable[..., Any],
    hook_calls: list[tuple[str, str, Any]],
) -> None:
    store = ResourceStore(sqlite_database)
    east = aws_clients("ec2", "us-east-1")
    keep, change, drop = run_instances(aws_clients, "us-east-1", 3)
    volume = east.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    aws_clients("s3").create_bucket(Bucket="short-lived-bucket")
    aws_clients("sqs", "us-west-2").create_queue(QueueName="short-lived-queue")
    harvest_account(aws_account, store)
    created = {rid for event, rid, _ in hook_calls if event == "created"}
    account = aws_account.id
    assert f"instance:{account}:us-east-1:{keep}:" in created and f"volume:{account}:us-east-1:{volume}:" in created
    hook_calls.clear()
    dropped = store.get(f"instance:{account}:us-east-1:{drop}:")
    assert dropped is not None

    east.create_tags(Resources=[change], Tags=[{"Key": "Owner", "Value": "dana"}])
    east.terminate_instances(InstanceIds=[drop])  # still described (terminated): modified, not destroyed
    east.delete_volume(VolumeId=volume)
    aws_clients("s3").delete_bucket(Bucket="short-lived-bucket")
    sqs = aws_clients("sqs", "us-west-2")
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName="short-lived-queue")["QueueUrl"])
    (new,) = run_instances(aws_clients, "us-west-2", 1)
    result = harvest_account(aws_account, store)

    by_event: dict[str, set[str]] = {}
    for event, rid, _old in hook_calls:
        by_event.setdefault(event, set()).add(rid)
    root_volumes = {f"volume:{account}:us-east-1:{v}:" for v in dropped.properties["volume_ids"]}
    assert root_volumes  # deleted with the terminated instance (DeleteOnTermination)
    assert (
        by_event["destroyed"]
        == {
            f"volume:{account}:us-east-1:{volume}:",
            f"bucket:{account}:us-east-1:short-lived-bucket:",
            f"sqsqueue:{account}:us-west-2:short-lived-queue:",
        }
        | root_volumes
    )
    assert {f"instance:{account}:us-east-1:{change}:", f"instance:{account}:us-east-1:{drop}:"} <= by_event["modified"]
    assert f"instance:{account}:us-west-2:{new}:" in by_event["created"]
    olds = {rid: old for event, rid, old in hook_calls if event == "modified"}
    assert olds[f"instance:{account}:us-east-1:{change}:"].get_tag("Owner") is None
    assert result.counts["volume"].deleted == 1 + len(root_volumes) and result.counts["bucket"].deleted == 1

    gone = store.get(f"volume:{account}:us-east-1:{volume}:")
    assert gone is not None and gone.is_deleted  # kept, marked
    assert store.get(f"instance:{account}:us-east-1:{drop}:").state == "terminated"  # type: ignore[union-attr]
    assert store.get(f"instance:{account}:us-east-1:{keep}:").deleted_at is None  # type: ignore[union-attr]


def test_a_throttled_region_and_a_failing_bucket_do_not_stop_the_rest(
    sqlite_database: Database,
    aws_account: Account,
    demo_seed: SeedSummary,
    fail_aws_call: Callable[..., None],
) -> None:
    store = ResourceStore(sqlite_database)
    harvest_account(aws_account, store)
    before_west = _ids(store, "instance", "us-west-2")

    # Now us-west-2's instance listing is throttled and one bucket refuses its ACL; meanwhile the cloud changes.
    fail_aws_call("ec2", "DescribeInstances", region="us-west-2", code="Throttling")
    fail_aws_call("s3", "GetBucketAcl", code="AccessDenied", when=lambda p: p["Bucket"] == "botfactory-demo-private")
    result = harvest_account(aws_account, store)

    failed = {(e.service, e.region, e.code, e.native_id) for e in result.errors}
    assert failed == {
        ("ec2", "us-west-2", "Throttling", ""),
        ("s3", "us-east-1", "AccessDenied", "botfactory-demo-private"),
    }
    # The rest was harvested, and nothing the failures hid was taken for deleted.
    assert _ids(store, "instance", "us-west-2") == before_west
    assert _ids(store, "instance", "us-east-1") == set(demo_seed.instances["us-east-1"])
    assert _ids(store, "bucket") == set(demo_seed.buckets)
    assert result.counts["bucket"].unchanged == len(demo_seed.buckets) - 1
    assert (
        result.counts["securitygroup"].seen
        == len(demo_seed.security_groups["us-east-1"]) + len(demo_seed.security_groups["us-west-2"]) + 2
    )  # the default group of each region
    assert "instance" in result.counts and result.counts["accesskey"].seen == len(demo_seed.access_keys)
    assert store.count(include_deleted=True) == store.count()

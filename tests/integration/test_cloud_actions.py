"""Every remediation against moto's server: the effect is checked with a fresh boto3 call (not our store), and
the stored resource reflects the new state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from botfactory.clouds.accounts import Account
from botfactory.clouds.aws.actions import perform
from botfactory.clouds.aws.harvest import harvest_account
from botfactory.clouds.aws.seed import SeedSummary, run_instances
from botfactory.db import Database
from botfactory.errors import ValidationError
from botfactory.resources.store import ResourceStore

Clients = Callable[..., Any]
WORLD, INTERNAL = "0.0.0.0/0", "10.0.0.0/8"


def rid(account: Account, rtype: str, region: str, native: str) -> str:
    return f"{rtype}:{account.id}:{region}:{native}:"


def _states(clients: Clients, region: str, ids: list[str]) -> dict[str, str]:
    found = clients("ec2", region).describe_instances(InstanceIds=ids)["Reservations"]
    return {i["InstanceId"]: i["State"]["Name"] for r in found for i in r["Instances"]}


def test_instance_actions(sqlite_database: Database, aws_account: Account, aws_clients: Clients) -> None:
    store = ResourceStore(sqlite_database)
    ids = run_instances(aws_clients, "us-west-2", 2)
    harvest_account(aws_account, store, resource_types=["instance"])
    targets = [rid(aws_account, "instance", "us-west-2", i) for i in ids]

    for action, state in (
        ("stop", "stopped"),
        ("start", "running"),
        ("reboot", "running"),
        ("terminate", "terminated"),
    ):
        result = perform(action, targets)
        assert result.ok and sorted(result.succeeded) == sorted(targets)
        assert set(_states(aws_clients, "us-west-2", ids).values()) == {state}
        assert {store.get(t).state for t in targets} == {state}  # type: ignore[union-attr]
        assert {r.state for r in result.resources} == {state}


def test_one_bad_id_fails_alone(sqlite_database: Database, aws_account: Account, aws_clients: Clients) -> None:
    (good,) = run_instances(aws_clients, "us-east-1", 1)
    missing = rid(aws_account, "instance", "us-east-1", "i-0000000000000dead")
    result = perform("stop", [rid(aws_account, "instance", "us-east-1", good), missing])
    assert list(result.failed) == [missing] and "does not exist" in result.failed[missing]
    assert _states(aws_clients, "us-east-1", [good]) == {good: "stopped"}


def test_wrong_type_unknown_account_and_bad_params(sqlite_database: Database, aws_account: Account) -> None:
    result = perform("stop", ["volume:1:us-east-1:vol-1:", "instance:99:us-east-1:i-1:"])
    assert "does not apply to volume" in result.failed["volume:1:us-east-1:vol-1:"]
    assert result.failed["instance:99:us-east-1:i-1:"] == "no cloud account 99"
    with pytest.raises(ValidationError, match="tags"):
        perform("tag", ["instance:1:us-east-1:i-1:"], tags={})
    with pytest.raises(ValidationError, match="reserved"):
        perform("untag", ["instance:1:us-east-1:i-1:"], tag_keys=["aws:cloudformation:stack-name"])
    with pytest.raises(ValidationError, match="unknown action"):
        perform("explode", [])


def test_delete_volume(
    sqlite_database: Database, aws_account: Account, aws_clients: Clients, hook_calls: list[Any]
) -> None:
    store = ResourceStore(sqlite_database)
    ec2 = aws_clients("ec2", "us-east-1")
    volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=4)["VolumeId"]
    harvest_account(aws_account, store, resource_types=["volume"])
    target = rid(aws_account, "volume", "us-east-1", volume)

    assert perform("delete_volume", [target]).ok
    assert volume not in {v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]}
    assert store.get(target).is_deleted  # type: ignore[union-attr]
    assert ("destroyed", target, None) in hook_calls


def test_revoke_world_ingress_keeps_other_ranges(
    sqlite_database: Database, aws_account: Account, aws_clients: Clients
) -> None:
    store = ResourceStore(sqlite_database)
    ec2 = aws_clients("ec2", "us-east-1")
    group = ec2.create_security_group(GroupName="mixed", Description="mixed")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": WORLD}, {"CidrIp": INTERNAL}]},
            {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        ],
    )  # fmt: skip
    harvest_account(aws_account, store, resource_types=["securitygroup"])
    target = rid(aws_account, "securitygroup", "us-east-1", group)
    assert store.get(target).properties["world_open"]  # type: ignore[union-attr]

    assert perform("revoke_world_ingress", [target]).ok
    perms = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    cidrs = {(p.get("FromPort"), r["CidrIp"]) for p in perms for r in p.get("IpRanges", [])}
    cidrs |= {(p.get("FromPort"), r["CidrIpv6"]) for p in perms for r in p.get("Ipv6Ranges", [])}
    assert cidrs == {(22, INTERNAL)}
    stored = store.get(target)
    assert stored is not None and not stored.properties["world_open"]
    assert stored.properties["ingress_rules"][0]["ipv4_ranges"] == [INTERNAL]


def test_block_public_access(
    sqlite_database: Database, aws_account: Account, aws_clients: Clients, demo_seed: SeedSummary
) -> None:
    store = ResourceStore(sqlite_database)
    harvest_account(aws_account, store, resource_types=["bucket"])
    targets = {
        name: rid(aws_account, "bucket", demo_seed.bucket_regions[name], name)
        for name in ("botfactory-demo-public-acl", "botfactory-demo-public-policy")
    }
    assert all(store.get(t).properties["public"] for t in targets.values())  # type: ignore[union-attr]

    assert perform("block_public_access", list(targets.values())).ok
    for name, target in targets.items():
        s3 = aws_clients("s3", demo_seed.bucket_regions[name])
        block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        assert all(block.values()) and len(block) == 4
        grants = s3.get_bucket_acl(Bucket=name)["Grants"]
        assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")]
        stored = store.get(target)
        assert stored is not None and stored.properties["public"] is False


def test_add_and_remove_tags_on_every_taggable_type(
    sqlite_database: Database, aws_account: Account, aws_clients: Clients, demo_seed: SeedSummary
) -> None:
    east = "us-east-1"
    instance = demo_seed.instances[east][0]
    volume = demo_seed.volumes[east][0]
    group = demo_seed.security_groups[east][0]
    topic = next(iter(demo_seed.topics))
    targets = [
        rid(aws_account, "instance", east, instance),
        rid(aws_account, "volume", east, volume),
        rid(aws_account, "securitygroup", east, group),
        rid(aws_account, "bucket", east, "botfactory-demo-private"),
        rid(aws_account, "iamuser", "global", "alice"),
        rid(aws_account, "snstopic", east, topic),
        rid(aws_account, "sqsqueue", east, "remediation-queue"),
    ]
    ec2, s3, iam = aws_clients("ec2", east), aws_clients("s3", east), aws_clients("iam", east)
    sns, sqs = aws_clients("sns", east), aws_clients("sqs", east)
    queue_url = sqs.get_queue_url(QueueName="remediation-queue")["QueueUrl"]

    def cloud_tags() -> list[dict[str, str]]:
        def ec2_tags(native: str) -> dict[str, str]:
            found = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [native]}])["Tags"]
            return {t["Key"]: t["Value"] for t in found}

        return [
            ec2_tags(instance),
            ec2_tags(volume),
            ec2_tags(group),
            {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket="botfactory-demo-private")["TagSet"]},
            {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName="alice")["Tags"]},
            {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=topic)["Tags"]},
            sqs.list_queue_tags(QueueUrl=queue_url).get("Tags", {}),
        ]

    result = perform("tag", targets, tags={"Owner": "sec-team", "Ticket": "SEC-1"})
    assert result.ok, result.failed
    assert all(t.get("Owner") == "sec-team" and t.get("Ticket") == "SEC-1" for t in cloud_tags())
    stored = ResourceStore(sqlite_database).get_many(targets)
    assert all(stored[t].get_tag("Owner") == "sec-team" for t in targets)

    assert perform("untag", targets, tag_keys=["Ticket"]).ok
    assert all("Ticket" not in t and t.get("Owner") == "sec-team" for t in cloud_tags())
    stored = ResourceStore(sqlite_database).get_many(targets)
    assert all(stored[t].get_tag("Ticket") is None for t in targets)


def test_disable_access_keys(
    sqlite_database: Database, aws_account: Account, aws_clients: Clients, demo_seed: SeedSummary
) -> None:
    store = ResourceStore(sqlite_database)
    iam = aws_clients("iam", "us-east-1")
    alice_key = next(k for k, user in demo_seed.access_keys.items() if user == "alice")
    target = rid(aws_account, "accesskey", "global", alice_key)
    assert perform("disable_access_key", [target]).ok
    keys = {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]}
    assert keys == {alice_key: "Inactive"}
    assert store.get(target).state == "Inactive"  # type: ignore[union-attr]

    # A user's keys, only those older than 100 days: carol's 20-day-old key stays active.
    assert perform("disable_access_key", [rid(aws_account, "iamuser", "global", "carol")], older_than_days=100).ok
    carol = {k["Status"] for k in iam.list_access_keys(UserName="carol")["AccessKeyMetadata"]}
    assert carol == {"Active", "Inactive"}
    assert perform("disable_access_key", [rid(aws_account, "iamuser", "global", "bob")]).ok
    assert {k["Status"] for k in iam.list_access_keys(UserName="bob")["AccessKeyMetadata"]} == {"Inactive"}
    bob = store.get(rid(aws_account, "iamuser", "global", "bob"))
    assert bob is not None and bob.properties["active_access_keys"] == 0


def test_publish_to_topic_and_send_to_queue(aws_account: Account, aws_clients: Clients, demo_seed: SeedSummary) -> None:
    topic = next(iter(demo_seed.topics))
    sent = perform("publish_sns", [rid(aws_account, "snstopic", "us-east-1", topic)], message="via topic", subject="s")
    assert sent.ok
    assert perform("send_sqs", [rid(aws_account, "sqsqueue", "us-east-1", "remediation-queue")], message="direct").ok
    sqs = aws_clients("sqs", "us-east-1")
    url = sqs.get_queue_url(QueueName="remediation-queue")["QueueUrl"]
    bodies: list[str] = []
    for _ in range(5):  # bounded: both messages are there at once, a few receives collect them
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        bodies += [m["Body"] for m in got]
        if len(bodies) >= 2:
            break
    assert sorted(bodies) == ["direct", "via topic"]
    with pytest.raises(ValidationError, match="message"):
        perform("send_sqs", [], message="")

"""Cloud Custodian (c7n) against the emulated account: ``mark-for-op`` (tag for a stop in one day) on every EC2
instance without an Owner tag, one policy run per region, as ``custodian run`` does. boto3 reaches the emulator
through ``AWS_ENDPOINT_URL`` (set by the caller); no cache, no metrics, output in a temporary folder."""

from __future__ import annotations

import tempfile
import time
from typing import Any

POLICY = {
    "name": "bench-mark-untagged",
    "resource": "aws.ec2",
    "filters": [{"tag:Owner": "absent"}],
    "actions": [{"type": "mark-for-op", "op": "stop", "days": 1}],
}


def mark_for_op(params: dict[str, Any]) -> dict[str, Any]:
    from c7n.config import Config
    from c7n.policy import PolicyCollection
    from c7n.resources import load_resources

    load_resources(("aws.ec2",))
    out = tempfile.mkdtemp(prefix="bench-c7n-")
    matched = 0
    started = time.perf_counter()
    for region in params["regions"]:
        config = Config.empty(region=region, regions=[region], output_dir=out, account_id="123456789012")
        for policy in PolicyCollection.from_data({"policies": [POLICY]}, config):
            policy.validate()  # as `custodian run` does before running
            matched += len(policy.run() or [])
    seconds = time.perf_counter() - started
    n = int(params["n"])
    return {"value": n / seconds, "n": n, "matches": matched, "seconds": seconds}


def untag_half(endpoint: str, regions: list[str]) -> int:
    """Remove the Owner tag from every other instance (the emulator's seed tags whole launch batches alike), so
    both systems have matches to act on. Returns how many instances now lack the tag."""
    from botfactory.clouds.aws.emulator import endpoint_clients

    untagged = 0
    for region in regions:
        ec2 = endpoint_clients(endpoint)("ec2", region)
        ids: list[str] = []
        owned: set[str] = set()
        for page in ec2.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 500}):
            for reservation in page["Reservations"]:
                for instance in reservation["Instances"]:
                    ids.append(instance["InstanceId"])
                    if any(tag["Key"] == "Owner" for tag in instance.get("Tags", [])):
                        owned.add(instance["InstanceId"])
        strip = [i for i in sorted(owned)[::2]]
        for start in range(0, len(strip), 500):
            ec2.delete_tags(Resources=strip[start : start + 500], Tags=[{"Key": "Owner"}])
        untagged += len(ids) - len(owned) + len(strip)
    return untagged

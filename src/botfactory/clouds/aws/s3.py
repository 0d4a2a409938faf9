"""S3 buckets through boto3, with their public access block and whether their ACL or policy makes them public.

S3 lists every bucket of the account at once, whatever the region; a bucket is kept when its region is one of
the account's, and its details are read through a client of that region (as real S3 requires).
"""

from __future__ import annotations

import json
from typing import Any

from botfactory.clouds.accounts import Account
from botfactory.clouds.aws.common import Batch, harvest_error, has_code, log, rid, tag_dict, utc
from botfactory.clouds.aws.policy import bucket_exposure
from botfactory.resources.model import Resource

BUCKET = "bucket"
HOME = "us-east-1"


def bucket_region(account: Account, name: str) -> str:
    location = account.client("s3", HOME).get_bucket_location(Bucket=name).get("LocationConstraint")
    if not location:
        return "us-east-1"
    return "eu-west-1" if location == "EU" else str(location)


def account_public_access_block(account: Account) -> dict[str, Any] | None:
    """The account-wide block, which applies to every bucket. The emulator has none (its S3 Control endpoint
    needs an account-id host name that loopback cannot resolve), so it is only asked of a real AWS account."""
    if account.endpoint_url:
        return None
    try:
        number = account.client("sts", HOME).get_caller_identity()["Account"]
        block = account.client("s3control", HOME).get_public_access_block(AccountId=number)
        return dict(block.get("PublicAccessBlockConfiguration") or {})
    except Exception as exc:
        if not has_code(exc, "NoSuchPublicAccessBlockConfiguration"):
            log.info("account %s: cannot read the account public access block: %s", account.name, exc)
        return None


def _optional(call: Any, missing_codes: tuple[str, ...], **kwargs: Any) -> dict[str, Any] | None:
    try:
        return call(**kwargs)
    except Exception as exc:
        if has_code(exc, *missing_codes):
            return None
        raise


def bucket_resource(
    account: Account, name: str, region: str, created: Any, account_block: dict[str, Any] | None
) -> Resource:
    client = account.client("s3", region)
    block_resp = _optional(client.get_public_access_block, ("NoSuchPublicAccessBlockConfiguration",), Bucket=name)
    block = dict(block_resp["PublicAccessBlockConfiguration"]) if block_resp else None
    grants = client.get_bucket_acl(Bucket=name).get("Grants") or []
    policy_resp = _optional(client.get_bucket_policy, ("NoSuchBucketPolicy",), Bucket=name)
    policy = policy_resp.get("Policy") if policy_resp else None
    tagging = _optional(client.get_bucket_tagging, ("NoSuchTagSet", "NoSuchTagSetError"), Bucket=name)
    encryption = _optional(
        client.get_bucket_encryption, ("ServerSideEncryptionConfigurationNotFoundError",), Bucket=name
    )
    versioning = client.get_bucket_versioning(Bucket=name).get("Status") or "Disabled"
    rules = (encryption or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules") or []
    try:
        policy_doc = json.loads(policy) if policy else None
    except ValueError:
        policy_doc = {"unparsed": policy}
    tags = tag_dict((tagging or {}).get("TagSet"))
    return Resource(
        resource_id=rid(BUCKET, account.resource_account_id, region, name),
        name=name,
        state="available",
        tags=tags,
        properties={
            "creation_date": utc(created).isoformat() if utc(created) else None,
            "public_access_block": block,
            "acl_grants": [
                {
                    "grantee": g.get("Grantee", {}).get("URI") or g.get("Grantee", {}).get("ID"),
                    "permission": g.get("Permission"),
                }
                for g in grants
            ],
            "policy": policy_doc,
            "versioning": versioning,
            "default_encryption": [r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in rules],
            **bucket_exposure(grants, policy, block, account_block),
        },
        created_at=utc(created),
    )


def collect_buckets(account: Account, regions: list[str]) -> list[Batch]:
    """One batch of every configured region's buckets. A bucket whose details fail is reported and left as
    stored; one whose region is unknown makes the listing incomplete (nothing is marked deleted)."""
    batch = Batch(BUCKET, list(regions))
    account_block = account_public_access_block(account)
    listing = account.client("s3", HOME).list_buckets()
    for item in listing.get("Buckets") or ():
        name = item["Name"]
        try:
            region = bucket_region(account, name)
        except Exception as exc:
            batch.errors.append(harvest_error(exc, "s3", "global", BUCKET, name))
            batch.complete = False
            continue
        if region not in regions:
            continue
        try:
            batch.resources.append(bucket_resource(account, name, region, item.get("CreationDate"), account_block))
        except Exception as exc:
            batch.errors.append(harvest_error(exc, "s3", region, BUCKET, name))
            batch.present.add(rid(BUCKET, account.resource_account_id, region, name).to_string())
    return [batch]


def describe(account: Account, region: str, names: list[str]) -> list[Resource]:
    """Re-read these buckets; ones that no longer exist are absent."""
    listing = account.client("s3", HOME).list_buckets().get("Buckets") or []
    created = {b["Name"]: b.get("CreationDate") for b in listing}
    block = account_public_access_block(account)
    return [bucket_resource(account, name, region, created[name], block) for name in names if name in created]

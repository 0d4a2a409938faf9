"""Adding and removing tags, per resource type (each AWS service spells tagging its own way)."""

from __future__ import annotations

from typing import Any

from botfactory.clouds.accounts import Account
from botfactory.clouds.aws import ec2, iam, messaging, s3
from botfactory.clouds.aws.common import batched_call, each_call, has_code
from botfactory.errors import ValidationError

EC2_TYPES = (ec2.INSTANCE, ec2.VOLUME, ec2.SECURITY_GROUP)
TAGGABLE = (*EC2_TYPES, s3.BUCKET, iam.IAM_USER, messaging.SNS_TOPIC, messaging.SQS_QUEUE)


def validate_tag_keys(keys: object) -> list[str]:
    if isinstance(keys, str):
        keys = [k.strip() for k in keys.split(",") if k.strip()]
    if not isinstance(keys, (list, tuple)) or not keys:
        raise ValidationError("tag_keys: a non-empty list of tag keys", field="tag_keys", value=keys)
    for key in keys:
        if not isinstance(key, str) or not 1 <= len(key) <= 128:
            raise ValidationError(f"tag_keys: {key!r} must be 1-128 characters", field="tag_keys", value=key)
        if key.lower().startswith("aws:"):
            raise ValidationError(f"tag_keys: {key!r}: the aws: prefix is reserved", field="tag_keys", value=key)
    return list(dict.fromkeys(keys))


def validate_tags(tags: object) -> dict[str, str]:
    if not isinstance(tags, dict) or not tags:
        raise ValidationError("tags: a non-empty object of key: value", field="tags", value=tags)
    validate_tag_keys(list(tags))
    for key, value in tags.items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool) or len(str(value)) > 256:
            raise ValidationError(f"tags: value of {key!r} must be text of at most 256 characters", field="tags")
    return {str(k): str(v) for k, v in tags.items()}


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _bucket_tags(client: Any, bucket: str) -> dict[str, str]:
    try:
        return {t["Key"]: t["Value"] for t in client.get_bucket_tagging(Bucket=bucket).get("TagSet") or ()}
    except Exception as exc:
        if has_code(exc, "NoSuchTagSet", "NoSuchTagSetError"):
            return {}
        raise


def _put_bucket_tags(client: Any, bucket: str, tags: dict[str, str]) -> None:
    if tags:
        client.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _tag_list(tags)})
    else:
        client.delete_bucket_tagging(Bucket=bucket)


def add_tags(
    account: Account, rtype: str, region: str, ids: list[str], *, tags: dict[str, str], **_p: Any
) -> dict[str, str]:
    if rtype in EC2_TYPES:
        client = account.client("ec2", region)
        return batched_call(ids, lambda chunk: client.create_tags(Resources=chunk, Tags=_tag_list(tags)))
    if rtype == s3.BUCKET:
        client = account.client("s3", region)
        return each_call(ids, lambda b: _put_bucket_tags(client, b, {**_bucket_tags(client, b), **tags}))
    if rtype == iam.IAM_USER:
        client = account.client("iam", "global")
        return each_call(ids, lambda user: client.tag_user(UserName=user, Tags=_tag_list(tags)))
    if rtype == messaging.SNS_TOPIC:
        client = account.client("sns", region)
        return each_call(ids, lambda arn: client.tag_resource(ResourceArn=arn, Tags=_tag_list(tags)))
    client = account.client("sqs", region)
    return each_call(ids, lambda name: client.tag_queue(QueueUrl=_url(account, region, name), Tags=tags))


def remove_tags(
    account: Account, rtype: str, region: str, ids: list[str], *, tag_keys: list[str], **_p: Any
) -> dict[str, str]:
    if rtype in EC2_TYPES:
        client = account.client("ec2", region)
        keys = [{"Key": k} for k in tag_keys]
        return batched_call(ids, lambda chunk: client.delete_tags(Resources=chunk, Tags=keys))
    if rtype == s3.BUCKET:
        client = account.client("s3", region)

        def untag_bucket(bucket: str) -> None:
            current = _bucket_tags(client, bucket)
            kept = {k: v for k, v in current.items() if k not in tag_keys}
            if kept != current:
                _put_bucket_tags(client, bucket, kept)

        return each_call(ids, untag_bucket)
    if rtype == iam.IAM_USER:
        client = account.client("iam", "global")
        return each_call(ids, lambda user: client.untag_user(UserName=user, TagKeys=tag_keys))
    if rtype == messaging.SNS_TOPIC:
        client = account.client("sns", region)
        return each_call(ids, lambda arn: client.untag_resource(ResourceArn=arn, TagKeys=tag_keys))
    client = account.client("sqs", region)
    return each_call(ids, lambda name: client.untag_queue(QueueUrl=_url(account, region, name), TagKeys=tag_keys))


def _url(account: Account, region: str, name: str) -> str:
    url = messaging.queue_url(account, region, name)
    if url is None:
        raise LookupError(f"queue {name} not found")
    return url


ADD_TAGS = add_tags
REMOVE_TAGS = remove_tags

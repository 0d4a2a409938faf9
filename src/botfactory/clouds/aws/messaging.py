"""SNS topics and SQS queues through boto3.

A topic's native id is its ARN; a queue's is its name (its URL, which depends on the endpoint, is a property).
Queue depth counters are left out on purpose: they change all the time and would make every harvest report the
queue as modified.
"""

from __future__ import annotations

import json
from typing import Any

from botfactory.clouds.accounts import Account
from botfactory.clouds.aws.common import Batch, harvest_error, has_code, rid, tag_dict, utc
from botfactory.clouds.aws.policy import public_statements
from botfactory.resources.model import Resource

SNS_TOPIC, SQS_QUEUE = "snstopic", "sqsqueue"
_VOLATILE_QUEUE_ATTRIBUTES = {
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
}


def _policy(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return {"unparsed": text}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def topic_resource(account: Account, region: str, arn: str) -> Resource:
    client = account.client("sns", region)
    attrs = client.get_topic_attributes(TopicArn=arn).get("Attributes") or {}
    tags = tag_dict(client.list_tags_for_resource(ResourceArn=arn).get("Tags"))
    policy = attrs.get("Policy")
    return Resource(
        resource_id=rid(SNS_TOPIC, account.resource_account_id, region, arn),
        name=arn.rsplit(":", 1)[-1],
        state="available",
        tags=tags,
        properties={
            "arn": arn,
            "display_name": attrs.get("DisplayName") or None,
            "owner": attrs.get("Owner"),
            "subscriptions_confirmed": _int(attrs.get("SubscriptionsConfirmed")),
            "subscriptions_pending": _int(attrs.get("SubscriptionsPending")),
            "kms_master_key_id": attrs.get("KmsMasterKeyId") or None,
            "fifo": attrs.get("FifoTopic") == "true",
            "policy": _policy(policy),
            "policy_public": bool(public_statements(policy)),
        },
    )


def queue_resource(account: Account, region: str, url: str) -> Resource:
    client = account.client("sqs", region)
    attrs = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes") or {}
    tags = client.list_queue_tags(QueueUrl=url).get("Tags") or {}
    name = url.rstrip("/").rsplit("/", 1)[-1]
    policy = attrs.get("Policy")
    kept = {k: v for k, v in attrs.items() if k not in _VOLATILE_QUEUE_ATTRIBUTES and k != "Policy"}
    return Resource(
        resource_id=rid(SQS_QUEUE, account.resource_account_id, region, name),
        name=name,
        state="available",
        tags={str(k): str(v) for k, v in tags.items()},
        properties={
            "url": url,
            "arn": attrs.get("QueueArn"),
            "attributes": kept,
            "fifo": attrs.get("FifoQueue") == "true",
            "kms_master_key_id": attrs.get("KmsMasterKeyId") or None,
            "policy": _policy(policy),
            "policy_public": bool(public_statements(policy)),
        },
        created_at=utc(attrs.get("CreatedTimestamp")),
    )


def collect_topics(account: Account, region: str) -> list[Batch]:
    client = account.client("sns", region)
    arns = [t["TopicArn"] for page in client.get_paginator("list_topics").paginate() for t in page.get("Topics") or ()]
    batch = Batch(SNS_TOPIC, [region])
    for arn in arns:
        try:
            batch.resources.append(topic_resource(account, region, arn))
        except Exception as exc:
            if has_code(exc, "NotFound"):
                continue  # deleted between the listing and the details
            batch.errors.append(harvest_error(exc, "sns", region, SNS_TOPIC, arn))
            batch.present.add(rid(SNS_TOPIC, account.resource_account_id, region, arn).to_string())
    return [batch]


def collect_queues(account: Account, region: str) -> list[Batch]:
    client = account.client("sqs", region)
    urls = [u for page in client.get_paginator("list_queues").paginate() for u in page.get("QueueUrls") or ()]
    batch = Batch(SQS_QUEUE, [region])
    for url in urls:
        name = url.rstrip("/").rsplit("/", 1)[-1]
        try:
            batch.resources.append(queue_resource(account, region, url))
        except Exception as exc:
            if has_code(exc, "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
                continue
            batch.errors.append(harvest_error(exc, "sqs", region, SQS_QUEUE, name))
            batch.present.add(rid(SQS_QUEUE, account.resource_account_id, region, name).to_string())
    return [batch]


def queue_url(account: Account, region: str, name: str) -> str | None:
    try:
        return account.client("sqs", region).get_queue_url(QueueName=name)["QueueUrl"]
    except Exception as exc:
        if has_code(exc, "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            return None
        raise


def describe_topics(account: Account, region: str, arns: list[str]) -> list[Resource]:
    found = []
    for arn in arns:
        try:
            found.append(topic_resource(account, region, arn))
        except Exception as exc:
            if not has_code(exc, "NotFound"):
                raise
    return found


def describe_queues(account: Account, region: str, names: list[str]) -> list[Resource]:
    found = []
    for name in names:
        url = queue_url(account, region, name)
        if url is not None:
            found.append(queue_resource(account, region, url))
    return found

"""Remediation as boto3 calls; afterwards the resources are re-read from the cloud and stored.

``perform(action, resource_ids, **params)`` is the one entry point (bot actions and scheduled jobs both use it):
resources are grouped per account, type and region, each group gets as few API calls as the API allows, and a
failing batch call is retried one resource at a time so one bad id does not fail its neighbours. Then every
targeted resource is re-read and the store updated (hookpoints fire for what changed); one that no longer
exists is marked deleted.

Actions: ``start``, ``stop``, ``reboot``, ``terminate`` (instance); ``delete_volume`` (volume);
``revoke_world_ingress`` (securitygroup: rules open to 0.0.0.0/0 and ::/0); ``block_public_access`` (bucket:
public access block + private ACL); ``tag`` / ``untag`` (instance, volume, securitygroup, bucket, iamuser,
snstopic, sqsqueue); ``disable_access_key`` (accesskey, or every active key of an iamuser);
``publish_sns`` (snstopic); ``send_sqs`` (sqsqueue).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botfactory import clock
from botfactory.clouds.accounts import Account, AccountStore
from botfactory.clouds.aws import ec2, iam, messaging, s3
from botfactory.clouds.aws.common import WORLD_CIDRS, batched_call, each_call, error_message, is_aws_error
from botfactory.clouds.aws.harvest import describe_resources
from botfactory.clouds.aws.tagging import ADD_TAGS, REMOVE_TAGS, TAGGABLE, validate_tag_keys, validate_tags
from botfactory.clouds.sync import sync_refreshed
from botfactory.db.engine import Database, default_database
from botfactory.errors import ValidationError
from botfactory.resources.model import Resource, ResourceId
from botfactory.resources.store import ResourceStore

log = logging.getLogger(__name__)

Target = Resource | ResourceId | str
# fn(account, resource_type, region, native_ids, **params) -> {native_id: error message} for the failures
ActionFn = Callable[..., dict[str, str]]


@dataclass
class ActionResult:
    action: str
    succeeded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    resources: list[Resource] = field(default_factory=list)  # stored state after the action
    refresh_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        text = f"{self.action}: {len(self.succeeded)} done, {len(self.failed)} failed"
        if self.failed:
            first = next(iter(self.failed.items()))
            text += f" (e.g. {first[0]}: {first[1]})"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "succeeded": list(self.succeeded),
            "failed": dict(self.failed),
            "refresh_errors": list(self.refresh_errors),
        }


def _instance_action(method: str) -> ActionFn:
    def act(account: Account, _rtype: str, region: str, ids: list[str], **_params: Any) -> dict[str, str]:
        client = account.client("ec2", region)
        return batched_call(ids, lambda chunk: getattr(client, method)(InstanceIds=chunk))

    return act


def delete_volume(account: Account, _rtype: str, region: str, ids: list[str], **_p: Any) -> dict[str, str]:
    client = account.client("ec2", region)
    return each_call(ids, lambda vid: client.delete_volume(VolumeId=vid))


def _world_permissions(group: dict[str, Any]) -> list[dict[str, Any]]:
    perms = []
    for perm in group.get("IpPermissions") or ():
        v4 = [{"CidrIp": r["CidrIp"]} for r in perm.get("IpRanges") or () if r.get("CidrIp") in WORLD_CIDRS]
        v6 = [{"CidrIpv6": r["CidrIpv6"]} for r in perm.get("Ipv6Ranges") or () if r.get("CidrIpv6") in WORLD_CIDRS]
        if not (v4 or v6):
            continue
        # Revoke only the world-open ranges of the rule; its other ranges and group grants stay.
        revoke: dict[str, Any] = {"IpProtocol": perm["IpProtocol"], "IpRanges": v4, "Ipv6Ranges": v6}
        for port in ("FromPort", "ToPort"):
            if port in perm:
                revoke[port] = perm[port]
        perms.append(revoke)
    return perms


def revoke_world_ingress(account: Account, _rtype: str, region: str, ids: list[str], **_p: Any) -> dict[str, str]:
    client = account.client("ec2", region)

    def revoke(group_id: str) -> None:
        group = client.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
        perms = _world_permissions(group)
        if perms:
            client.revoke_security_group_ingress(GroupId=group_id, IpPermissions=perms)

    return each_call(ids, revoke)


def block_public_access(account: Account, _rtype: str, region: str, ids: list[str], **_p: Any) -> dict[str, str]:
    client = account.client("s3", region)
    flags = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")

    def block(bucket: str) -> None:
        client.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=dict.fromkeys(flags, True))
        client.put_bucket_acl(Bucket=bucket, ACL="private")

    return each_call(ids, block)


def disable_access_key(
    account: Account, rtype: str, _region: str, ids: list[str], *, older_than_days: int | None = None, **_p: Any
) -> dict[str, str]:
    client = account.client("iam", "global")
    if rtype == iam.ACCESS_KEY:

        def disable(key_id: str) -> None:
            user = iam.key_owner(account, key_id)
            if user is None:
                raise LookupError(f"access key {key_id} not found")
            client.update_access_key(UserName=user, AccessKeyId=key_id, Status="Inactive")

        return each_call(ids, disable)

    def disable_user_keys(user: str) -> None:
        for page in client.get_paginator("list_access_keys").paginate(UserName=user):
            for key in page.get("AccessKeyMetadata") or ():
                created = key.get("CreateDate")
                too_young = older_than_days is not None and created and (clock.now() - created).days < older_than_days
                if key.get("Status") == "Active" and not too_young:
                    client.update_access_key(UserName=user, AccessKeyId=key["AccessKeyId"], Status="Inactive")

    return each_call(ids, disable_user_keys)


def publish_sns(
    account: Account, _rtype: str, region: str, ids: list[str], *, message: str, subject: str | None = None, **_p: Any
) -> dict[str, str]:
    client = account.client("sns", region)
    extra = {"Subject": subject} if subject else {}
    return each_call(ids, lambda arn: client.publish(TopicArn=arn, Message=message, **extra))


def send_sqs(account: Account, _rtype: str, region: str, ids: list[str], *, message: str, **_p: Any) -> dict[str, str]:
    client = account.client("sqs", region)

    def send(name: str) -> None:
        url = messaging.queue_url(account, region, name)
        if url is None:
            raise LookupError(f"queue {name} not found")
        client.send_message(QueueUrl=url, MessageBody=message)

    return each_call(ids, send)


@dataclass(frozen=True)
class ActionSpec:
    fn: ActionFn
    types: tuple[str, ...]
    check: Callable[[dict[str, Any]], dict[str, Any]] = lambda params: params


def _key_params(params: dict[str, Any]) -> dict[str, Any]:
    days = params.get("older_than_days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 0):
        raise ValidationError("older_than_days: a whole number of days >= 0", field="older_than_days", value=days)
    return params


def _message_params(params: dict[str, Any]) -> dict[str, Any]:
    message = params.get("message")
    if not isinstance(message, str) or not message:
        raise ValidationError("message: a non-empty text is required", field="message", value=message)
    subject = params.get("subject")
    if subject is not None and (not isinstance(subject, str) or len(subject) > 100):
        raise ValidationError("subject: at most 100 characters of text", field="subject", value=subject)
    return params


ACTIONS: dict[str, ActionSpec] = {
    "start": ActionSpec(_instance_action("start_instances"), (ec2.INSTANCE,)),
    "stop": ActionSpec(_instance_action("stop_instances"), (ec2.INSTANCE,)),
    "reboot": ActionSpec(_instance_action("reboot_instances"), (ec2.INSTANCE,)),
    "terminate": ActionSpec(_instance_action("terminate_instances"), (ec2.INSTANCE,)),
    "delete_volume": ActionSpec(delete_volume, (ec2.VOLUME,)),
    "revoke_world_ingress": ActionSpec(revoke_world_ingress, (ec2.SECURITY_GROUP,)),
    "block_public_access": ActionSpec(block_public_access, (s3.BUCKET,)),
    "tag": ActionSpec(ADD_TAGS, TAGGABLE, lambda p: {**p, "tags": validate_tags(p.get("tags"))}),
    "untag": ActionSpec(REMOVE_TAGS, TAGGABLE, lambda p: {**p, "tag_keys": validate_tag_keys(p.get("tag_keys"))}),
    "disable_access_key": ActionSpec(disable_access_key, (iam.ACCESS_KEY, iam.IAM_USER), _key_params),
    "publish_sns": ActionSpec(publish_sns, (messaging.SNS_TOPIC,), _message_params),
    "send_sqs": ActionSpec(send_sqs, (messaging.SQS_QUEUE,), _message_params),
}


def _as_id(target: Target) -> ResourceId:
    if isinstance(target, Resource):
        return target.resource_id
    return target if isinstance(target, ResourceId) else ResourceId.from_string(target)


def perform(action: str, targets: Iterable[Target], *, db: Database | None = None, **params: Any) -> ActionResult:
    """Run ``action`` on the targets and store their new state. Failures are in the result, not raised."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise ValidationError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}", field="action", value=action)
    params = spec.check(dict(params))
    db = db or default_database()
    accounts, store = AccountStore(db), ResourceStore(db)
    result = ActionResult(action)
    groups: dict[tuple[str, str, str], list[ResourceId]] = defaultdict(list)
    for target in targets:
        rid = _as_id(target)
        if rid.resource_type not in spec.types:
            result.failed[str(rid)] = f"{action} does not apply to {rid.resource_type} (only {', '.join(spec.types)})"
        else:
            groups[(rid.account_id, rid.resource_type, rid.region)].append(rid)
    for (account_id, rtype, region), rids in groups.items():
        account = accounts.find(account_id) if account_id.isdigit() else None
        if account is None:
            result.failed.update({str(r): f"no cloud account {account_id}" for r in rids})
            continue
        natives = list(dict.fromkeys(r.native_id for r in rids))
        try:
            failed = spec.fn(account, rtype, region, natives, **params)
        except Exception as exc:
            if not is_aws_error(exc):
                raise
            failed = dict.fromkeys(natives, error_message(exc))
        for rid in rids:
            if rid.native_id in failed:
                result.failed[str(rid)] = failed[rid.native_id]
            else:
                result.succeeded.append(str(rid))
        _refresh(account, store, rtype, region, natives, result)
    log.info("%s", result.summary())
    return result


def _refresh(
    account: Account, store: ResourceStore, rtype: str, region: str, natives: list[str], result: ActionResult
) -> None:
    """Re-read what was acted on and store it; what the cloud no longer has is marked deleted."""
    try:
        if rtype == iam.IAM_USER:
            found = iam.describe_users(account, natives)  # the user and its keys: a disable changes both
        else:
            found = describe_resources(account, rtype, region, natives)
    except Exception as exc:
        if not is_aws_error(exc):
            raise
        result.refresh_errors.append(f"{rtype} {region}: {error_message(exc)}")
        return
    seen = {r.native_id for r in found if r.resource_type == rtype}
    missing = [ResourceId(rtype, account.resource_account_id, region, n) for n in natives if n not in seen]
    synced = sync_refreshed(store, found, [str(m) for m in missing])
    wanted = set(natives)
    result.resources += [r for r in synced.current if r.resource_type == rtype and r.native_id in wanted]

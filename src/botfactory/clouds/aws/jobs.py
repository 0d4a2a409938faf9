"""Built-in AWS event types: each remediation as a scheduled event, and the recurring harvest.

=========================== ================ =================================================================
event type                  targets          action_data
=========================== ================ =================================================================
divvy.start_resource        instance         (none)
divvy.stop_resource         instance         (none)
divvy.reboot_resource       instance         (none)
divvy.terminate_resource    instance         (none)
divvy.delete_resource       volume           (none)
divvy.revoke_world_ingress  securitygroup    (none)
divvy.block_public_access   bucket           (none)
divvy.tag_resource          taggable types   ``tags``: {key: value}
divvy.untag_resource        taggable types   ``tag_keys``: [key, ...]
divvy.disable_access_key    accesskey/iamuser ``older_than_days`` (optional, for an iamuser's keys)
divvy.publish_sns           snstopic         ``message``, ``subject`` (optional)
divvy.send_sqs              sqsqueue         ``message``
botfactory.harvest          (none)           ``account_id``
=========================== ================ =================================================================

The remediation jobs are ``MultiResourceScheduledEventJob``s: one run acts on every resource of the event. A
job finds each resource's account from its resource id, acts, and raises when any resource failed (after
acting on the rest), so the worker records ERROR with the reason. ``install()`` registers them all and may be
called again at any time.
"""

from __future__ import annotations

import json
import logging
from typing import Any, ClassVar

from botfactory.errors import ExecutionError, NotFound
from botfactory.events.execution import current_database
from botfactory.events.job import MultiResourceScheduledEventJob, ScheduledEventJob
from botfactory.events.registry import EventTypeRegistry, registry

log = logging.getLogger(__name__)

HARVEST = "botfactory.harvest"


class AwsActionJob(MultiResourceScheduledEventJob):
    """Runs one ``botfactory.clouds.aws.actions`` action on every resource of the event."""

    action: ClassVar[str] = ""

    def action_params(self) -> dict[str, Any]:
        return {}

    def run(self) -> str:
        from botfactory.clouds.aws.actions import perform

        result = perform(self.action, self.resource_ids, db=current_database(), **self.action_params())
        if result.failed:
            failures = "; ".join(f"{rid}: {why}" for rid, why in result.failed.items())
            raise ExecutionError(f"{result.summary()}: {failures}")
        return json.dumps(result.to_dict())


class SimpleActionJob(AwsActionJob):
    """An action without arguments: ``action_data`` must be empty (a typo there is refused when scheduling)."""

    def __init__(
        self,
        resource_ids: list[str] | None = None,
        user_resource_id: str | None = None,
        scheduled_event_id: int | None = None,
        scheduled_event_type: str | None = None,
    ) -> None:
        super().__init__(resource_ids, user_resource_id, scheduled_event_id, scheduled_event_type)


class StartResourceJob(SimpleActionJob):
    """Start instances."""

    action = "start"


class StopResourceJob(SimpleActionJob):
    """Stop instances."""

    action = "stop"


class RebootResourceJob(SimpleActionJob):
    """Reboot instances."""

    action = "reboot"


class TerminateResourceJob(SimpleActionJob):
    """Terminate instances."""

    action = "terminate"


class DeleteResourceJob(SimpleActionJob):
    """Delete EBS volumes."""

    action = "delete_volume"


class RevokeWorldIngressJob(SimpleActionJob):
    """Revoke security group ingress open to 0.0.0.0/0 and ::/0 (other ranges of the rules stay)."""

    action = "revoke_world_ingress"


class BlockPublicAccessJob(SimpleActionJob):
    """Block a bucket's public access: all four public access block flags and a private ACL."""

    action = "block_public_access"


class TagResourceJob(AwsActionJob):
    """Add tags (``tags``: {key: value}) to resources."""

    action = "tag"

    def __init__(
        self,
        resource_ids: list[str] | None = None,
        user_resource_id: str | None = None,
        scheduled_event_id: int | None = None,
        scheduled_event_type: str | None = None,
        *,
        tags: dict[str, str],
    ) -> None:
        super().__init__(resource_ids, user_resource_id, scheduled_event_id, scheduled_event_type)
        self.tags = tags

    def action_params(self) -> dict[str, Any]:
        return {"tags": self.tags}


class UntagResourceJob(AwsActionJob):
    """Remove tags (``tag_keys``: [key, ...]) from resources."""

    action = "untag"

    def __init__(
        self,
        resource_ids: list[str] | None = None,
        user_resource_id: str | None = None,
        scheduled_event_id: int | None = None,
        scheduled_event_type: str | None = None,
        *,
        tag_keys: list[str],
    ) -> None:
        super().__init__(resource_ids, user_resource_id, scheduled_event_id, scheduled_event_type)
        self.tag_keys = tag_keys

    def action_params(self) -> dict[str, Any]:
        return {"tag_keys": self.tag_keys}


class DisableAccessKeyJob(AwsActionJob):
    """Disable access keys (an ``accesskey``, or an ``iamuser``'s active keys, optionally only old ones)."""

    action = "disable_access_key"

    def __init__(
        self,
        resource_ids: list[str] | None = None,
        user_resource_id: str | None = None,
        scheduled_event_id: int | None = None,
        scheduled_event_type: str | None = None,
        older_than_days: int | None = None,
    ) -> None:
        super().__init__(resource_ids, user_resource_id, scheduled_event_id, scheduled_event_type)
        self.older_than_days = older_than_days

    def action_params(self) -> dict[str, Any]:
        return {"older_than_days": self.older_than_days}


class PublishSnsJob(AwsActionJob):
    """Publish ``message`` (and an optional ``subject``) to SNS topics."""

    action = "publish_sns"

    def __init__(
        self,
        resource_ids: list[str] | None = None,
        user_resource_id: str | None = None,
        scheduled_event_id: int | None = None,
        scheduled_event_type: str | None = None,
        *,
        message: str,
        subject: str | None = None,
    ) -> None:
        super().__init__(resource_ids, user_resource_id, scheduled_event_id, scheduled_event_type)
        self.message, self.subject = message, subject

    def action_params(self) -> dict[str, Any]:
        return {"message": self.message, "subject": self.subject}


class SendSqsJob(AwsActionJob):
    """Send ``message`` to SQS queues."""

    action = "send_sqs"

    def __init__(
        self,
        resource_ids: list[str] | None = None,
        user_resource_id: str | None = None,
        scheduled_event_id: int | None = None,
        scheduled_event_type: str | None = None,
        *,
        message: str,
    ) -> None:
        super().__init__(resource_ids, user_resource_id, scheduled_event_id, scheduled_event_type)
        self.message = message

    def action_params(self) -> dict[str, Any]:
        return {"message": self.message}


class HarvestJob(ScheduledEventJob):
    """Harvest one cloud account (``account_id``) into the resource store."""

    def __init__(
        self,
        resource_id: str | None = None,
        user_resource_id: str | None = None,
        scheduled_event_id: int | None = None,
        scheduled_event_type: str | None = None,
        *,
        account_id: int | str,
    ) -> None:
        super().__init__(resource_id, user_resource_id, scheduled_event_id, scheduled_event_type)
        self.account_id = account_id

    def run(self) -> str:
        from botfactory.clouds.accounts import AccountStore
        from botfactory.clouds.base import get_provider
        from botfactory.resources.store import ResourceStore

        db = current_database()
        try:
            account = AccountStore(db).get(self.account_id)
        except NotFound as exc:
            raise ExecutionError(f"{exc}: it was removed; cancel this event") from exc
        result = get_provider(account.provider).harvest(account, ResourceStore(db))
        summary = result.to_dict()
        if result.errors and result.total == 0:
            # Nothing at all could be read (bad credentials, no network): that is a failed attempt.
            raise ExecutionError(f"harvest of {account.name!r} read nothing: {result.errors[0].message}")
        return json.dumps(summary, default=str)


EVENT_TYPES: dict[str, tuple[type, dict[str, Any]]] = {
    "divvy.start_resource": (StartResourceJob, {}),
    "divvy.stop_resource": (StopResourceJob, {}),
    "divvy.reboot_resource": (RebootResourceJob, {}),
    "divvy.terminate_resource": (TerminateResourceJob, {}),
    "divvy.delete_resource": (DeleteResourceJob, {}),
    "divvy.revoke_world_ingress": (RevokeWorldIngressJob, {}),
    "divvy.block_public_access": (BlockPublicAccessJob, {}),
    "divvy.tag_resource": (TagResourceJob, {}),
    "divvy.untag_resource": (UntagResourceJob, {}),
    "divvy.disable_access_key": (DisableAccessKeyJob, {}),
    "divvy.publish_sns": (PublishSnsJob, {}),
    "divvy.send_sqs": (SendSqsJob, {}),
    # One attempt: the next hourly occurrence is the retry, and a failing account should not burst.
    HARVEST: (HarvestJob, {"max_attempts": 1, "timeout": 3600}),
}


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def install(target: EventTypeRegistry | None = None) -> None:
    """Register every AWS event type (again after a registry reset; a second call changes nothing)."""
    reg = target or registry
    for uid, (cls, options) in EVENT_TYPES.items():
        spec = reg.find(uid)
        if spec is not None and spec.job_class is cls:
            continue
        if spec is not None and _qualname(spec.job_class) != _qualname(cls):
            # A plugin (or a script) registered its own job under this id: it wins, as in DivvyCloud.
            log.info("event type %s is provided by %s; not installing the built-in", uid, spec.describe_owner())
            continue
        reg.register(uid, cls, **options)

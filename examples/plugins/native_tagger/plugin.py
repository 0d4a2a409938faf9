"""native_tagger: find resources that lack required tags, and tag them later — in botfactory's native style.

A simple-layout plugin: one ``plugin.py``, registrations at module level, no ``load()``/``unload()`` needed.
Everything registered while the module is imported belongs to this plugin, so ``botfactory plugins disable
native_tagger`` removes the filter, the action, the event type and the hookpoint again, in every process.
"""

from __future__ import annotations

import logging
from typing import Any

from botfactory.bots import registry as bots
from botfactory.bots.fields import FieldOptions, FloatField, MultiSelectionField, StringField
from botfactory.clouds.accounts import AccountStore
from botfactory.db import default_database
from botfactory.events import ScheduledEventJob, ScheduledEventTracker, registry, schedule_hours_from_now
from botfactory.resources.hookpoints import hookpoint
from botfactory.resources.model import Resource, ResourceId

log = logging.getLogger(__name__)

TAG_EVENT = "native_tagger.tag"
# EC2 ids share one tagging call (create_tags), which keeps this example short.
EC2_TYPES = ["instance", "volume", "securitygroup"]


@registry.register(TAG_EVENT, max_attempts=5, retry_backoff=30)
class TagJob(ScheduledEventJob):
    """Set ``tags`` on the event's resource (EC2 ``create_tags``)."""

    def __init__(self, *, tags: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tags = dict(tags)

    def run(self) -> str:
        rid = ResourceId.from_string(str(self.resource_id))
        account = AccountStore(default_database()).get(rid.account_id)
        ec2 = account.client("ec2", rid.region)
        ec2.create_tags(Resources=[rid.native_id], Tags=[{"Key": k, "Value": v} for k, v in self.tags.items()])
        # A plain return value is recorded as the SUCCESS result; raising records ERROR and retries.
        return f"tagged {rid.native_id} with {sorted(self.tags)}"


@bots.filter(
    "native_tagger.filter.missing_tags",
    name="Missing any of these tags",
    description="Matches resources that lack at least one of the given tag keys.",
    supported_resources=EC2_TYPES,
    settings_config=[
        MultiSelectionField(
            name="tag_keys",
            display_name="Tag keys",
            description="Tag keys every resource should carry.",
            options=[FieldOptions.REQUIRED, FieldOptions.TAGS],
        )
    ],
)
def missing_tags(resource: Resource, settings: dict[str, Any]) -> bool:
    return any(resource.get_tag(key) is None for key in settings["tag_keys"])


@bots.action(
    "native_tagger.action.scheduled_tag",
    name="Tag later",
    description="Schedule a tag for each match, a number of hours after the bot runs.",
    supported_resources=EC2_TYPES,
    settings_config=[
        StringField(name="tag_key", display_name="Tag key", options=FieldOptions.REQUIRED),
        StringField(name="tag_value", display_name="Tag value", default="unassigned"),
        FloatField(name="hours", display_name="Hours to wait", min_value=0, max_value=24 * 365, default=0),
    ],
    bulk_action=True,
    event_types=[TAG_EVENT],  # bot validation checks this event type is registered
)
def scheduled_tag(bot: Any, settings: dict[str, Any], matches: list[Resource], non_matches: list[Resource]) -> dict:
    with ScheduledEventTracker() as tracker:
        for resource in matches:
            tracker.schedule_bot_event(
                bot=bot,
                resource=resource,
                description=f"Tag {settings['tag_key']}={settings['tag_value']} (bot {bot.name})",
                event_type=TAG_EVENT,
                schedule_data=schedule_hours_from_now(settings["hours"]),
                action_data={"tags": {settings["tag_key"]: settings["tag_value"]}},
            )
    return {"scheduled": len(matches)}


@hookpoint("divvycloud.instance.created")
def report_untagged_instance(resource: Resource, **_: Any) -> None:
    """A harvest found a new instance: say so when it has no Owner tag (a bot decides what to do about it)."""
    if resource.get_tag("Owner") is None:
        log.info("native_tagger: new instance %s has no Owner tag", resource.get_resource_id())

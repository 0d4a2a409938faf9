"""Delayed actions (``divvy.action.scheduled_<verb>``): schedule the cloud layer's ``divvy.<verb>_resource`` event
for each match, ``hours`` after the run (DivvyCloud's setting: 0 = one minute, 0.25 = 15 minutes).

Nothing is done to the resource now. When the event fires the resource is re-read and the bot's filters
re-checked (``botfactory.bots.revalidate``): a resource fixed in the meantime is skipped, not remediated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botfactory.bots.actions.base import AWS_CLOUDS, hours_field, registry, schedule_for_each
from botfactory.bots.fields import Field, FieldOptions, MultiSelectionField, StringField
from botfactory.clouds.aws.tagging import TAGGABLE


@dataclass(frozen=True)
class Delayed:
    verb: str
    event_type: str
    title: str
    resources: tuple[str, ...]
    extra_fields: tuple[Field, ...] = ()
    # Turns the coerced settings into the event's action_data (the job's keyword arguments).
    action_data: Callable[[dict[str, Any]], dict[str, Any] | None] = lambda settings: None
    example: str = "{}"


_TAG_KEY = StringField(
    name="tag_key", display_name="Tag key", description="Key of the tag to set.", options=FieldOptions.REQUIRED
)
_TAG_VALUE = StringField(name="tag_value", display_name="Tag value", description="Value of the tag.", default="")
_TAG_KEYS = MultiSelectionField(
    name="tag_keys",
    display_name="Tag keys",
    description="Keys of the tags to remove.",
    options=[FieldOptions.REQUIRED, FieldOptions.TAGS],
)

DELAYED = (
    Delayed("stop", "divvy.stop_resource", "Stop instances", ("instance",)),
    Delayed("start", "divvy.start_resource", "Start instances", ("instance",)),
    Delayed("reboot", "divvy.reboot_resource", "Reboot instances", ("instance",)),
    Delayed("terminate", "divvy.terminate_resource", "Terminate instances", ("instance",)),
    Delayed("delete", "divvy.delete_resource", "Delete volumes", ("volume",)),
    Delayed(
        "tag",
        "divvy.tag_resource",
        "Tag resources",
        TAGGABLE,
        (_TAG_KEY, _TAG_VALUE),
        lambda s: {"tags": {s["tag_key"]: s["tag_value"] or ""}},
        '{"tag_key": "Quarantine", "tag_value": "true"}',
    ),
    Delayed(
        "untag",
        "divvy.untag_resource",
        "Remove tags",
        TAGGABLE,
        (_TAG_KEYS,),
        lambda s: {"tag_keys": list(s["tag_keys"])},
        '{"tag_keys": ["Temporary"]}',
    ),
    Delayed("revoke_world_ingress", "divvy.revoke_world_ingress", "Revoke world-open ingress", ("securitygroup",)),
    Delayed("block_public_access", "divvy.block_public_access", "Block bucket public access", ("bucket",)),
    Delayed("disable_access_key", "divvy.disable_access_key", "Disable access keys", ("accesskey",)),
)


def _make(spec: Delayed) -> Callable[..., dict[str, Any]]:
    def action(bot: Any, settings: dict[str, Any], matches: list[Any], non_matches: list[Any]) -> dict[str, Any]:
        return schedule_for_each(
            bot,
            matches,
            event_type=spec.event_type,
            hours=settings["hours"],
            description=f"{spec.title} (bot {bot.name})",
            action_data=spec.action_data(settings),
        )

    uid = f"divvy.action.scheduled_{spec.verb}"
    config = '{"hours": 2' + (", " + spec.example[1:] if spec.example != "{}" else "}")
    action.__name__ = action.__qualname__ = f"scheduled_{spec.verb}"
    action.__module__ = __name__
    action.__doc__ = (
        f"{spec.title} ``hours`` after the bot run: one ``{spec.event_type}`` event per match.\n\n"
        f"    Example::\n\n"
        f'        {{"name": "{uid}", "config": {config}}}\n'
    )
    registry.action(
        uid=uid,
        name=f"{spec.title} after a delay",
        description=f"Schedule {spec.event_type} for each match, the given number of hours after the bot run.",
        author="botfactory",
        supported_resources=list(spec.resources),
        supported_clouds=AWS_CLOUDS,
        settings_config=[hours_field(), *spec.extra_fields],
        bulk_action=True,
        accepts_complement=True,
        event_types=[spec.event_type],
        supports_dry_run=True,
    )(action)
    return action


ACTIONS = {spec.verb: _make(spec) for spec in DELAYED}

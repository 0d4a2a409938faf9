"""Immediate remediation (``divvy.action.<verb>``): act on the matches now through the cloud layer.

Each action is one ``botfactory.clouds.aws.actions.perform`` call, which groups the resources per account,
type and region, makes as few API calls as the API allows and stores the resources' new state. Failures of
single resources are reported in the outcome (and mark it as an error); the other resources are still acted on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botfactory.bots.actions.base import AWS_CLOUDS, ids, is_dry_run, registry
from botfactory.bots.context import bot_database
from botfactory.bots.fields import Field, FieldOptions, MultiSelectionField, StringField
from botfactory.clouds.aws.tagging import TAGGABLE

MAX_FAILED = 50


def perform(action: str, resources: list[Any], **params: Any) -> dict[str, Any]:
    """Run a cloud action on ``resources`` (or, in a dry run, say what it would do)."""
    if is_dry_run():
        return {
            f"would_{action}": len(resources),
            "resources": ids(resources),
            **({"params": params} if params else {}),
        }
    if not resources:
        return {action: 0}
    from botfactory.clouds.aws.actions import perform as cloud_perform

    result = cloud_perform(action, resources, db=bot_database(), **params)
    failed = [f"{rid}: {why}" for rid, why in list(result.failed.items())[:MAX_FAILED]]
    return {
        action: len(result.succeeded),
        "resources": result.succeeded[:100],
        "failed": failed,
        "refresh_errors": result.refresh_errors[:MAX_FAILED],
    }


@dataclass(frozen=True)
class Immediate:
    uid: str
    action: str
    title: str
    resources: tuple[str, ...]
    fields: tuple[Field, ...] = ()
    params: Callable[[dict[str, Any]], dict[str, Any]] = lambda settings: {}
    example: str = "{}"


IMMEDIATE = (
    Immediate("divvy.action.stop_instance", "stop", "Stop instances", ("instance",)),
    Immediate("divvy.action.start_instance", "start", "Start instances", ("instance",)),
    Immediate("divvy.action.reboot_instance", "reboot", "Reboot instances", ("instance",)),
    Immediate("divvy.action.terminate_instance", "terminate", "Terminate instances", ("instance",)),
    Immediate("divvy.action.delete_volume", "delete_volume", "Delete volumes", ("volume",)),
    Immediate(
        "divvy.action.revoke_world_ingress",
        "revoke_world_ingress",
        "Revoke ingress open to the world",
        ("securitygroup",),
    ),
    Immediate("divvy.action.block_public_access", "block_public_access", "Block bucket public access", ("bucket",)),
    Immediate("divvy.action.disable_access_key", "disable_access_key", "Disable access keys", ("accesskey",)),
    Immediate(
        "divvy.action.tag_resource",
        "tag",
        "Tag resources",
        TAGGABLE,
        (
            StringField(
                name="tag_key", display_name="Tag key", description="Key of the tag.", options=FieldOptions.REQUIRED
            ),
            StringField(name="tag_value", display_name="Tag value", description="Value of the tag.", default=""),
        ),
        lambda s: {"tags": {s["tag_key"]: s["tag_value"] or ""}},
        '{"tag_key": "Quarantine", "tag_value": "true"}',
    ),
    Immediate(
        "divvy.action.untag_resource",
        "untag",
        "Remove tags",
        TAGGABLE,
        (
            MultiSelectionField(
                name="tag_keys",
                display_name="Tag keys",
                description="Keys of the tags to remove.",
                options=[FieldOptions.REQUIRED, FieldOptions.TAGS],
            ),
        ),
        lambda s: {"tag_keys": list(s["tag_keys"])},
        '{"tag_keys": ["Temporary"]}',
    ),
)


def _make(spec: Immediate) -> Callable[..., dict[str, Any]]:
    def action(bot: Any, settings: dict[str, Any], matches: list[Any], non_matches: list[Any]) -> dict[str, Any]:
        return perform(spec.action, matches, **spec.params(settings))

    verb = spec.uid.rsplit(".", 1)[1]
    action.__name__ = action.__qualname__ = verb
    action.__module__ = __name__
    action.__doc__ = (
        f"{spec.title} now, through the cloud layer's ``{spec.action}``.\n\n"
        f"    Example::\n\n"
        f'        {{"name": "{spec.uid}", "config": {spec.example}}}\n'
    )
    registry.action(
        uid=spec.uid,
        name=spec.title,
        description=f"{spec.title} as soon as the bot runs.",
        author="botfactory",
        supported_resources=list(spec.resources),
        supported_clouds=AWS_CLOUDS,
        settings_config=list(spec.fields),
        bulk_action=True,
        accepts_complement=True,
        supports_dry_run=True,
    )(action)
    return action


ACTIONS = {spec.uid: _make(spec) for spec in IMMEDIATE}

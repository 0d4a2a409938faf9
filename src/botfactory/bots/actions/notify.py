"""Notifications through the cloud: publish the bot's findings to an SNS topic or send them to an SQS queue.

One message per run (not per resource), rendered from a Jinja2 template that sees ``bot_name``, ``bot_id``,
``count`` and ``resources`` (the first 200 matches). The topic or queue is named by its stored resource id, or
by its ARN (topic) / name (queue), which is looked up among the stored resources — in the account of the first
match when several accounts hold one of that name.
"""

from __future__ import annotations

from typing import Any

from botfactory.bots.actions.base import AWS_CLOUDS, is_dry_run, registry
from botfactory.bots.actions.cloud import perform
from botfactory.bots.context import bot_database
from botfactory.bots.fields import FieldOptions, Jinja2StringField, Jinja2TextField, StringField, render_template
from botfactory.errors import NotFound
from botfactory.resources.model import ResourceId
from botfactory.resources.store import ResourceStore

LISTED = 200
DEFAULT_MESSAGE = (
    "Bot {{ bot_name }} found {{ count }} resource(s):\n"
    "{% for r in resources %}- {{ r.get_resource_id() }} {{ r.name }}\n{% endfor %}"
)


def find_target(resource_type: str, target: str, matches: list[Any]) -> str:
    """The resource id of the topic or queue ``target`` names (a resource id, an ARN or a queue name)."""
    if target.startswith(f"{resource_type}:"):
        return ResourceId.from_string(target).to_string()
    candidates = [
        r for r in ResourceStore(bot_database()).query(resource_types=[resource_type]) if r.native_id == target
    ]
    if not candidates:
        raise NotFound(f"no stored {resource_type} {target!r}: harvest its account first")
    preferred = {r.account_id for r in matches[:1]}
    candidates.sort(key=lambda r: r.account_id not in preferred)
    return candidates[0].get_resource_id()


def _message(bot: Any, settings: dict[str, Any], matches: list[Any]) -> str:
    return render_template(
        settings["message"] or DEFAULT_MESSAGE,
        bot_name=bot.name,
        bot_id=bot.bot_id,
        count=len(matches),
        resources=matches[:LISTED],
    )


def _notify(kind: str, action: str, bot: Any, settings: dict[str, Any], matches: list[Any], **extra: Any) -> Any:
    if not matches:
        return {"sent": 0}
    message = _message(bot, settings, matches)
    target = find_target(kind, settings["target"], matches)
    if is_dry_run():
        return {"would_send": 1, "target": target, "count": len(matches), "message": message[:500]}
    detail = perform(action, [target], message=message, **extra)
    detail["count"] = len(matches)
    return detail


_MESSAGE = Jinja2TextField(
    name="message",
    display_name="Message",
    description="Template; names: bot_name, bot_id, count, resources. Empty: a list of the matches.",
    options=FieldOptions.MONOSPACE,
    default="",
)


@registry.action(
    uid="divvy.action.notify_sns",
    name="Notify through SNS",
    description="Publish one message listing the matches to an SNS topic.",
    author="botfactory",
    supported_resources=[],
    supported_clouds=AWS_CLOUDS,
    settings_config=[
        StringField(
            name="target",
            display_name="Topic",
            description="The topic's ARN or stored resource id.",
            options=[FieldOptions.REQUIRED, FieldOptions.MONOSPACE],
        ),
        Jinja2StringField(name="subject", display_name="Subject", description="Subject template.", default=""),
        _MESSAGE,
    ],
    bulk_action=True,
    accepts_complement=True,
    supports_dry_run=True,
)
def notify_sns(bot: Any, settings: dict[str, Any], matches: list[Any], non_matches: list[Any]) -> Any:
    """Publish a message about the matches to the SNS topic ``target``.

    Example::

        {"name": "divvy.action.notify_sns",
         "config": {"target": "arn:aws:sns:us-east-1:123456789012:security-alerts", "subject": "{{ bot_name }}"}}
    """
    subject = render_template(settings["subject"], bot_name=bot.name, count=len(matches))[:100] or None
    return _notify("snstopic", "publish_sns", bot, settings, matches, subject=subject)


@registry.action(
    uid="divvy.action.notify_sqs",
    name="Notify through SQS",
    description="Send one message listing the matches to an SQS queue.",
    author="botfactory",
    supported_resources=[],
    supported_clouds=AWS_CLOUDS,
    settings_config=[
        StringField(
            name="target",
            display_name="Queue",
            description="The queue's name or stored resource id.",
            options=[FieldOptions.REQUIRED, FieldOptions.MONOSPACE],
        ),
        _MESSAGE,
    ],
    bulk_action=True,
    accepts_complement=True,
    supports_dry_run=True,
)
def notify_sqs(bot: Any, settings: dict[str, Any], matches: list[Any], non_matches: list[Any]) -> Any:
    """Send a message about the matches to the SQS queue ``target``.

    Example::

        {"name": "divvy.action.notify_sqs", "config": {"target": "security-findings"}}
    """
    return _notify("sqsqueue", "send_sqs", bot, settings, matches)

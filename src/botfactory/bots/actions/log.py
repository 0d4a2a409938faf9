"""``divvy.action.log_message``: write a templated line per resource to the log (the simplest notification)."""

from __future__ import annotations

import logging
from typing import Any

from botfactory.bots.actions.base import MAX_LISTED, is_dry_run, registry
from botfactory.bots.event import MATCH, BotEvent
from botfactory.bots.fields import FieldOptions, Jinja2TextField, SelectionField, render_template

log = logging.getLogger("botfactory.bots.actions.log")
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


@registry.action(
    uid="divvy.action.log_message",
    name="Log a message",
    description="Log one line per matching resource, rendered from a Jinja2 template.",
    author="botfactory",
    supported_resources=[],
    supported_clouds=[],
    settings_config=[
        Jinja2TextField(
            name="message",
            display_name="Message",
            description="Template; names: resource, event, bot_id, bot_name.",
            options=[FieldOptions.REQUIRED, FieldOptions.MONOSPACE],
        ),
        SelectionField(
            name="level",
            display_name="Level",
            description="Log level.",
            choices=list(LEVELS),
            default="info",
        ),
    ],
    bulk_action=True,
    accepts_complement=True,
    supports_dry_run=True,
)
def log_message(bot: Any, settings: dict[str, Any], matches: list[Any], non_matches: list[Any]) -> dict[str, Any]:
    """Log ``message`` for each matching resource.

    Example::

        {"name": "divvy.action.log_message",
         "config": {"message": "{{ resource.resource_type }} {{ resource.name }} has no Owner tag", "level": "warning"}}
    """
    level = LEVELS[settings["level"]]
    lines: list[str] = []
    failed: list[str] = []
    for resource in matches:
        event = BotEvent(MATCH, resource, bot.bot_id, bot.name)
        try:
            line = render_template(settings["message"], **event.template_context())
        except Exception as exc:  # an undefined attribute or a filter error at render time
            failed.append(f"{event.resource_id}: {type(exc).__name__}: {exc}")
            continue
        lines.append(line)
        if not is_dry_run():
            log.log(level, "bot %s: %s", bot.name, line)
    key = "would_log" if is_dry_run() else "logged"
    return {key: len(lines), "sample": lines[:5], "failed": failed[:MAX_LISTED]}

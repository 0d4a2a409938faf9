"""``divvy.action.notify_webhook``: POST the bot's findings as JSON to an HTTP endpoint.

One request per batch of resources (not per resource), so a bot with thousands of matches sends a handful of
requests. Only ``http``/``https`` URLs are accepted.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.parse import urlparse

from botfactory.bots.actions.base import is_dry_run, registry
from botfactory.bots.fields import FieldError, FieldOptions, FloatField, Jinja2TextField, StringField, render_template

BATCH = 500
USER_AGENT = "botfactory-webhook/1"


def _check_url(settings: dict[str, Any]) -> list[FieldError]:
    url = urlparse(settings.get("url") or "")
    if url.scheme not in ("http", "https") or not url.netloc:
        return [FieldError("field 'url': must be an http:// or https:// URL", field="url", value=settings.get("url"))]
    return []


def _resource_doc(resource: Any) -> dict[str, Any]:
    return {
        "resource_id": resource.get_resource_id(),
        "resource_type": resource.resource_type,
        "name": resource.get_resource_name(),
        "account_id": resource.account_id,
        "region": resource.region,
        "state": resource.state,
        "tags": dict(resource.tags),
    }


def post_json(url: str, document: Any, timeout: float) -> int:
    body = json.dumps(document, default=str).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", "User-Agent": USER_AGENT}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # the scheme was checked at validation
        return int(response.status)


@registry.action(
    uid="divvy.action.notify_webhook",
    name="Notify a webhook",
    description="POST the matching resources as JSON to a URL (one request per 500 resources).",
    author="botfactory",
    supported_resources=[],
    supported_clouds=[],
    settings_config=[
        StringField(
            name="url",
            display_name="URL",
            description="http:// or https:// endpoint.",
            options=[FieldOptions.REQUIRED, FieldOptions.MONOSPACE],
        ),
        Jinja2TextField(
            name="message",
            display_name="Message",
            description="Optional summary template; names: bot_name, bot_id, count.",
            default="",
        ),
        FloatField(
            name="timeout",
            display_name="Timeout",
            description="Seconds per request.",
            min_value=1,
            max_value=120,
            default=10,
        ),
    ],
    bulk_action=True,
    accepts_complement=True,
    supports_dry_run=True,
    check=_check_url,
)
def notify_webhook(bot: Any, settings: dict[str, Any], matches: list[Any], non_matches: list[Any]) -> dict[str, Any]:
    """POST ``{"bot": ..., "message": ..., "resources": [...]}`` to ``url``.

    Example::

        {"name": "divvy.action.notify_webhook",
         "config": {"url": "https://hooks.example.com/botfactory", "message": "{{ count }} findings"}}
    """
    if not matches:
        return {"posted": 0, "requests": 0}
    message = ""
    if settings["message"]:
        message = render_template(settings["message"], bot_name=bot.name, bot_id=bot.bot_id, count=len(matches))
    batches = [matches[i : i + BATCH] for i in range(0, len(matches), BATCH)]
    if is_dry_run():
        return {"would_post": len(matches), "requests": len(batches), "url": settings["url"], "message": message}
    posted, failed = 0, []
    for number, batch in enumerate(batches, start=1):
        document = {
            "bot": {"id": bot.bot_id, "name": bot.name, "resource_id": bot.resource_id},
            "message": message,
            "batch": number,
            "batches": len(batches),
            "count": len(matches),
            "resources": [_resource_doc(r) for r in batch],
        }
        try:
            post_json(settings["url"], document, settings["timeout"])
            posted += len(batch)
        except Exception as exc:
            failed.append(f"batch {number}: {type(exc).__name__}: {exc}")
    return {"posted": posted, "requests": len(batches), "failed": failed}

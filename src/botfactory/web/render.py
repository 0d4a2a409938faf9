"""Rendering pages: the Jinja2 environment, time display in the viewer's zone, and the shared page context.

Times are rendered on the server in the zone the browser reported (a ``bf_tz`` cookie set by ``app.js``), with
the UTC time on hover; without JavaScript (or before the first report) they show in UTC, labelled so.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup

from botfactory.clock import now
from botfactory.web.session import FLASH_COOKIE, Session, pop_flash

HERE = Path(__file__).parent
TZ_COOKIE = "bf_tz"
_ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$")

templates = Jinja2Templates(directory=str(HERE / "templates"))


def viewer_zone(request: Request) -> tzinfo:
    name = unquote(request.cookies.get(TZ_COOKIE, ""))  # app.js URL-encodes the "/" of "Europe/Berlin"
    if not name or len(name) > 64 or not _ZONE_NAME.match(name) or name == "localtime":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return UTC


def _zone_label(tz: tzinfo) -> str:
    return getattr(tz, "key", "UTC")


@pass_context
def time_tag(ctx: Any, value: datetime | None, empty: str = "—") -> Markup:
    """``<time>`` showing local time, with UTC in the title (shown on hover)."""
    if value is None:
        return Markup("<span class=muted>{}</span>").format(empty)
    tz = ctx.get("tz", UTC)
    local = value.astimezone(tz)
    utc = value.astimezone(UTC)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        utc.isoformat(),
        utc.strftime("%Y-%m-%d %H:%M:%S UTC"),
        local.strftime("%Y-%m-%d %H:%M:%S ") + (local.tzname() or ""),
    )


def relative(value: datetime | None, reference: datetime | None = None) -> str:
    """``in 3 h``, ``12 min ago``: how far a time is from now."""
    if value is None:
        return ""
    seconds = (value - (reference or now())).total_seconds()
    ahead, seconds = seconds >= 0, abs(seconds)
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            amount = f"{seconds / size:.0f} {unit}"
            break
    else:
        amount = f"{seconds:.0f} s"
    return f"in {amount}" if ahead else f"{amount} ago"


def pretty_json(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=2, sort_keys=True, default=str)


def query(base: dict[str, Any], **changes: Any) -> str:
    """The current filters with some changed, as a query string (``?...``); empty values are dropped."""
    merged = {**base, **changes}
    pairs = []
    for key, value in merged.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if item not in (None, "", False):
                pairs.append((key, item))
    return "?" + urlencode(pairs) if pairs else "?"


templates.env.filters["time"] = time_tag
templates.env.filters["relative"] = relative
templates.env.filters["pretty_json"] = pretty_json
templates.env.globals["query"] = query


def render(
    request: Request, template: str, session: Session | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    tz = viewer_zone(request)
    base = {
        "user": session.principal if session else None,
        "csrf": session.csrf if session else "",
        "tz": tz,
        "tz_name": _zone_label(tz),
        "now": now(),
        "path": request.url.path,
        "flash": None,
    }
    base.update(context)
    holder = HTMLResponse()
    if request.cookies.get(FLASH_COOKIE):
        base["flash"] = pop_flash(request, holder)
    response = templates.TemplateResponse(request, template, base, status_code=status_code)
    response.headers["cache-control"] = "no-store"
    for key, value in holder.headers.items():
        if key == "set-cookie":
            response.headers.append("set-cookie", value)
    return response

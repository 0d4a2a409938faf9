"""``create_app()``: the FastAPI application serving ``/api/v1``, the health endpoints and the dashboard.

The app holds no global state and starts nothing: it is given a database (and, optionally, the process's
plugin manager) and only answers requests. ``botfactory server`` serves it alone; ``botfactory run`` mounts the
same app next to its workers in one process.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from botfactory.api.errors import ERROR_RESPONSES, install_error_handlers
from botfactory.api.limits import DEFAULT_MAX_BODY, BodyLimitMiddleware
from botfactory.api.routers import access, accounts, bots, events, health, history, resources, stats
from botfactory.api.routers import plugins as plugin_routes
from botfactory.api.services import Services
from botfactory.config import Settings
from botfactory.db import Database, default_database

API_PREFIX = "/api/v1"
DESCRIPTION = """Durable scheduled events for cloud-security bots.

Every endpoint under `/api/v1` needs `Authorization: Bearer TOKEN` (make one with
`botfactory tokens create --name NAME --role viewer|editor|admin`). Viewers read; editors also schedule, cancel
and run events and edit and run bots; admins also manage plugins, accounts and tokens. List endpoints return
`{"items", "total", "limit", "offset"}`; errors return `{"error", "message"}` (and `field` for invalid input).
Times are ISO-8601 in UTC with an offset.
"""


class SecurityHeaders:
    """Headers that cost nothing and close common holes; the dashboard also gets a strict CSP."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        dashboard = not scope["path"].startswith(("/api/", "/healthz", "/readyz", "/metrics"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                ]
                if dashboard:
                    headers += [
                        (b"x-frame-options", b"DENY"),
                        (
                            b"content-security-policy",
                            b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                            b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                        ),
                    ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    db: Database | None = None,
    *,
    settings: Settings | None = None,
    plugins: Any = None,
    max_body: int = DEFAULT_MAX_BODY,
    dashboard: bool = True,
) -> FastAPI:
    """The whole HTTP side. ``db`` defaults to the process's default database; ``plugins`` is the process's
    ``PluginManager`` (one that knows the plugins folders but has loaded nothing is made when it is None)."""
    from botfactory import __version__

    app = FastAPI(
        title="botfactory",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.services = Services(db or default_database(), settings=settings, plugins=plugins)
    install_error_handlers(app)
    app.include_router(health.router)
    api = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES)
    for module in (events, history, stats, bots, resources, accounts, plugin_routes, access):
        api.include_router(module.router)
    app.include_router(api)
    if dashboard:
        from botfactory.web import install_dashboard

        install_dashboard(app)
    # Outermost first: the size limit applies before anything reads the body.
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimitMiddleware, max_body=max_body)
    return app

"""Wiring the dashboard into the app: static files, the page routers, and how its errors look (HTML pages and
sign-in redirects, where the API answers JSON)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from botfactory.web.render import HERE, render
from botfactory.web.views import auth, bots, events, history, misc, overview
from botfactory.web.views.common import DashboardDenied, SignInRequired, current_session, sign_in_url

_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Not possible now",
    413: "Too large",
    422: "Invalid input",
}


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    try:
        session = current_session(request)
    except Exception:  # the database may be what failed: still show the error page
        session = None
    return render(
        request,
        "error.html",
        session,
        status_code=status,
        status=status,
        title=_TITLES.get(status, "Something went wrong"),
        message=message,
    )


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (auth, overview, events, history, bots, misc):
        app.include_router(module.router, include_in_schema=False)
    app.state.dashboard_error = error_page

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> RedirectResponse:
        return RedirectResponse(sign_in_url(exc.next_path), status_code=303)

    @app.exception_handler(DashboardDenied)
    async def _denied(request: Request, exc: DashboardDenied) -> HTMLResponse:
        return error_page(request, exc.status, exc.message)

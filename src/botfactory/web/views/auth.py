"""Signing in with an API token, and out."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from botfactory.api.services import services_of
from botfactory.web.render import render
from botfactory.web.session import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    csrf_matches,
    make_cookie_value,
    safe_next,
    set_cookie,
)
from botfactory.web.views.common import current_session

router = APIRouter()


def _sign_in_page(request: Request, next_path: str, error: str | None = None, status: int = 200) -> HTMLResponse:
    login_csrf = secrets.token_urlsafe(24)
    response = render(
        request, "sign_in.html", None, status_code=status, login_csrf=login_csrf, next=next_path, error=error
    )
    set_cookie(request, response, LOGIN_CSRF_COOKIE, login_csrf, 1800)
    return response


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str = "/") -> HTMLResponse:
    if current_session(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)  # type: ignore[return-value]
    return _sign_in_page(request, safe_next(next))


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    token: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> HTMLResponse:
    target = safe_next(next)
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), csrf):
        return _sign_in_page(request, target, "The sign-in form expired. Please try again.", 400)
    services = services_of(request)
    record = services.tokens.verify(token.strip())
    if record is None:
        return _sign_in_page(request, target, "That token is not valid, or it was revoked.", 401)
    value, _ = make_cookie_value(record)
    response = RedirectResponse(target, status_code=303)
    set_cookie(request, response, SESSION_COOKIE, value, SESSION_SECONDS)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    services.audit.record(record.principal.actor, "session.sign_in", f"token:{record.id}", {"via": "dashboard"})
    return response  # type: ignore[return-value]


@router.post("/sign-out")
def sign_out(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> RedirectResponse:
    session = current_session(request)
    response = RedirectResponse("/sign-in", status_code=303)
    # Signing out needs the CSRF token too, or any site could sign a user out.
    if session is not None and csrf_matches(session.csrf, csrf):
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response

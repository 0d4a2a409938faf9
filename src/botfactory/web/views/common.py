"""What every dashboard page shares: who is signed in, role checks for actions, CSRF, redirects after POST."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse

from botfactory.api.services import Services, services_of
from botfactory.web.session import Session, csrf_matches, read_session, safe_next, set_flash


class SignInRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class DashboardDenied(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def current_session(request: Request) -> Session | None:
    if not hasattr(request.state, "session"):
        request.state.session = read_session(request, services_of(request).tokens)
    return request.state.session


def signed_in(request: Request) -> Session:
    session = current_session(request)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method == "GET" else "/")
    return session


def sign_in_url(next_path: str) -> str:
    return "/sign-in" if next_path in ("", "/") else f"/sign-in?next={quote(next_path, safe='')}"


def action(role: str) -> Callable[..., Session]:
    """A POST from a dashboard form: signed in, CSRF token matches, role allows it."""

    def dependency(
        session: Annotated[Session, Depends(signed_in)], csrf: Annotated[str, Form(max_length=200)] = ""
    ) -> Session:
        if not csrf_matches(session.csrf, csrf):
            raise DashboardDenied(403, "The form was stale or not from this dashboard (CSRF check). Reload and retry.")
        if not session.principal.allows(role):
            raise DashboardDenied(403, f"This needs the {role} role; you are signed in as {session.principal.role}.")
        return session

    return dependency


def done(request: Request, return_to: str | None, default: str, message: str) -> RedirectResponse:
    """After a change: back to the page it came from (303, so a reload does not repeat it), with a message."""
    response = RedirectResponse(safe_next(return_to, default), status_code=303)
    set_flash(request, response, message)
    return response


def services(request: Request) -> Services:
    return services_of(request)


ReturnTo = Annotated[str, Form(max_length=2000)]

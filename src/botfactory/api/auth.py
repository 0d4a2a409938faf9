"""Bearer-token authentication and role checks for ``/api/v1``.

``Depends(viewer)`` / ``editor`` / ``admin`` give a handler the calling ``Principal``. A missing or unknown
token is 401 (with ``WWW-Authenticate: Bearer``), a token whose role is too low is 403; both are JSON with a
message that says what was missing.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from botfactory.access import Principal
from botfactory.api.errors import ApiError
from botfactory.api.services import Services, services_of

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token from `botfactory tokens create --name N --role viewer|editor|admin`",
)

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "missing token: send 'Authorization: Bearer TOKEN'", headers=_CHALLENGE)
    record = services_of(request).tokens.verify(credentials.credentials)
    if record is None:
        raise ApiError(401, "invalid or revoked token", headers=_CHALLENGE)
    principal = record.principal
    request.state.principal = principal
    return principal


def require(role: str) -> Callable[..., Principal]:
    def dependency(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
        principal = authenticate(request, credentials)
        if not principal.allows(role):
            raise ApiError(403, f"this needs the {role} role; token {principal.name!r} has the {principal.role} role")
        return principal

    dependency.__name__ = f"require_{role}"
    return dependency


viewer = require("viewer")
editor = require("editor")
admin = require("admin")


def audit(request: Request, principal: Principal, action: str, target: str | None, **details: object) -> None:
    """Write one change to the audit log (who, what, on what, details)."""
    services: Services = services_of(request)
    services.audit.record(principal.actor, action, target, details or None)

"""Every error the API returns has one JSON shape: ``{"error": code, "message": text, ...}``.

Domain errors map to statuses here and nowhere else: ValidationError → 422 (with the field), NotFound → 404,
Conflict → 409. Request validation errors from FastAPI are rewritten to name the field plainly
(``limit``, ``schedule.type``) instead of pydantic's location tuples.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from botfactory.errors import BotfactoryError, Conflict, NotFound, RegistrationError, ValidationError

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    500: "internal_error",
    503: "unavailable",
}


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: str
    message: str
    field: str | None = None
    errors: list[dict[str, Any]] | None = None


class ApiError(Exception):
    """An HTTP error with a message, raised by handlers and dependencies."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers
        self.extra = extra


def error_response(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"error": _CODES.get(status, "error"), "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, headers=headers)


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "schedule", "type")`` → ``schedule.type``; ``("query", "state", 0)`` → ``state``."""
    if len(loc) >= 2 and loc[0] in ("query", "path", "header", "cookie"):
        return str(loc[1])  # a parameter's name is what the caller typed; list positions only confuse
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


def domain_status(exc: BotfactoryError) -> int:
    if isinstance(exc, ValidationError):
        return 422
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, (Conflict, RegistrationError)):
        return 409
    return 400


def domain_error_response(exc: BotfactoryError) -> JSONResponse:
    status = domain_status(exc)
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationError):
        extra["field"] = exc.field or "body"
        problems = getattr(exc, "problems", None)
        if problems:
            extra["errors"] = [p.to_dict() for p in problems]
    return error_response(status, exc.message, **extra)


def _request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for err in exc.errors():
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        errors.append({"field": field_name(err.get("loc", ())), "message": message})
    first = errors[0] if errors else {"field": "body", "message": "invalid request"}
    message = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]) or "invalid request"
    return error_response(422, message, field=first["field"], errors=errors)


def _dashboard_renderer(request: Request) -> Any:
    """The dashboard's error page renderer when the request was for a dashboard page, else None."""
    if request.url.path.startswith(("/api/", "/healthz", "/readyz", "/metrics")):
        return None
    return getattr(request.app.state, "dashboard_error", None)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.headers, **exc.extra)

    @app.exception_handler(BotfactoryError)
    async def _domain_error(request: Request, exc: BotfactoryError) -> Any:
        dashboard = _dashboard_renderer(request)
        if dashboard is not None:
            return dashboard(request, domain_status(exc), exc.message)
        return domain_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Any:
        response = _request_validation(request, exc)
        dashboard = _dashboard_renderer(request)
        if dashboard is not None:
            return dashboard(request, 422, "Invalid input: " + json.loads(response.body)["message"])
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Any:
        dashboard = _dashboard_renderer(request)
        if dashboard is not None:
            return dashboard(request, exc.status_code, str(exc.detail))
        return error_response(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal error: see the server log")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or invalid token"},
    403: {"model": ErrorBody, "description": "The token's role does not allow this"},
    422: {"model": ErrorBody, "description": "Invalid input; `field` names the first bad field"},
}

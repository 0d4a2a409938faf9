"""Dashboard sessions: sign in with an API token, then a signed cookie stands for it.

The cookie (HttpOnly, SameSite=Strict, Secure over HTTPS) holds ``token_id.expires.csrf.signature``. The
signature is an HMAC keyed with the token's stored hash, so sessions need no server-side table and no shared
secret between server processes, survive restarts, and end the moment the token is revoked (it no longer
verifies, and each request re-checks the token). The CSRF value in the cookie must come back in every form.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import quote, unquote

from fastapi import Request, Response

from botfactory import clock
from botfactory.access import Principal, TokenRecord, TokenStore

SESSION_COOKIE = "bf_session"
LOGIN_CSRF_COOKIE = "bf_login_csrf"
FLASH_COOKIE = "bf_flash"
SESSION_SECONDS = 12 * 3600


@dataclass(frozen=True)
class Session:
    principal: Principal
    csrf: str
    expires: int


def _sign(token_hash: str, payload: str) -> str:
    digest = hmac.new(bytes.fromhex(token_hash), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make_cookie_value(record: TokenRecord, *, now: float | None = None) -> tuple[str, str]:
    """The cookie value for a new session of ``record`` and its CSRF value."""
    expires = int((now or clock.now().timestamp()) + SESSION_SECONDS)
    csrf = secrets.token_urlsafe(24)
    payload = f"{record.id}.{expires}.{csrf}"
    return f"{payload}.{_sign(record.token_hash, payload)}", csrf


def read_session(request: Request, tokens: TokenStore) -> Session | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw or len(raw) > 400:
        return None
    parts = raw.split(".")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[0]) > 18:
        return None
    token_id, expires, csrf, signature = int(parts[0]), int(parts[1]), parts[2], parts[3]
    if expires < clock.now().timestamp():
        return None
    record = tokens.active(token_id)
    if record is None:
        return None
    if not hmac.compare_digest(_sign(record.token_hash, f"{parts[0]}.{parts[1]}.{csrf}"), signature):
        return None
    return Session(record.principal, csrf, expires)


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: ``next`` must not send a signed-in user to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(c) < 32 for c in target) or len(target) > 2000:
        return default
    return target


def set_flash(request: Request, response: Response, message: str) -> None:
    set_cookie(request, response, FLASH_COOKIE, quote(message[:300]), 60)


def pop_flash(request: Request, response: Response) -> str | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    response.delete_cookie(FLASH_COOKIE, path="/")
    return unquote(raw)[:300]

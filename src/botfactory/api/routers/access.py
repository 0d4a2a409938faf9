"""``/api/v1/me``, ``/api/v1/tokens`` and ``/api/v1/audit``: who am I; token management and the audit log
(admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from botfactory.access import AuditFilter, Principal
from botfactory.api.auth import admin, audit, viewer
from botfactory.api.pages import jsonable, page
from botfactory.api.params import MAX_ID, Limit, Offset, PathId, text_query
from botfactory.api.schemas import TokenCreate
from botfactory.api.services import services_of

router = APIRouter(tags=["access"])


@router.get("/me", summary="The calling token's name and role")
def me(principal: Annotated[Principal, Depends(viewer)]) -> dict[str, Any]:
    return principal.to_dict()


@router.get("/tokens", summary="List API tokens (never the tokens themselves)")
def list_tokens(
    request: Request, _: Annotated[Principal, Depends(admin)], limit: Limit = 100, offset: Offset = 0
) -> dict[str, Any]:
    tokens = services_of(request).tokens.list()
    return page(tokens[offset : offset + limit], len(tokens), limit, offset)


@router.post("/tokens", status_code=201, summary="Create a token; the answer holds it, once")
def create_token(request: Request, body: TokenCreate, principal: Annotated[Principal, Depends(admin)]) -> Any:
    record, secret = services_of(request).tokens.create(body.name, body.role, created_by=principal.actor)
    audit(request, principal, "token.create", f"token:{record.id}", name=record.name, role=record.role)
    return jsonable({**record.to_dict(), "token": secret})


@router.post("/tokens/{token_id}/revoke", summary="Revoke a token")
def revoke_token(request: Request, token_id: PathId, principal: Annotated[Principal, Depends(admin)]) -> Any:
    record = services_of(request).tokens.revoke(token_id)
    audit(request, principal, "token.revoke", f"token:{token_id}", name=record.name)
    return jsonable(record.to_dict())


@router.get("/audit", summary="The audit log, newest first")
def audit_log(
    request: Request,
    _: Annotated[Principal, Depends(admin)],
    actor: Annotated[str | None, text_query("Only this actor (token:ID:NAME, cli:USER@HOST)")] = None,
    action: Annotated[str | None, text_query("Only this action, e.g. event.cancel", 64)] = None,
    target: Annotated[str | None, text_query("Only this target, e.g. event:12", 512)] = None,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Keyset: only ids below this")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    log = services_of(request).audit
    flt = AuditFilter(actor=actor, action=action, target=target)
    keyset = AuditFilter(actor=actor, action=action, target=target, before_id=before_id)
    return page(log.list(keyset, limit=limit, offset=offset), log.count(flt), limit, offset)

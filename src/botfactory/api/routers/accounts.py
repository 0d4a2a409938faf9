"""``/api/v1/accounts``: cloud accounts. Everyone with a token reads; only admins add, change or remove."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from botfactory.access import Principal
from botfactory.api.auth import admin, audit, viewer
from botfactory.api.pages import jsonable, page
from botfactory.api.params import Limit, Offset, PathId
from botfactory.api.schemas import AccountCreate, AccountSettings
from botfactory.api.services import services_of

router = APIRouter(prefix="/accounts", tags=["accounts"])


@router.get("", summary="List cloud accounts")
def list_accounts(
    request: Request, _: Annotated[Principal, Depends(viewer)], limit: Limit = 100, offset: Offset = 0
) -> dict[str, Any]:
    accounts = services_of(request).accounts.list()
    return page(accounts[offset : offset + limit], len(accounts), limit, offset)


@router.post("", status_code=201, summary="Add a cloud account")
def add_account(request: Request, body: AccountCreate, principal: Annotated[Principal, Depends(admin)]) -> Any:
    account = services_of(request).accounts.add(body.name, body.provider, body.settings)
    audit(request, principal, "account.add", f"account:{account.id}", name=account.name, provider=account.provider)
    return jsonable(account.to_dict())


@router.get("/{account_id}", summary="Show a cloud account")
def get_account(request: Request, account_id: PathId, _: Annotated[Principal, Depends(viewer)]) -> Any:
    return jsonable(services_of(request).accounts.get(account_id).to_dict())


@router.put("/{account_id}/settings", summary="Replace a cloud account's settings")
def update_settings(
    request: Request, account_id: PathId, body: AccountSettings, principal: Annotated[Principal, Depends(admin)]
) -> Any:
    account = services_of(request).accounts.update_settings(account_id, body.settings)
    # Settings never hold secrets (the store refuses them), but only their keys are logged all the same.
    audit(request, principal, "account.update", f"account:{account_id}", keys=sorted(body.settings))
    return jsonable(account.to_dict())


@router.delete("/{account_id}", summary="Remove a cloud account (its resources are marked deleted)")
def remove_account(request: Request, account_id: PathId, principal: Annotated[Principal, Depends(admin)]) -> Any:
    account = services_of(request).accounts.remove(account_id)
    audit(request, principal, "account.remove", f"account:{account_id}", name=account.name)
    return jsonable(account.to_dict())

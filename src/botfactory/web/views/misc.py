"""Resources, plugins and workers: the smaller pages."""

from __future__ import annotations

from itertools import islice
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from botfactory.api.params import ShortText
from botfactory.api.services import services_of
from botfactory.clock import now
from botfactory.errors import BotfactoryError
from botfactory.web.render import render
from botfactory.web.session import Session
from botfactory.web.views.common import ReturnTo, action, done, signed_in

router = APIRouter()
PAGE = 50
_PAST = {"enable": "enabled", "disable": "disabled", "reload": "reloaded"}


@router.get("/resources", response_class=HTMLResponse)
def resources(
    request: Request,
    session: Annotated[Session, Depends(signed_in)],
    resource_type: ShortText = "",
    account_id: ShortText = "",
    region: ShortText = "",
    include_deleted: bool = False,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    store = services_of(request).resources
    args = (
        [resource_type] if resource_type else None,
        [account_id] if account_id else None,
        [region] if region else None,
        include_deleted,
    )
    items = list(islice(store.query(*args, chunk_size=min(1000, offset + PAGE)), offset, offset + PAGE))
    return render(
        request,
        "resources.html",
        session,
        active="resources",
        resources=items,
        total=store.count(*args),
        by_type=store.counts_by_type(),
        offset=offset,
        page_size=PAGE,
        filters={
            "resource_type": resource_type,
            "account_id": account_id,
            "region": region,
            "include_deleted": include_deleted,
        },
    )


@router.get("/plugins", response_class=HTMLResponse)
def plugins(request: Request, session: Annotated[Session, Depends(signed_in)]) -> HTMLResponse:
    manager = services_of(request).plugins
    return render(
        request,
        "plugins.html",
        session,
        active="plugins",
        plugins=manager.status(),
        dirs=[str(d) for d in manager.dirs],
    )


@router.post("/plugins/{name}/{verb}")
def change_plugin(
    request: Request,
    name: Annotated[str, Path(max_length=255, pattern=r"^[A-Za-z0-9_.\-]+$")],
    verb: Annotated[str, Path(pattern=r"^(enable|disable|reload)$")],
    session: Annotated[Session, Depends(action("admin"))],
    return_to: ReturnTo = "",
) -> RedirectResponse:
    services = services_of(request)
    manager = services.plugins
    try:
        getattr(manager, verb)(name, by=session.principal.user_resource_id)
    except BotfactoryError as exc:
        return done(request, return_to, "/plugins", f"Could not {verb} {name}: {exc.message}")
    services.audit.record(session.principal.actor, f"plugin.{verb}", f"plugin:{name}", {"via": "dashboard"})
    manager.apply_wanted_state()
    return done(request, return_to, "/plugins", f"Plugin {name} {_PAST[verb]} (other processes follow within seconds).")


@router.get("/workers", response_class=HTMLResponse)
def workers(request: Request, session: Annotated[Session, Depends(signed_in)]) -> HTMLResponse:
    services = services_of(request)
    return render(
        request,
        "workers.html",
        session,
        active="workers",
        workers=services.live_workers(),
        dead_after=services.dead_after,
        moment=now(),
    )

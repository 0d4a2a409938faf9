"""``/api/v1/plugins``: what this server process has loaded, and the fleet-wide enable/disable/reload (admin).

Enabling, disabling and reloading write the wanted state to the database; every process (this one at once,
the others on their next sync) then loads or unloads to match.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from botfactory.access import Principal
from botfactory.api.auth import admin, audit, viewer
from botfactory.api.pages import jsonable, page
from botfactory.api.params import Limit, Offset
from botfactory.api.services import services_of

router = APIRouter(prefix="/plugins", tags=["plugins"])

PluginName = Annotated[str, Path(max_length=255, pattern=r"^[A-Za-z0-9_.\-]+$", description="The plugin's folder name")]


@router.get("", summary="List plugins and their state in this process")
def list_plugins(
    request: Request, _: Annotated[Principal, Depends(viewer)], limit: Limit = 100, offset: Offset = 0
) -> dict[str, Any]:
    statuses = services_of(request).plugins.status()
    return page(statuses[offset : offset + limit], len(statuses), limit, offset)


@router.get("/{name}", summary="Show one plugin")
def get_plugin(request: Request, name: PluginName, _: Annotated[Principal, Depends(viewer)]) -> Any:
    return jsonable(services_of(request).plugins.get_status(name).to_dict())


def _change(request: Request, name: str, principal: Principal, verb: str) -> Any:
    manager = services_of(request).plugins
    getattr(manager, verb)(name, by=principal.user_resource_id)
    audit(request, principal, f"plugin.{verb}", f"plugin:{name}")
    # Apply it here now rather than on the next sync, so the answer shows the new state of this process.
    manager.apply_wanted_state()
    return jsonable(manager.get_status(name).to_dict())


@router.post("/{name}/enable", summary="Enable a plugin on every process")
def enable_plugin(request: Request, name: PluginName, principal: Annotated[Principal, Depends(admin)]) -> Any:
    return _change(request, name, principal, "enable")


@router.post("/{name}/disable", summary="Disable a plugin on every process (its pending events wait)")
def disable_plugin(request: Request, name: PluginName, principal: Annotated[Principal, Depends(admin)]) -> Any:
    return _change(request, name, principal, "disable")


@router.post("/{name}/reload", summary="Reload a plugin's code on every process")
def reload_plugin(request: Request, name: PluginName, principal: Annotated[Principal, Depends(admin)]) -> Any:
    return _change(request, name, principal, "reload")

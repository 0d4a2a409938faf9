"""``/api/v1/resources``: harvested cloud resources, and the events that target one."""

from __future__ import annotations

from itertools import islice
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from botfactory.access import Principal
from botfactory.api.auth import viewer
from botfactory.api.pages import jsonable, page
from botfactory.api.params import NO_NUL, Limit, Offset, ShortText
from botfactory.api.services import services_of
from botfactory.errors import NotFound, ValidationError
from botfactory.events.store import EventFilter

router = APIRouter(prefix="/resources", tags=["resources"])


def _names(values: list[str]) -> list[str] | None:
    return list(values) if values else None


@router.get("", summary="List stored resources")
def list_resources(
    request: Request,
    _: Annotated[Principal, Depends(viewer)],
    resource_type: Annotated[list[ShortText], Query(max_length=50, description="Resource type (repeatable)")] = [],  # noqa: B006
    account_id: Annotated[list[ShortText], Query(max_length=50, description="Account id (repeatable)")] = [],  # noqa: B006
    region: Annotated[list[ShortText], Query(max_length=50, description="Region (repeatable)")] = [],  # noqa: B006
    include_deleted: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    store = services_of(request).resources
    args = (_names(resource_type), _names(account_id), _names(region), include_deleted)
    # The store streams in id order (keyset chunks); a page skips ``offset`` rows of that stream.
    items = list(islice(store.query(*args, chunk_size=min(1000, offset + limit)), offset, offset + limit))
    return page(items, store.count(*args), limit, offset)


@router.get("/{resource_id:path}", summary="Show a resource and the events that target it")
def get_resource(
    request: Request,
    resource_id: Annotated[str, Path(max_length=512, pattern=NO_NUL, description="e.g. instance:1:us-east-1:i-0abc:")],
    _: Annotated[Principal, Depends(viewer)],
) -> Any:
    services = services_of(request)
    try:
        resource = services.resources.get(resource_id)
    except ValidationError as exc:  # not even shaped like a resource id: there is no such resource
        raise NotFound(f"no resource {resource_id!r}: {exc}") from exc
    if resource is None:
        raise NotFound(f"no resource {resource_id!r}")
    doc = resource.to_dict()
    events = services.events.list_events(EventFilter(resource_id=doc["resource_id"]), limit=100)
    doc["events"] = [e.to_dict() for e in events]
    return jsonable(doc)

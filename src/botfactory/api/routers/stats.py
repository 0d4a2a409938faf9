"""``/api/v1/stats`` (the overview in numbers) and ``/api/v1/workers`` (live worker processes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from botfactory.access import Principal
from botfactory.api.auth import viewer
from botfactory.api.overview import stats_document
from botfactory.api.pages import jsonable, page
from botfactory.api.params import Limit, MomentQuery, Offset
from botfactory.api.services import services_of

router = APIRouter(tags=["overview"])


@router.get("/stats", summary="Counts by state and type, results by status, live workers, waiting types")
def stats(request: Request, _: Annotated[Principal, Depends(viewer)], since: MomentQuery = None) -> dict[str, Any]:
    services = services_of(request)
    return jsonable(stats_document(services.events, services.live_workers(), since))


@router.get("/workers", summary="Live worker processes")
def workers(
    request: Request, _: Annotated[Principal, Depends(viewer)], limit: Limit = 100, offset: Offset = 0
) -> dict[str, Any]:
    live = services_of(request).live_workers()
    return page(live[offset : offset + limit], len(live), limit, offset)

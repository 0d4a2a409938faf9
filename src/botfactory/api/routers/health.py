"""``/healthz``, ``/readyz`` and ``/metrics``: for load balancers and Prometheus, so no token is needed."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from botfactory.api.metrics import CONTENT_TYPE, render_metrics
from botfactory.api.services import services_of
from botfactory.db import migrate

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable and its schema is current", response_model=None)
def readyz(request: Request) -> Any:
    db = services_of(request).db
    try:
        current = migrate.is_current(db)
    except Exception as exc:  # any failure to reach the database means "not ready", never a 500
        log.warning("readyz: database not reachable: %s", exc)
        return JSONResponse({"status": "unavailable", "database": False, "migrations_current": False}, 503)
    if not current:
        return JSONResponse({"status": "unavailable", "database": True, "migrations_current": False}, 503)
    return {"status": "ok", "database": True, "migrations_current": True}


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
def metrics(request: Request) -> PlainTextResponse:
    return PlainTextResponse(render_metrics(services_of(request)), media_type=CONTENT_TYPE)

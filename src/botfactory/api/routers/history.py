"""``/api/v1/history``: execution attempts, newest first, filtered; JSON pages or a CSV download.

Deep pages should use keyset pagination: pass the ``next_before_id`` of one page as ``before_id`` of the next.
That stays one index range scan at any depth, where ``offset`` makes the database walk every skipped row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import fields, replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from botfactory.access import Principal
from botfactory.api.auth import viewer
from botfactory.api.errors import ApiError
from botfactory.api.pages import jsonable, page
from botfactory.api.params import MAX_ID, EventTypeName, MomentQuery, Offset, PathId, text_query
from botfactory.api.schemas import HistoryStatus
from botfactory.api.services import services_of
from botfactory.errors import NotFound
from botfactory.events.records import HistoryRecord
from botfactory.events.store import EventStore, HistoryFilter

router = APIRouter(prefix="/history", tags=["history"])

# A history row's fields, in the record's order (the JSON items carry the same keys).
CSV_COLUMNS = tuple(field.name for field in fields(HistoryRecord))
MAX_JSON_LIMIT = 1000
_CHUNK = 1000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@router.get("", summary="List execution history (JSON, or CSV with format=csv)")
def list_history(
    request: Request,
    _: Annotated[Principal, Depends(viewer)],
    account_id: Annotated[str | None, text_query("Only this cloud account")] = None,
    bot_id: Annotated[str | None, text_query("Only this bot")] = None,
    event_type: Annotated[list[EventTypeName], Query(max_length=100, description="Event type (repeatable)")] = [],  # noqa: B006
    status: Annotated[list[HistoryStatus], Query(max_length=5, description="Status (repeatable)")] = [],  # noqa: B006
    resource_id: Annotated[str | None, text_query("Only this resource", 512)] = None,
    event_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this event")] = None,
    since: MomentQuery = None,
    until: MomentQuery = None,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Keyset: only ids below this")] = None,
    limit: Annotated[int, Query(ge=1, le=100_000, description="JSON: 1-1000; CSV: up to 100000")] = 100,
    offset: Offset = 0,
    format: Annotated[Literal["json", "csv"], Query(description="json (default) or csv")] = "json",
) -> Any:
    store = services_of(request).events
    flt = HistoryFilter(
        event_id=event_id,
        event_types=event_type,
        statuses=status,
        bot_id=bot_id,
        account_id=account_id,
        resource_id=resource_id,
        since=since,
        until=until,
    )
    if format == "csv":
        return StreamingResponse(
            csv_rows(store, flt, before_id, limit, offset),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="history.csv"'},
        )
    if limit > MAX_JSON_LIMIT:
        raise ApiError(422, f"limit: at most {MAX_JSON_LIMIT} for JSON (use format=csv for more)", field="limit")
    keyset = replace(flt, before_id=before_id)
    items = store.list_history(keyset, limit=limit, offset=offset)
    next_before = items[-1].id if len(items) == limit else None
    # The total counts the whole filtered set, not what is left below before_id, so it stays the same on
    # every page of one listing.
    return page(items, store.count_history(flt), limit, offset, next_before_id=next_before)


@router.get("/{history_id}", summary="Show one execution attempt")
def get_history(request: Request, history_id: PathId, _: Annotated[Principal, Depends(viewer)]) -> Any:
    return jsonable(get_history_record(services_of(request).events, history_id).to_dict())


def get_history_record(store: EventStore, history_id: int) -> HistoryRecord:
    # The newest row at or below the id is the row itself when it exists (history lists newest first).
    found = store.list_history(HistoryFilter(before_id=history_id + 1), limit=1) if history_id < MAX_ID else []
    if not found or found[0].id != history_id:
        raise NotFound(f"history record {history_id} does not exist")
    return found[0]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        # Spreadsheets run cells that start like a formula; resource names and results come from outside.
        return "'" + value
    return value


def csv_rows(store: EventStore, flt: HistoryFilter, before_id: int | None, limit: int, offset: int) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    left, cursor, skip = limit, before_id, offset
    while left > 0:
        chunk = store.list_history(replace(flt, before_id=cursor), limit=min(_CHUNK, left), offset=skip)
        skip = 0
        for record in chunk:
            row = record.to_dict()
            writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(chunk) < min(_CHUNK, left):
            return
        left -= len(chunk)
        cursor = chunk[-1].id

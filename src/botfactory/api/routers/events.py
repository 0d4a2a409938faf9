"""``/api/v1/events``: list, schedule, show, cancel (one or by filter), run now."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from botfactory.access import Principal
from botfactory.api.auth import audit, editor, viewer
from botfactory.api.errors import ApiError
from botfactory.api.pages import jsonable, page
from botfactory.api.params import EventTypeName, Limit, Offset, PathId, text_query
from botfactory.api.schemas import EventBulkCancel, EventCreate, EventState
from botfactory.api.services import services_of
from botfactory.errors import ValidationError
from botfactory.events.store import EventFilter
from botfactory.events.tracker import ScheduledEventTracker
from botfactory.schedule import Once

router = APIRouter(prefix="/events", tags=["events"])


@router.get("", summary="List scheduled events")
def list_events(
    request: Request,
    _: Annotated[Principal, Depends(viewer)],
    state: Annotated[list[EventState], Query(max_length=6, description="Event state (repeatable)")] = [],  # noqa: B006
    event_type: Annotated[list[EventTypeName], Query(max_length=100, description="Event type (repeatable)")] = [],  # noqa: B006
    bot_id: Annotated[str | None, text_query("Only events of this bot")] = None,
    account_id: Annotated[str | None, text_query("Only events of this cloud account")] = None,
    resource_id: Annotated[str | None, text_query("Only events that target this resource id", 512)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    store = services_of(request).events
    flt = EventFilter(
        states=state, event_types=event_type, bot_id=bot_id, account_id=account_id, resource_id=resource_id
    )
    return page(store.list_events(flt, limit=limit, offset=offset), store.count_events(flt), limit, offset)


@router.post("", status_code=201, summary="Schedule an event")
def create_event(request: Request, body: EventCreate, principal: Annotated[Principal, Depends(editor)]) -> Any:
    services = services_of(request)
    if (body.schedule is None) == (body.when is None):
        raise ValidationError("schedule: give exactly one of schedule or when", field="schedule")
    schedule = body.schedule if body.schedule is not None else Once(body.when)
    with ScheduledEventTracker(services.events, created_by=principal.user_resource_id) as tracker:
        handle = tracker.schedule_event(
            body.event_type,
            schedule,
            description=body.description,
            resources=body.resource_ids,
            action_data=body.action_data,
            dedupe_key=body.dedupe_key,
            bot_id=body.bot_id,
            account_id=body.account_id,
            **body.options(),
        )
    assert handle.id is not None
    record = services.events.get_event(handle.id)
    audit(request, principal, "event.create", f"event:{record.id}", event_type=record.event_type)
    return jsonable(record.to_dict())


@router.post("/cancel", summary="Cancel every pending event matching a filter")
def cancel_matching(
    request: Request, body: EventBulkCancel, principal: Annotated[Principal, Depends(editor)]
) -> dict[str, Any]:
    if not body.has_filter() and not body.all:
        raise ApiError(422, "give at least one filter, or all: true to cancel every pending event", field="all")
    flt = EventFilter(
        states=["pending"],
        event_types=body.event_type,
        bot_id=body.bot_id,
        account_id=body.account_id,
        resource_id=body.resource_id,
        ids=body.ids,
    )
    count = services_of(request).events.cancel_events(flt)
    criteria = body.model_dump(exclude_defaults=True)
    audit(request, principal, "event.cancel_many", None, filter=criteria, cancelled=count)
    return {"cancelled": count, "filter": criteria}


@router.get("/{event_id}", summary="Show one event")
def get_event(request: Request, event_id: PathId, _: Annotated[Principal, Depends(viewer)]) -> Any:
    return jsonable(services_of(request).events.get_event(event_id).to_dict())


@router.post("/{event_id}/cancel", summary="Cancel a pending event")
def cancel_event(request: Request, event_id: PathId, principal: Annotated[Principal, Depends(editor)]) -> Any:
    record = services_of(request).events.cancel_event(event_id)
    audit(request, principal, "event.cancel", f"event:{event_id}")
    return jsonable(record.to_dict())


@router.post("/{event_id}/run-now", summary="Make a pending event due now")
def run_now(request: Request, event_id: PathId, principal: Annotated[Principal, Depends(editor)]) -> Any:
    record = services_of(request).events.run_event_now(event_id)
    audit(request, principal, "event.run_now", f"event:{event_id}")
    return jsonable(record.to_dict())

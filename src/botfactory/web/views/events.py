"""Scheduled events: list with filters, detail, cancel, run now, and cancel everything a filter matches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from botfactory.api.params import NO_NUL, EventTypeName, PathId, ShortText
from botfactory.api.schemas import EVENT_STATES, EventState
from botfactory.api.services import services_of
from botfactory.errors import BotfactoryError
from botfactory.events.registry import registry
from botfactory.events.store import EventFilter, HistoryFilter
from botfactory.web.render import render
from botfactory.web.session import Session
from botfactory.web.views.common import ReturnTo, action, done, signed_in

router = APIRouter()
PAGE = 50


def _filter(state: list[str], event_type: str, bot_id: str, account_id: str, resource_id: str) -> EventFilter:
    return EventFilter(
        states=state,
        event_types=[event_type] if event_type else [],
        bot_id=bot_id or None,
        account_id=account_id or None,
        resource_id=resource_id or None,
    )


@router.get("/events", response_class=HTMLResponse)
def list_events(
    request: Request,
    session: Annotated[Session, Depends(signed_in)],
    state: Annotated[list[EventState], Query(max_length=6)] = ["pending"],  # noqa: B006
    event_type: EventTypeName = "",
    bot_id: ShortText = "",
    account_id: ShortText = "",
    resource_id: Annotated[str, Query(max_length=512, pattern=NO_NUL)] = "",
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> HTMLResponse:
    services = services_of(request)
    store = services.events
    flt = _filter(state, event_type, bot_id, account_id, resource_id)
    filters = {
        "state": state,
        "event_type": event_type,
        "bot_id": bot_id,
        "account_id": account_id,
        "resource_id": resource_id,
    }
    total = store.count_events(flt)
    pending = total if state == ["pending"] else store.count_events(_filter(["pending"], *list(filters.values())[1:]))
    return render(
        request,
        "events.html",
        session,
        active="events",
        events=store.list_events(flt, limit=PAGE, offset=offset),
        total=total,
        pending_matching=pending,
        offset=offset,
        page_size=PAGE,
        filters=filters,
        states=EVENT_STATES,
        known_types=registry.types(),
        bot_names={str(b.id): b.name for b in services.bots.list()},
        return_to=request.url.path + ("?" + request.url.query if request.url.query else ""),
    )


@router.get("/events/{event_id}", response_class=HTMLResponse)
def show_event(request: Request, event_id: PathId, session: Annotated[Session, Depends(signed_in)]) -> HTMLResponse:
    store = services_of(request).events
    event = store.get_event(event_id)
    try:
        schedule_text = event.schedule_object().describe()
    except BotfactoryError:
        schedule_text = "(schedule cannot be read)"
    return render(
        request,
        "event.html",
        session,
        active="events",
        event=event,
        schedule_text=schedule_text,
        history=store.list_history(HistoryFilter(event_id=event_id), limit=50),
        return_to=f"/events/{event_id}",
    )


@router.post("/events/{event_id}/cancel")
def cancel_event(
    request: Request,
    event_id: PathId,
    session: Annotated[Session, Depends(action("editor"))],
    return_to: ReturnTo = "",
) -> RedirectResponse:
    services = services_of(request)
    try:
        services.events.cancel_event(event_id)
    except BotfactoryError as exc:
        return done(request, return_to, "/events", f"Event {event_id} was not cancelled: {exc.message}")
    services.audit.record(session.principal.actor, "event.cancel", f"event:{event_id}", {"via": "dashboard"})
    return done(request, return_to, "/events", f"Event {event_id} cancelled.")


@router.post("/events/{event_id}/run-now")
def run_now(
    request: Request,
    event_id: PathId,
    session: Annotated[Session, Depends(action("editor"))],
    return_to: ReturnTo = "",
) -> RedirectResponse:
    services = services_of(request)
    try:
        services.events.run_event_now(event_id)
    except BotfactoryError as exc:
        return done(request, return_to, "/events", f"Event {event_id} was not run: {exc.message}")
    services.audit.record(session.principal.actor, "event.run_now", f"event:{event_id}", {"via": "dashboard"})
    return done(request, return_to, "/events", f"Event {event_id} is due now; a worker will pick it up.")


@router.post("/events/cancel")
def cancel_matching(
    request: Request,
    session: Annotated[Session, Depends(action("editor"))],
    event_type: Annotated[str, Form(max_length=200, pattern=NO_NUL)] = "",
    bot_id: Annotated[str, Form(max_length=255, pattern=NO_NUL)] = "",
    account_id: Annotated[str, Form(max_length=255, pattern=NO_NUL)] = "",
    resource_id: Annotated[str, Form(max_length=512, pattern=NO_NUL)] = "",
    return_to: ReturnTo = "",
) -> RedirectResponse:
    flt = _filter(["pending"], event_type, bot_id, account_id, resource_id)
    criteria = {
        k: v
        for k, v in (
            ("event_type", event_type),
            ("bot_id", bot_id),
            ("account_id", account_id),
            ("resource_id", resource_id),
        )
        if v
    }
    if not criteria:
        return done(request, return_to, "/events", "Set a filter first: cancelling every pending event is API-only.")
    services = services_of(request)
    count = services.events.cancel_events(flt)
    services.audit.record(
        session.principal.actor, "event.cancel_many", None, {"filter": criteria, "cancelled": count, "via": "dashboard"}
    )
    return done(request, return_to, "/events", f"Cancelled {count} pending event(s).")

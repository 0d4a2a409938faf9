"""The overview: counts by state and type, results per day, upcoming events, live workers, and events that
wait for a handler (pending events whose type no live worker has loaded)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from botfactory.api.overview import handled_types, results_per_day, upcoming, waiting_for_handler
from botfactory.api.schemas import EVENT_STATES
from botfactory.api.services import services_of
from botfactory.clock import now
from botfactory.events.store import EventFilter, HistoryFilter
from botfactory.web import charts
from botfactory.web.render import render, viewer_zone
from botfactory.web.session import Session
from botfactory.web.views.common import signed_in

router = APIRouter()

CHART_DAYS = 14
TIMELINE_HOURS = 24


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, session: Annotated[Session, Depends(signed_in)]) -> HTMLResponse:
    services = services_of(request)
    store = services.events
    tz = viewer_zone(request)
    moment = now()
    days = results_per_day(store, days=CHART_DAYS, tz=tz, now=moment, cache=services.closed_days)
    # The per-day counts above already hold the history outcomes; ``stats`` always groups some history, so
    # give it an empty window (nothing finished after now) rather than a scan of every row.
    stats = store.stats(HistoryFilter(since=moment))
    workers = services.live_workers()
    soon = upcoming(store, hours=TIMELINE_HOURS, limit=60, now=moment)
    handled = handled_types(workers)
    # Only the states some type has, so the table stays narrow.
    type_states = [s for s in EVENT_STATES if any(counts.get(s) for counts in stats["events_by_type"].values())]
    type_rows = [
        {"event_type": t, "counts": counts, "handled": t in handled}
        for t, counts in sorted(stats["events_by_type"].items())
    ]
    return render(
        request,
        "overview.html",
        session,
        active="overview",
        states=EVENT_STATES,
        by_state=stats["events_by_state"],
        due_now=store.count_events(EventFilter(states=["pending"], until=moment)),
        type_rows=type_rows,
        type_states=type_states or ["pending"],
        waiting=waiting_for_handler(stats["events_by_type"], workers),
        workers=workers,
        days=days,
        week_total=sum(d.total for d in days[-7:]),
        chart=charts.results_chart(days),
        legend=[(s, charts.swatch(c)) for s, c in charts.STATUS_COLOURS.items()],
        timeline=charts.timeline(soon, moment, TIMELINE_HOURS, tz),
        lanes=charts.lane_legend(soon),
        upcoming=soon[:10],
        upcoming_count=len(soon),
        next_due_at=stats["next_due_at"],
        timeline_hours=TIMELINE_HOURS,
        chart_days=CHART_DAYS,
    )

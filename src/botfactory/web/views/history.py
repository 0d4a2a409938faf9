"""Event history: filter by cloud account, bot, event type, status and date range; detail with result data.

Pages go by keyset (``before_id``), never by offset, so the thousandth page of a million rows costs what the
first does.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from botfactory.api.overview import HISTORY_STATUSES
from botfactory.api.params import MAX_ID, NO_NUL, EventTypeName, PathId, ShortText
from botfactory.api.routers.history import csv_rows, get_history_record
from botfactory.api.services import services_of
from botfactory.errors import ValidationError
from botfactory.events.registry import registry
from botfactory.events.store import HistoryFilter
from botfactory.web.render import render, viewer_zone
from botfactory.web.session import Session
from botfactory.web.views.common import signed_in

router = APIRouter()
PAGE = 50
CSV_LIMIT = 100_000
DateText = Annotated[str, Query(max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2})?$")]


def _day_start(text: str, tz: tzinfo, field: str, *, next_day: bool = False) -> datetime | None:
    """A date from the form as the start of that day (or of the next one, for an inclusive end) in ``tz``."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
        if next_day:
            day += timedelta(days=1)
    except (ValueError, OverflowError) as exc:
        raise ValidationError(f"{field}: {text!r} is not a date (YYYY-MM-DD)", field=field) from exc
    if not 1000 <= day.year <= 9998:
        raise ValidationError(f"{field}: the year must be between 1000 and 9998", field=field)
    return datetime(day.year, day.month, day.day, tzinfo=tz)


class Filters:
    """The history filters of the page's form (dates are days in the viewer's zone)."""

    def __init__(
        self,
        account_id: ShortText = "",
        bot_id: ShortText = "",
        event_type: EventTypeName = "",
        status: Annotated[str, Query(pattern=r"^(SUCCESS|ERROR|SKIPPED|TIMEOUT|MISSED)?$")] = "",
        since: DateText = "",
        until: DateText = "",
        resource_id: Annotated[str, Query(max_length=512, pattern=NO_NUL)] = "",
    ) -> None:
        self.values = {
            "account_id": account_id,
            "bot_id": bot_id,
            "event_type": event_type,
            "status": status,
            "since": since,
            "until": until,
            "resource_id": resource_id,
        }

    def history_filter(self, tz: tzinfo) -> HistoryFilter:
        v = self.values
        return HistoryFilter(
            account_id=v["account_id"] or None,
            bot_id=v["bot_id"] or None,
            event_types=[v["event_type"]] if v["event_type"] else [],
            statuses=[v["status"]] if v["status"] else [],
            resource_id=v["resource_id"] or None,
            since=_day_start(v["since"], tz, "since"),
            until=_day_start(v["until"], tz, "until", next_day=True),
        )


@router.get("/history", response_class=HTMLResponse)
def history(
    request: Request,
    session: Annotated[Session, Depends(signed_in)],
    form: Annotated[Filters, Depends()],
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    services = services_of(request)
    flt = form.history_filter(viewer_zone(request))
    rows = services.events.list_history(replace(flt, before_id=before_id), limit=PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    filters = form.values
    bots, accounts = services.bots.list(), services.accounts.list()
    return render(
        request,
        "history.html",
        session,
        active="history",
        rows=rows,
        filters=filters,
        older=rows[-1].id if more else None,
        paged=before_id is not None,
        statuses=HISTORY_STATUSES,
        bots=bots,
        accounts=accounts,
        bot_names={str(b.id): b.name for b in bots},
        account_names={str(a.id): a.name for a in accounts},
        known_types=registry.types(),
        filtered=any(filters.values()),
    )


@router.get("/history.csv")
def history_csv(
    request: Request, session: Annotated[Session, Depends(signed_in)], form: Annotated[Filters, Depends()]
) -> StreamingResponse:
    flt = form.history_filter(viewer_zone(request))
    return StreamingResponse(
        csv_rows(services_of(request).events, flt, None, CSV_LIMIT, 0),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="history.csv"'},
    )


@router.get("/history/{history_id}", response_class=HTMLResponse)
def history_detail(
    request: Request, history_id: PathId, session: Annotated[Session, Depends(signed_in)]
) -> HTMLResponse:
    record = get_history_record(services_of(request).events, history_id)
    duration = (record.finished_at - record.started_at).total_seconds()
    return render(request, "history_detail.html", session, active="history", record=record, duration=duration)

"""Bots: list, detail (definition, runs, pending events, history), pause / resume / archive / run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from botfactory.api.params import PathId
from botfactory.api.services import services_of
from botfactory.errors import BotfactoryError
from botfactory.events.store import EventFilter, HistoryFilter
from botfactory.web.render import render
from botfactory.web.session import Session
from botfactory.web.views.common import ReturnTo, action, done, signed_in

router = APIRouter()


def _describe(schedule: dict | None) -> str:
    if schedule is None:
        return "on demand"
    from botfactory.schedule import from_json

    try:
        return from_json(schedule).describe()
    except BotfactoryError:
        return "(unreadable schedule)"


@router.get("/bots", response_class=HTMLResponse)
def list_bots(request: Request, session: Annotated[Session, Depends(signed_in)]) -> HTMLResponse:
    bots = services_of(request).bots.list()
    return render(
        request, "bots.html", session, active="bots", bots=bots, schedules={b.id: _describe(b.schedule) for b in bots}
    )


@router.get("/bots/{bot_id}", response_class=HTMLResponse)
def show_bot(request: Request, bot_id: PathId, session: Annotated[Session, Depends(signed_in)]) -> HTMLResponse:
    services = services_of(request)
    bot = services.bots.get(bot_id)
    pending = EventFilter(bot_id=str(bot_id), states=["pending"])
    return render(
        request,
        "bot.html",
        session,
        active="bots",
        bot=bot,
        schedule_text=_describe(bot.schedule),
        runs=services.bots.list_runs(bot_id, limit=20),
        pending=services.events.list_events(pending, limit=50),
        pending_total=services.events.count_events(pending),
        history=services.events.list_history(HistoryFilter(bot_id=str(bot_id)), limit=20),
        return_to=f"/bots/{bot_id}",
    )


def _state_change(request: Request, bot_id: int, session: Session, verb: str, return_to: str) -> RedirectResponse:
    services = services_of(request)
    try:
        bot = getattr(services.bots, verb)(bot_id)
    except BotfactoryError as exc:
        return done(request, return_to, f"/bots/{bot_id}", f"Could not {verb} bot {bot_id}: {exc.message}")
    services.audit.record(session.principal.actor, f"bot.{verb}", f"bot:{bot_id}", {"via": "dashboard"})
    return done(request, return_to, f"/bots/{bot_id}", f"Bot {bot.name!r} is now {bot.state}.")


@router.post("/bots/{bot_id}/pause")
def pause(
    request: Request, bot_id: PathId, session: Annotated[Session, Depends(action("editor"))], return_to: ReturnTo = ""
) -> RedirectResponse:
    return _state_change(request, bot_id, session, "pause", return_to)


@router.post("/bots/{bot_id}/resume")
def resume(
    request: Request, bot_id: PathId, session: Annotated[Session, Depends(action("editor"))], return_to: ReturnTo = ""
) -> RedirectResponse:
    return _state_change(request, bot_id, session, "resume", return_to)


@router.post("/bots/{bot_id}/archive")
def archive(
    request: Request, bot_id: PathId, session: Annotated[Session, Depends(action("editor"))], return_to: ReturnTo = ""
) -> RedirectResponse:
    return _state_change(request, bot_id, session, "archive", return_to)


@router.post("/bots/{bot_id}/run")
def run(
    request: Request,
    bot_id: PathId,
    session: Annotated[Session, Depends(action("editor"))],
    dry_run: Annotated[bool, Form()] = False,
    return_to: ReturnTo = "",
) -> RedirectResponse:
    services = services_of(request)
    try:
        result = services.engine.run(services.bots.get(bot_id), dry_run=dry_run, trigger="manual")
    except BotfactoryError as exc:
        return done(request, return_to, f"/bots/{bot_id}", f"Bot {bot_id} did not run: {exc.message}")
    if not dry_run:
        services.audit.record(session.principal.actor, "bot.run", f"bot:{bot_id}", {"via": "dashboard"})
    kind = "Dry run" if dry_run else "Run"
    return done(
        request,
        return_to,
        f"/bots/{bot_id}",
        f"{kind} finished ({result.status}): {result.scanned} scanned, {result.matches} matched.",
    )

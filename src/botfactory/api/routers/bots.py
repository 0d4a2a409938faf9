"""``/api/v1/bots``: list, show, create from JSON, update, run (or dry-run), pause, resume, archive, export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request

from botfactory.access import Principal
from botfactory.api.auth import audit, editor, viewer
from botfactory.api.pages import jsonable, page
from botfactory.api.params import Limit, Offset, PathId, check_json
from botfactory.api.services import services_of
from botfactory.bots.model import Bot

router = APIRouter(prefix="/bots", tags=["bots"])

BotState = Annotated[str, Query(pattern=r"^(RUNNING|PAUSED|ARCHIVED|running|paused|archived)$")]
BotDocument = Annotated[
    dict[str, Any],
    Body(
        description="A bot as JSON (the export format): name, description, category, severity, state, schedule, "
        "instructions {resource_types, accounts, regions, filters, actions, hookpoints}",
        examples=[
            {
                "name": "Stop untagged instances",
                "severity": "high",
                "schedule": {"type": "interval", "version": 1, "every": 3600, "start": None},
                "instructions": {
                    "resource_types": ["instance"],
                    "filters": [{"name": "divvy.filter.tag_absent", "config": {"tag_key": "Owner"}}],
                    "actions": [{"name": "divvy.action.scheduled_stop", "config": {"hours": 2}}],
                },
            }
        ],
    ),
]


def bot_dict(bot: Bot) -> dict[str, Any]:
    doc = bot.to_json()
    doc["created_at"] = bot.created_at
    doc["updated_at"] = bot.updated_at
    return jsonable(doc)


def _document(document: dict[str, Any]) -> dict[str, Any]:
    check_json(document, "bot")
    # The id comes from the URL (update) or the database (create), never from the body.
    return {k: v for k, v in document.items() if k not in ("id", "bot_id", "resource_id")}


@router.get("", summary="List bots")
def list_bots(
    request: Request,
    _: Annotated[Principal, Depends(viewer)],
    state: Annotated[list[BotState], Query(max_length=3, description="RUNNING, PAUSED or ARCHIVED")] = [],  # noqa: B006
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    bots = services_of(request).bots.list(state or None)
    return page([bot_dict(b) for b in bots[offset : offset + limit]], len(bots), limit, offset)


@router.post("", status_code=201, summary="Create a bot from JSON")
def create_bot(request: Request, document: BotDocument, principal: Annotated[Principal, Depends(editor)]) -> Any:
    bot = services_of(request).bots.save(_document(document))
    audit(request, principal, "bot.create", f"bot:{bot.id}", name=bot.name)
    return jsonable(bot_dict(bot))


@router.get("/{bot_id}", summary="Show a bot")
def get_bot(request: Request, bot_id: PathId, _: Annotated[Principal, Depends(viewer)]) -> Any:
    return jsonable(bot_dict(services_of(request).bots.get(bot_id)))


@router.put("/{bot_id}", summary="Replace a bot's definition")
def update_bot(
    request: Request, bot_id: PathId, document: BotDocument, principal: Annotated[Principal, Depends(editor)]
) -> Any:
    store = services_of(request).bots
    store.get(bot_id)  # 404 before validating a body for a bot that is not there
    bot = store.save({**_document(document), "id": bot_id})
    audit(request, principal, "bot.update", f"bot:{bot_id}", name=bot.name)
    return jsonable(bot_dict(bot))


@router.post("/{bot_id}/run", summary="Run a bot now (dry_run=true: evaluate and report, change nothing)")
def run_bot(
    request: Request,
    bot_id: PathId,
    principal: Annotated[Principal, Depends(editor)],
    dry_run: Annotated[bool, Query(description="Evaluate only: no actions that change anything")] = False,
) -> Any:
    services = services_of(request)
    run = services.engine.run(services.bots.get(bot_id), dry_run=dry_run, trigger="manual")
    if not dry_run:
        audit(request, principal, "bot.run", f"bot:{bot_id}", run_id=run.id, status=run.status)
    doc = run.to_dict()
    doc["matched_ids"] = run.matched_ids[:1000]
    return jsonable(doc)


def _set_state(request: Request, bot_id: int, principal: Principal, verb: str) -> Any:
    store = services_of(request).bots
    bot = getattr(store, verb)(bot_id)
    audit(request, principal, f"bot.{verb}", f"bot:{bot_id}", state=bot.state)
    return jsonable(bot_dict(bot))


@router.post("/{bot_id}/pause", summary="Pause a bot (its pending events are cancelled)")
def pause_bot(request: Request, bot_id: PathId, principal: Annotated[Principal, Depends(editor)]) -> Any:
    return _set_state(request, bot_id, principal, "pause")


@router.post("/{bot_id}/resume", summary="Resume a paused or archived bot")
def resume_bot(request: Request, bot_id: PathId, principal: Annotated[Principal, Depends(editor)]) -> Any:
    return _set_state(request, bot_id, principal, "resume")


@router.post("/{bot_id}/archive", summary="Archive a bot (its pending events are cancelled)")
def archive_bot(request: Request, bot_id: PathId, principal: Annotated[Principal, Depends(editor)]) -> Any:
    return _set_state(request, bot_id, principal, "archive")


@router.get("/{bot_id}/export", summary="The bot as importable JSON")
def export_bot(request: Request, bot_id: PathId, _: Annotated[Principal, Depends(viewer)]) -> Any:
    return jsonable(services_of(request).bots.export_bot(bot_id))


@router.get("/{bot_id}/runs", summary="The bot's recent runs, newest first")
def bot_runs(
    request: Request, bot_id: PathId, _: Annotated[Principal, Depends(viewer)], limit: Limit = 20
) -> dict[str, Any]:
    store = services_of(request).bots
    store.get(bot_id)
    return page(store.list_runs(bot_id, limit=limit), store.count_runs(bot_id), limit, 0)

"""The live terminal summary of ``botfactory run``: bots run and events by state, refreshed every second."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from botfactory.bots.store import BotStore
from botfactory.db import Database
from botfactory.events.store import EventStore

STATES = ("pending", "running", "succeeded", "failed", "skipped", "cancelled")


def snapshot(db: Database) -> dict[str, Any]:
    stats = EventStore(db).stats()
    bots = BotStore(db)
    return {
        "bots": len(bots.list()),
        "bot_runs": bots.count_runs(),
        **{s: stats["events_by_state"].get(s, 0) for s in STATES},
        "history": stats["history_by_status"],
    }


def render(data: dict[str, Any], url: str) -> Table:
    table = Table(title=f"botfactory — {url}", title_justify="left", show_header=True, header_style="bold")
    table.add_column("bots")
    table.add_column("bot runs")
    for state in STATES:
        table.add_column(state)
    table.add_row(str(data["bots"]), str(data["bot_runs"]), *(str(data[s]) for s in STATES))
    return table


def plain_line(data: dict[str, Any]) -> str:
    states = " ".join(f"{s}={data[s]}" for s in STATES)
    return f"bots={data['bots']} bot_runs={data['bot_runs']} {states}"

"""``botfactory events``: list, inspect, cancel and run scheduled events; read their history."""

from __future__ import annotations

from datetime import datetime

import click

from botfactory.cli.context import common_options, get_app, json_option
from botfactory.cli.output import print_json, print_object, print_rows
from botfactory.cli.params import ID, MOMENT
from botfactory.events.store import EventFilter, EventStore, HistoryFilter

EVENT_COLUMNS = (
    "id",
    "event_type",
    "state",
    "next_run_at",
    "bot_id",
    "resource_ids",
    "attempt",
    "last_status",
    "description",
)
HISTORY_COLUMNS = (
    "id",
    "event_id",
    "event_type",
    "resource_id",
    "scheduled_for",
    "finished_at",
    "status",
    "attempt",
    "worker",
)


def _store() -> EventStore:
    app = get_app()
    db = app.database()
    app.load_plugins()  # their event types are what run-now and show refer to
    return EventStore(db)


def _filter_options(fn):
    fn = click.option("--until", type=MOMENT, help="Due before this time (ISO-8601, or 24h / 7d ago).")(fn)
    fn = click.option("--since", type=MOMENT, help="Due at or after this time (ISO-8601, or 24h / 7d ago).")(fn)
    fn = click.option("--resource", "resource_id", help="Only events that target this resource id.")(fn)
    fn = click.option("--account", "account_id", help="Only events of this cloud account.")(fn)
    fn = click.option("--bot", "bot_id", help="Only events scheduled by this bot.")(fn)
    fn = click.option("--type", "event_types", multiple=True, help="Event type (repeatable).")(fn)
    fn = click.option(
        "--state",
        "states",
        multiple=True,
        type=click.Choice(["pending", "running", "succeeded", "failed", "cancelled", "skipped"]),
        help="Event state (repeatable).",
    )(fn)
    return fn


def _event_filter(states, event_types, bot_id, account_id, resource_id, since, until) -> EventFilter:
    return EventFilter(
        states=states,
        event_types=event_types,
        bot_id=bot_id,
        account_id=account_id,
        resource_id=resource_id,
        since=since,
        until=until,
    )


@click.group("events")
def events_group() -> None:
    """Scheduled events: list, show, cancel, run now, history, stats."""


@events_group.command("list")
@common_options
@_filter_options
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=0), help="0 means all.")
@json_option
def list_events(limit: int, as_json: bool, **filters: object) -> None:
    """List scheduled events, soonest due first."""
    records = _store().list_events(_event_filter(**filters), limit=limit)
    print_rows([r.to_dict() for r in records], EVENT_COLUMNS, as_json=as_json, title="Scheduled events")


@events_group.command("show")
@common_options
@click.argument("event_id", type=ID)
@json_option
def show_event(event_id: int, as_json: bool) -> None:
    """Show one event and its most recent history."""
    store = _store()
    record = store.get_event(event_id).to_dict()
    history = [h.to_dict() for h in store.list_history(HistoryFilter(event_id=event_id), limit=20)]
    if as_json:
        print_json({**record, "history": history})
        return
    print_object(record, as_json=False, title=f"Event {event_id}")
    if history:
        print_rows(history, HISTORY_COLUMNS, as_json=False, title="Recent history")


@events_group.command("cancel")
@common_options
@click.argument("event_id", type=ID, required=False)
@_filter_options
@click.option("--all", "cancel_all", is_flag=True, help="With no id and no filter: cancel every pending event.")
@json_option
def cancel_events(event_id: int | None, cancel_all: bool, as_json: bool, **filters: object) -> None:
    """Cancel one pending event by id, or every pending event matching the filters."""
    store = _store()
    if event_id is not None:
        if any(v for v in filters.values()):
            raise click.UsageError("give an event id or filters, not both")
        record = store.cancel_event(event_id)
        if as_json:
            print_json({"cancelled": 1, "event": record.to_dict()})
        else:
            click.echo(f"cancelled event {event_id}")
        return
    if not any(v for v in filters.values()) and not cancel_all:
        raise click.UsageError("give an event id, a filter (--type, --bot, ...) or --all")
    count = store.cancel_events(_event_filter(**filters))
    if as_json:
        print_json({"cancelled": count})
    else:
        click.echo(f"cancelled {count} event(s)")


@events_group.command("run-now")
@common_options
@click.argument("event_id", type=ID)
@json_option
def run_now(event_id: int, as_json: bool) -> None:
    """Make a pending event due immediately."""
    record = _store().run_event_now(event_id)
    if as_json:
        print_json(record.to_dict())
    else:
        click.echo(f"event {event_id} is due now")


@events_group.command("history")
@common_options
@click.option("--event", "event_id", type=ID, help="Only this event's attempts.")
@click.option("--type", "event_types", multiple=True, help="Event type (repeatable).")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(["SUCCESS", "ERROR", "SKIPPED", "TIMEOUT", "MISSED"], case_sensitive=False),
)
@click.option("--bot", "bot_id")
@click.option("--account", "account_id")
@click.option("--resource", "resource_id")
@click.option("--since", type=MOMENT, help="Finished at or after (ISO-8601, or 24h / 7d ago).")
@click.option("--until", type=MOMENT, help="Finished before (ISO-8601, or 24h / 7d ago).")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=0), help="0 means all.")
@json_option
def history(limit: int, as_json: bool, **filters: object) -> None:
    """Execution history, newest first."""
    flt = HistoryFilter(**filters)  # type: ignore[arg-type]
    rows = [h.to_dict() for h in _store().list_history(flt, limit=limit)]
    print_rows(rows, HISTORY_COLUMNS, as_json=as_json, title="Event history")


@events_group.command("stats")
@common_options
@click.option("--since", type=MOMENT, help="Count history finished at or after this time.")
@json_option
def stats(since: datetime | None, as_json: bool) -> None:
    """Overview: events by state and type, results by status."""
    data = _store().stats(HistoryFilter(since=since))
    if as_json:
        print_json(data)
        return
    print_object({"events": data["events_total"], "next due": data["next_due_at"]}, as_json=False, title="Overview")
    print_rows(
        [{"state": k, "count": v} for k, v in sorted(data["events_by_state"].items())],
        ("state", "count"),
        as_json=False,
        title="Events by state",
    )
    type_rows = [{"event_type": t, **counts} for t, counts in sorted(data["events_by_type"].items())]
    states = sorted({s for counts in data["events_by_type"].values() for s in counts})
    print_rows(type_rows, ("event_type", *states), as_json=False, title="Events by type")
    print_rows(
        [{"status": k, "count": v} for k, v in sorted(data["history_by_status"].items())],
        ("status", "count"),
        as_json=False,
        title="History by status",
    )


commands = [events_group]

"""``botfactory bots``: list, show, import, export, validate, run, pause, resume and archive bots."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from botfactory.cli.context import common_options, get_app, json_option
from botfactory.cli.output import print_json, print_object, print_rows, stderr
from botfactory.errors import ValidationError

BOT_COLUMNS = ("id", "name", "state", "severity", "resource_types", "schedule", "actions")


def _table_row(row: dict[str, Any]) -> dict[str, Any]:
    """A list row for people: the schedule described in words, the actions counted."""
    from botfactory.schedule import from_json

    shown = dict(row)
    shown["schedule"] = from_json(row["schedule"]).describe() if row["schedule"] else "manual"
    shown["actions"] = len(row["actions"])
    return shown


def _prepare() -> Any:
    """The bot store on the configured database, with the built-in and the plugins' filters, actions and event
    types registered (validation and runs look them up)."""
    from botfactory.bots.store import BotStore
    from botfactory.builtins import install_builtins

    app = get_app()
    db = app.database()
    install_builtins()
    app.load_plugins()
    return BotStore(db)


def _read_json(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValidationError(f"{path} is not valid JSON: {exc}", field="file") from exc


def _documents(document: Any) -> list[Any]:
    """A file holds one bot or a list of bots."""
    return document if isinstance(document, list) else [document]


@click.group("bots")
def bots_group() -> None:
    """Bots: scope + filters + actions, run on a schedule, on demand or from hookpoints."""


@bots_group.command("list")
@common_options
@click.option("--state", "states", multiple=True, type=click.Choice(["RUNNING", "PAUSED", "ARCHIVED"]))
@json_option
def bots_list(states: tuple[str, ...], as_json: bool) -> None:
    """List bots (rows: id, name, state, ...)."""
    store = _prepare()
    rows = [bot.to_row() for bot in store.list(states or None)]
    print_rows(rows if as_json else [_table_row(r) for r in rows], BOT_COLUMNS, as_json=as_json, title="Bots")


@bots_group.command("show")
@common_options
@click.argument("bot_id", metavar="ID")
@click.option("--runs", default=5, show_default=True, type=click.IntRange(min=0), help="Recent runs to include.")
@json_option
def bots_show(bot_id: str, runs: int, as_json: bool) -> None:
    """Show a bot (by id or name), its pending events and its recent runs."""
    from botfactory.events.store import EventFilter

    store = _prepare()
    bot = store.get(bot_id)
    assert bot.id is not None
    doc = bot.to_json()
    doc["created_at"], doc["updated_at"] = bot.created_at, bot.updated_at
    doc["pending_events"] = store.events.count_events(EventFilter(bot_id=str(bot.id), states=["pending"]))
    doc["runs"] = [run.to_dict() for run in store.list_runs(bot.id, limit=runs)] if runs else []
    print_object(doc, as_json=as_json, title=f"Bot {bot.id}")


@bots_group.command("import")
@common_options
@click.argument("file", metavar="FILE")
@json_option
def bots_import(file: str, as_json: bool) -> None:
    """Import bots from a JSON file ('-' for stdin): a bot of the same name is updated, others are created."""
    store = _prepare()
    results = []
    for document in _documents(_read_json(file)):
        bot, created = store.import_bot(document)
        results.append({**bot.to_row(), "created": created})
        stderr.print(f"{'created' if created else 'updated'} bot {bot.id}: {bot.name}")
    if as_json:
        print_json(results if len(results) != 1 else results[0])
    else:
        print_rows(results, ("id", "name", "state", "created"), as_json=False, title="Imported")


@bots_group.command("export")
@common_options
@click.argument("bot_id", metavar="ID")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write to a file.")
@json_option
def bots_export(bot_id: str, output: str | None, as_json: bool) -> None:
    """Export a bot as JSON (what ``bots import`` reads). JSON is printed with or without --json."""
    store = _prepare()
    document = store.export_bot(bot_id)
    if output:
        Path(output).write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
        stderr.print(f"wrote {output}")
    else:
        print_json(document)


@bots_group.command("validate")
@common_options
@click.argument("file", metavar="FILE")
@json_option
def bots_validate(file: str, as_json: bool) -> None:
    """Check bots in a JSON file without saving them; exits 1 when any is invalid."""
    from botfactory.bots.validation import BotValidationError, validate_bot

    _prepare()
    results = []
    for document in _documents(_read_json(file)):
        name = document.get("name") if isinstance(document, dict) else None
        try:
            bot = validate_bot(document)
            results.append({"name": bot.name, "valid": True, "problems": []})
        except BotValidationError as exc:
            results.append({"name": name, "valid": False, "problems": [p.to_dict() for p in exc.problems]})
    if as_json:
        print_json(results if len(results) != 1 else results[0])
    else:
        for result in results:
            if result["valid"]:
                click.echo(f"bot {result['name']!r}: valid")
            else:
                click.echo(f"bot {result['name']!r}: {len(result['problems'])} problem(s)")
                for p in result["problems"]:
                    click.echo(f"  - {p['element']}, field {p['field']!r}: {p['message']}")
    if not all(r["valid"] for r in results):
        sys.exit(1)


@bots_group.command("run")
@common_options
@click.argument("bot_id", metavar="ID")
@click.option("--dry-run", is_flag=True, help="Show what each action would do; schedule and change nothing.")
@json_option
def bots_run(bot_id: str, dry_run: bool, as_json: bool) -> None:
    """Run a bot now (by id or name) and record the run."""
    from botfactory.bots.engine import BotEngine

    store = _prepare()
    run = BotEngine(store=store).run(bot_id, dry_run=dry_run)
    doc = run.to_dict()
    doc["matched"] = run.matched_ids[:100]
    if as_json:
        print_json(doc)
        return
    summary = {k: doc[k] for k in ("id", "bot_name", "dry_run", "status", "scanned", "matches", "non_matches")}
    summary["duration"] = f"{run.duration:.3f}s"
    print_object(summary, as_json=False, title=f"Run of bot {run.bot_id}")
    print_rows(
        [{**a.to_dict(), "detail": _short(a.detail)} for a in run.actions],
        ("name", "status", "detail", "error"),
        as_json=False,
        title="Actions",
    )
    for error in run.errors:
        stderr.print(f"[red]error:[/red] {error}")


def _short(detail: Any) -> str:
    text = json.dumps(detail, default=str)
    return text if len(text) <= 300 else text[:297] + "..."


def _state_command(name: str, state: str, help_text: str) -> click.Command:
    @click.argument("bot_id", metavar="ID")
    @json_option
    def command(bot_id: str, as_json: bool) -> None:
        store = _prepare()
        before = store.get(bot_id)
        bot = store.set_state(bot_id, state)
        row = bot.to_row()
        row["previous_state"] = before.state
        print_object(row, as_json=as_json, title=f"Bot {bot.id}")

    command.__doc__ = help_text
    return bots_group.command(name)(common_options(command))


_state_command("pause", "PAUSED", "Pause a bot: its pending events are cancelled (history stays).")
_state_command("resume", "RUNNING", "Resume a paused or archived bot (its schedule starts again).")
_state_command("archive", "ARCHIVED", "Archive a bot: its pending events are cancelled (history stays).")

commands = [bots_group]

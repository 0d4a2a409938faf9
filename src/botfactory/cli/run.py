"""``botfactory run``: API, dashboard and workers in one process; ``--demo`` adds a seeded local AWS."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType

import click
from rich.console import Console
from rich.live import Live
from rich.logging import RichHandler

from botfactory.cli.context import common_options, get_app
from botfactory.db import Database

log = logging.getLogger(__name__)
RUN_TOKEN_NAME = "botfactory run admin"


def _admin_token(db: Database) -> str:
    """A fresh admin token per start; the previous start's is revoked (only hashes are stored, so it cannot be
    shown again)."""
    from botfactory.access.tokens import TokenStore

    tokens = TokenStore(db)
    for record in tokens.list(include_revoked=False):
        if record.name == RUN_TOKEN_NAME:
            tokens.revoke(record.id)
    _, secret = tokens.create(RUN_TOKEN_NAME, "admin", created_by="divvyuser:0:run:")
    return secret


@click.command("run")
@common_options
@click.option("--demo", is_flag=True, help="Start a seeded local AWS emulator, its account and the example bots.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 256), help="Worker threads.")
@click.option(
    "--demo-delay",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="With --demo: the delay of the example bots' delayed actions (default: as in the examples).",
)
def run_command(demo: bool, host: str, port: int, concurrency: int, demo_delay: float | None) -> None:
    """Run everything in one process until Ctrl-C: API and dashboard, workers, plugin sync."""
    from botfactory.builtins import install_builtins
    from botfactory.runner.services import AllInOne

    console = Console(stderr=True)
    if console.is_terminal:
        # Log lines through rich's console, so they print above the live summary instead of tearing it.
        root = logging.getLogger()
        root.handlers[:] = [RichHandler(console=console, show_path=False, rich_tracebacks=False)]
    app = get_app()
    db = app.database()
    install_builtins()
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    emulator = plugins = services = None
    try:
        if demo:
            from botfactory.runner.demo import EmulatorProcess, run_bots_now, setup_demo

            click.echo("Starting the AWS emulator (seeding the demo account)...", err=True)
            emulator = EmulatorProcess()
            endpoint = emulator.start()  # first, before this process starts any thread: it forks
            print(f"Emulator endpoint: {endpoint}", flush=True)
        plugins = app.load_plugins(sync=True)
        services = AllInOne(db, host=host, port=port, concurrency=concurrency, plugins=plugins)
        if demo:
            setup = setup_demo(db, endpoint, delay_hours=None if demo_delay is None else demo_delay / 3600)
            click.echo(
                f"Demo account harvested: {setup.resources} resources; {len(setup.bots)} bots "
                f"({setup.created_bots} new).",
                err=True,
            )
        services.start()
        # Plain prints: scripts and people copy these lines (rich would wrap or colour them).
        print(f"Dashboard: {services.url}/", flush=True)
        print(f"Admin token: {_admin_token(db)}", flush=True)
        if demo:
            run_bots_now(db, setup.bots)
        _watch(db, services.url, stop, console)
    finally:
        click.echo("Stopping...", err=True)
        if services is not None:
            services.stop()
        if emulator is not None:
            emulator.stop()
        if plugins is not None:
            plugins.stop_sync(timeout=2.0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        click.echo("Stopped.", err=True)


def _watch(db: Database, url: str, stop: threading.Event, console: Console) -> None:
    """Refresh the summary until a signal arrives: a live table on a terminal, a line every 10 s otherwise."""
    from botfactory.runner.summary import plain_line, render, snapshot

    if console.is_terminal:
        with Live(render(snapshot(db), url), console=console, refresh_per_second=2, transient=False) as live:
            while not stop.wait(1.0):
                live.update(render(snapshot(db), url))
        return
    while not stop.wait(10.0):
        try:
            click.echo(plain_line(snapshot(db)), err=True)
        except Exception:  # a summary must never take the process down
            log.exception("summary failed")
    sys.stderr.flush()


commands = [run_command]

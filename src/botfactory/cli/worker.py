"""``botfactory worker`` (run scheduled events) and ``botfactory workers`` (list the live ones)."""

from __future__ import annotations

import logging
import signal
import socket
import sys
from types import FrameType

import click

from botfactory.cli.context import common_options, get_app, json_option
from botfactory.cli.output import print_rows, stderr
from botfactory.errors import ValidationError
from botfactory.events.prefetch import Prefetch

log = logging.getLogger(__name__)

WORKER_COLUMNS = ("name", "host", "pid", "concurrency", "event_types", "started_at", "heartbeat_at")


def _types(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def _positive(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and value <= 0:
        raise click.BadParameter("must be greater than 0")
    return value


def _prefetch(ctx: click.Context, param: click.Parameter, value: str | None) -> Prefetch | None:
    if value is None:
        return None
    try:
        return Prefetch.parse(value)
    except ValidationError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("worker")
@common_options
@click.option("--concurrency", type=click.IntRange(min=1), default=None, help="Jobs run at once (threads). [4]")
@click.option("--burst", is_flag=True, help="Run what is due now, then exit 0 (does not wait for future events).")
@click.option("--types", "types", metavar="A,B", help="Only these event types (comma-separated). Default: all loaded.")
@click.option("--lease", type=float, default=None, callback=_positive, help="Lease seconds. [60]")
@click.option("--poll", type=float, default=None, callback=_positive, help="Longest idle sleep, seconds. [1]")
@click.option(
    "--prefetch",
    default=None,
    callback=_prefetch,
    metavar="auto|N",
    help="Events claimed ahead of free slots: 'auto' holds ~50 ms of work at the job durations seen; N: always N.",
)
@click.option(
    "--grace",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="On SIGTERM/SIGINT: seconds running jobs get.",
)
def worker_command(
    concurrency: int | None,
    burst: bool,
    types: str | None,
    lease: float | None,
    poll: float | None,
    prefetch: Prefetch | None,
    grace: float,
) -> None:
    """Claim due scheduled events and run them until stopped (SIGTERM/SIGINT: finish, release, exit 0)."""
    from botfactory.builtins import install_builtins
    from botfactory.events.builtin import dead_after
    from botfactory.events.store import EventStore
    from botfactory.events.worker import Worker

    app = get_app()
    settings = app.settings
    db = app.database()
    install_builtins()
    # Plugins' event types, kept in step with `botfactory plugins enable|disable|reload`: the worker re-reads
    # the registry on every change, so unloaded types stay pending and reloaded ones run again.
    plugins = app.load_plugins(sync=True)
    lease = lease or settings.worker_lease_seconds
    if db.is_sqlite:
        others = [
            w for w in EventStore(db).list_workers(dead_after=dead_after(lease)) if w.host != socket.gethostname()
        ]
        if others:
            hosts = ", ".join(sorted({w.host for w in others}))
            stderr.print(
                f"[yellow]warning:[/yellow] SQLite is shared with live workers on other hosts ({hosts}). SQLite is "
                "for one machine; run many machines against PostgreSQL or MySQL/MariaDB."
            )
    worker = Worker(
        db,
        concurrency=concurrency or settings.worker_concurrency,
        types=_types(types),
        lease=lease,
        poll=poll or settings.worker_poll_seconds,
        prefetch=prefetch or settings.worker_prefetch,
        burst=burst,
        grace=grace,
    )

    def _stop(signum: int, _frame: FrameType | None) -> None:
        # Only set flags here: the worker's own thread releases claims and writes the last results.
        print(f"botfactory worker: {signal.Signals(signum).name}: stopping (grace {grace:g} s)", file=sys.stderr)
        worker.request_stop()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        worker.start()
        stderr.print(
            f"worker {worker.name} on {db.safe_url()}: {worker.concurrency} slots, "
            f"prefetch {worker.prefetch.describe()}, types {worker.types}"
        )
        worker.run_until_stopped()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        plugins.stop_sync()
    stderr.print(f"worker {worker.name} stopped: {worker.completed} attempts recorded")


@click.command("workers")
@common_options
@json_option
def workers_command(as_json: bool) -> None:
    """List live workers (heartbeat within the last few leases)."""
    from botfactory.events.builtin import dead_after
    from botfactory.events.store import EventStore

    app = get_app()
    rows = EventStore(app.database()).list_workers(dead_after=dead_after(app.settings.worker_lease_seconds))
    print_rows([row.to_dict() for row in rows], WORKER_COLUMNS, as_json=as_json, title="Live workers")


commands = [worker_command, workers_command]

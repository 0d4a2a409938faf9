"""``botfactory emulator``: a local AWS (moto's server on 127.0.0.1), seeded before its port opens."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from pathlib import Path
from types import FrameType

import click

from botfactory.cli.context import common_options
from botfactory.cli.output import stderr


def _seed(ctx: click.Context, param: click.Parameter, value: str) -> str | int | None:
    from botfactory.clouds.aws.emulator import parse_seed

    try:
        return parse_seed(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.command("emulator")
@common_options
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True, help="0 picks a free port.")
@click.option(
    "--seed",
    default="demo",
    show_default=True,
    callback=_seed,
    metavar="demo|none|N",
    help="What to create first: the demo account, nothing, or N instances (benchmarks).",
)
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), help="moto's request log. [temp dir]")
def emulator_command(port: int, seed: str | int | None, log_file: Path | None) -> None:
    """Run a local AWS emulator until Ctrl-C / SIGTERM (exit 0). State is in memory: a restart re-seeds.

    The endpoint is printed on stdout (``Emulator endpoint: URL``) once seeding is done and the port is open.
    """
    from botfactory.clouds.aws.emulator import Emulator

    log_path = log_file or Path(tempfile.gettempdir()) / f"botfactory-emulator-{os.getpid()}.log"
    stop = threading.Event()
    started = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()
        if not started.is_set():
            raise KeyboardInterrupt  # still seeding: abandon it

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    emulator = Emulator(port, seed=seed, log_path=log_path)
    try:
        if seed is not None:
            stderr.print(f"Seeding the emulator ({seed})...")
        try:
            url = emulator.start()
        except KeyboardInterrupt:
            stderr.print("Stopped while seeding.")
            return
        except OSError as exc:
            raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from exc
        started.set()
        # A plain print: scripts read this line (rich would wrap or colour it).
        print(f"Emulator endpoint: {url}", flush=True)
        summary = emulator.summary
        if summary is not None:
            stderr.print(
                f"Seeded {summary.instance_count} instances, {len(summary.buckets)} buckets, "
                f"{len(summary.users)} IAM users.",
            )
        # Plain lines again: a URL or path must stay whole to be copied.
        click.echo(f"moto's log: {log_path}", err=True)
        click.echo(f"Use it: botfactory accounts add aws --name emulator --endpoint-url {url}", err=True)
        click.echo("Ctrl-C stops it.", err=True)
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    stderr.print("Emulator stopped.")


commands = [emulator_command]

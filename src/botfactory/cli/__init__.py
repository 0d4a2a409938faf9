"""The ``botfactory`` command. Each command group lives in its own module and is added here."""

from __future__ import annotations

import importlib
import logging
import sys

import click

from botfactory.cli.context import common_options
from botfactory.errors import BotfactoryError

# Command modules, each exposing ``commands``: a list of click commands/groups to add to the root.
COMMAND_MODULES = (
    "botfactory.cli.bots",
    "botfactory.cli.db",
    "botfactory.cli.events",
    "botfactory.cli.plugins",
    "botfactory.cli.worker",
    "botfactory.cli.accounts",
    "botfactory.cli.harvest",
    "botfactory.cli.emulator",
    "botfactory.cli.server",
    "botfactory.cli.tokens",
    "botfactory.cli.run",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@common_options
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
def cli(verbose: int) -> None:
    """botfactory: durable scheduled events for cloud-security bots."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


for _module in COMMAND_MODULES:
    for _command in importlib.import_module(_module).commands:
        cli.add_command(_command)


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BotfactoryError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)

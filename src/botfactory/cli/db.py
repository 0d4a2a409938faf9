"""``botfactory db``: schema migrations."""

from __future__ import annotations

import click

from botfactory.cli.context import common_options, get_app, json_option
from botfactory.cli.output import print_object
from botfactory.db.migrate import current_revision, head_revision, upgrade


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@common_options
def db_upgrade() -> None:
    """Create or migrate the database schema to the current version."""
    db = get_app().database(migrate=False)
    upgrade(db)
    click.echo(f"{db.safe_url()} is at revision {current_revision(db)}", err=True)


@db_group.command("current")
@common_options
@json_option
def db_current(as_json: bool) -> None:
    """Show the schema revision of the database and the newest one this version knows."""
    db = get_app().database(migrate=False)
    current, head = current_revision(db), head_revision(db)
    print_object(
        {"database": db.safe_url(), "current": current, "head": head, "up_to_date": current == head}, as_json=as_json
    )


commands = [db_group]

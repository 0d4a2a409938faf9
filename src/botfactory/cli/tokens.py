"""``botfactory tokens``: API tokens for the REST API and the dashboard.

``tokens create`` prints the token alone on stdout, once, so ``TOKEN=$(botfactory tokens create ...)`` works;
only its SHA-256 hash is stored, so it cannot be shown again.
"""

from __future__ import annotations

import click

from botfactory.access import ROLES, AuditLog, TokenStore, cli_actor
from botfactory.cli.context import common_options, get_app, json_option
from botfactory.cli.output import print_object, print_rows, stderr
from botfactory.cli.params import ID

TOKEN_COLUMNS = ("id", "name", "role", "active", "created_at", "last_used_at", "revoked_at")


@click.group("tokens")
def tokens_group() -> None:
    """API tokens: create (shown once), list, revoke."""


@tokens_group.command("create")
@common_options
@click.option("--name", required=True, help="Who or what the token is for.")
@click.option("--role", type=click.Choice(ROLES), required=True, help="viewer reads; editor also changes; admin all.")
def create_token(name: str, role: str) -> None:
    """Create a token and print it (only it) on stdout. It is not stored and cannot be shown again."""
    db = get_app().database()
    actor = cli_actor()
    record, secret = TokenStore(db).create(name, role, created_by=actor)
    AuditLog(db).record(actor, "token.create", f"token:{record.id}", {"name": record.name, "role": record.role})
    # Plain print, not rich: scripts read this line.
    print(secret, flush=True)
    stderr.print(f"[dim]token {record.id} ({record.name}, {record.role}) created; it is shown only this once[/dim]")


@tokens_group.command("list")
@common_options
@json_option
def list_tokens(as_json: bool) -> None:
    """List tokens (names and roles; the tokens themselves are never stored)."""
    tokens = TokenStore(get_app().database()).list()
    print_rows([t.to_dict() for t in tokens], TOKEN_COLUMNS, as_json=as_json, title="API tokens")


@tokens_group.command("revoke")
@common_options
@click.argument("token_id", type=ID)
@json_option
def revoke_token(token_id: int, as_json: bool) -> None:
    """Revoke token ID: it stops working at once, dashboard sessions included."""
    db = get_app().database()
    record = TokenStore(db).revoke(token_id)
    AuditLog(db).record(cli_actor(), "token.revoke", f"token:{record.id}", {"name": record.name})
    print_object(record.to_dict(), as_json=as_json, title=f"Token {record.id} revoked")


commands = [tokens_group]

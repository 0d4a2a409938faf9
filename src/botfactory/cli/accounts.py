"""``botfactory accounts``: add, list and remove cloud accounts.

Adding an account also schedules its recurring ``botfactory.harvest`` event (first run at once, then every
``--harvest-every`` minutes); removing one cancels that event and marks its stored resources deleted.
"""

from __future__ import annotations

import click

from botfactory.cli.context import common_options, get_app, json_option
from botfactory.cli.output import print_object, print_rows, stderr
from botfactory.clouds.harvesting import cancel_harvest, schedule_harvest

ACCOUNT_COLUMNS = ("id", "name", "provider", "regions", "credentials", "endpoint_url", "last_harvested_at")
CREATED_BY = "divvyuser:0:cli:"


@click.group("accounts")
def accounts_group() -> None:
    """Cloud accounts botfactory harvests and acts on."""


@accounts_group.group("add")
def accounts_add() -> None:
    """Add a cloud account."""


@accounts_add.command("aws")
@common_options
@click.option("--name", required=True, help="A unique name for the account.")
@click.option("--profile", help="A profile of the AWS config files on the machines that run jobs.")
@click.option("--role-arn", help="A role to assume through STS (with the profile's credentials, if given).")
@click.option("--external-id", help="The external id the role's trust policy asks for.")
@click.option("--endpoint-url", help="Another endpoint, e.g. the emulator (then its test keys are used).")
@click.option("--regions", metavar="R1,R2", help="Regions to harvest. Default: all enabled (emulator: its two).")
@click.option(
    "--harvest-every",
    type=click.IntRange(min=0),
    default=60,
    show_default=True,
    metavar="MINUTES",
    help="Schedule a recurring harvest; 0 schedules none.",
)
@json_option
def accounts_add_aws(
    name: str,
    profile: str | None,
    role_arn: str | None,
    external_id: str | None,
    endpoint_url: str | None,
    regions: str | None,
    harvest_every: int,
    as_json: bool,
) -> None:
    """Add an AWS account. No secret is stored: a profile, a role, or the emulator's test keys."""
    from botfactory.clouds.accounts import AccountStore

    settings = {
        "profile": profile,
        "role_arn": role_arn,
        "external_id": external_id,
        "endpoint_url": endpoint_url,
        "regions": regions,
    }
    db = get_app().database()
    account = AccountStore(db).add(name, "aws", {k: v for k, v in settings.items() if v})
    event_id = (
        schedule_harvest(db, account, every_minutes=harvest_every, created_by=CREATED_BY) if harvest_every else None
    )
    document = {**account.to_dict(), "harvest_event_id": event_id}
    if not as_json:
        stderr.print(f"Added account {account.id} ({account.name}) using {account.credentials_source()}.")
        if event_id is not None:
            stderr.print(f"Harvest scheduled every {harvest_every} minutes (event {event_id}); run a worker for it.")
    print_object(document, as_json=as_json)


@accounts_group.command("list")
@common_options
@json_option
def accounts_list(as_json: bool) -> None:
    """List cloud accounts."""
    from botfactory.clouds.accounts import AccountStore

    rows = [account.to_dict() for account in AccountStore(get_app().database()).list()]
    print_rows(rows, ACCOUNT_COLUMNS, as_json=as_json, title="Cloud accounts")


@accounts_group.command("remove")
@common_options
@click.argument("id_or_name")
@json_option
def accounts_remove(id_or_name: str, as_json: bool) -> None:
    """Remove an account: cancel its harvest, mark its stored resources deleted."""
    from botfactory.clouds.accounts import AccountStore

    account = AccountStore(get_app().database()).remove(id_or_name)
    cancelled = cancel_harvest(get_app().database(), account.id)
    if not as_json:
        stderr.print(f"Removed account {account.id} ({account.name}); {cancelled} pending harvest event(s) cancelled.")
    print_object({**account.to_dict(), "cancelled_events": cancelled}, as_json=as_json)


commands = [accounts_group]

"""``botfactory harvest``: read cloud accounts into the resource store now, with a progress bar on stderr."""

from __future__ import annotations

import threading

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from botfactory.cli.context import common_options, get_app, json_option
from botfactory.cli.output import print_json, print_rows, stderr

SUMMARY_COLUMNS = ("account", "total", "created", "modified", "unchanged", "deleted", "errors", "seconds")


def _resource_types(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    """``--types instance,bucket`` checked against what the providers harvest, before any cloud call."""
    if not value:
        return None
    from botfactory.clouds.aws.harvest import RESOURCE_TYPES

    wanted = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [name for name in wanted if name not in RESOURCE_TYPES]
    if unknown or not wanted:
        raise click.BadParameter(f"unknown resource type(s) {unknown}; known: {', '.join(RESOURCE_TYPES)}")
    return wanted


def _summary_row(result: dict) -> dict:
    counts = result["counts"].values()
    return {
        "account": f"{result['account_id']} ({result['account_name']})",
        "total": result["total"],
        "created": sum(c["created"] for c in counts),
        "modified": sum(c["modified"] for c in counts),
        "unchanged": sum(c["unchanged"] for c in counts),
        "deleted": sum(c["deleted"] for c in counts),
        "errors": len(result["errors"]),
        "seconds": result["seconds"],
    }


@click.command("harvest")
@common_options
@click.option("--account", "account_ref", metavar="ID_OR_NAME", help="Only this account (default: every account).")
@click.option(
    "--types", "resource_types", metavar="A,B", callback=_resource_types,
    help="Only these resource types (comma-separated: instance, volume, securitygroup, bucket, iamuser, accesskey, "
    "snstopic, sqsqueue). Default: all. Stored resources of other types are left as they are.",
)  # fmt: skip
@json_option
def harvest_command(account_ref: str | None, resource_types: list[str] | None, as_json: bool) -> None:
    """Harvest cloud accounts now: every configured region, created/modified/deleted resources stored.

    Errors of one service, region or resource are reported and do not stop the rest.
    """
    from botfactory.builtins import install_builtins
    from botfactory.clouds.accounts import AccountStore
    from botfactory.clouds.base import get_provider
    from botfactory.resources.store import ResourceStore

    app = get_app()
    db = app.database()
    install_builtins()
    app.load_plugins()  # plugins' hookpoint handlers hear what the harvest finds
    accounts = AccountStore(db)
    targets = [accounts.get(account_ref)] if account_ref else accounts.list()
    if not targets:
        stderr.print("No cloud accounts: add one with `botfactory accounts add aws ...`.")
    store = ResourceStore(db)
    results = []
    lock = threading.Lock()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=as_json,
    ) as progress:
        for account in targets:
            task = progress.add_task(f"{account.name}", total=None)

            def report(done: int, total: int, label: str, task: int = task, name: str = account.name) -> None:
                with lock:  # called from harvest threads
                    progress.update(task, completed=done, total=total, description=f"{name}: {label}")

            result = get_provider(account.provider).harvest(
                account, store, progress=report, resource_types=resource_types
            )
            progress.update(task, description=f"{account.name}: done")
            results.append(result.to_dict())
    if as_json:
        print_json(results)
        return
    print_rows([_summary_row(r) for r in results], SUMMARY_COLUMNS, as_json=False, title="Harvest")
    errors = [{**e, "account": r["account_name"]} for r in results for e in r["errors"]]
    if errors:
        print_rows(
            errors, ("account", "service", "region", "resource_type", "native_id", "code", "message"), as_json=False,
            title="Errors (the rest was harvested)",
        )  # fmt: skip


commands = [harvest_command]

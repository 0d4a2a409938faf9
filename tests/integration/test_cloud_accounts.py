"""Accounts: validation with field errors, no secrets stored, boto3 clients per thread, and the CLI."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from botfactory.cli import cli
from botfactory.clouds.accounts import AccountStore
from botfactory.clouds.aws.seed import SeedSummary
from botfactory.db import Database
from botfactory.db.models.resources import cloud_account
from botfactory.errors import Conflict, NotFound, ValidationError
from botfactory.events.store import EventFilter, EventStore
from botfactory.resources.model import Resource, ResourceId
from botfactory.resources.store import ResourceStore


@pytest.mark.parametrize(
    ("settings", "field", "says"),
    [
        ({"aws_secret_access_key": "x"}, "aws_secret_access_key", "secrets are never stored"),
        ({"endpoint_url": "http://u:p@127.0.0.1:5000"}, "endpoint_url", "must not carry credentials"),
        ({"endpoint_url": "ftp://127.0.0.1"}, "endpoint_url", "http:// or https://"),
        ({"role_arn": "arn:aws:iam::12:role/x"}, "role_arn", "IAM role ARN"),
        ({"profile": "has space"}, "profile", "profile name"),
        ({"profile": "p", "regions": ["us-east-1", "moon-1"]}, "regions", "'moon-1' is not an AWS region"),
        ({"profile": "p", "colour": "blue"}, "colour", "unknown setting"),
        ({"profile": "p", "external_id": "abc"}, "external_id", "only makes sense with role_arn"),
    ],
)
def test_settings_are_validated_with_the_field_named(
    sqlite_database: Database, settings: dict[str, Any], field: str, says: str
) -> None:
    with pytest.raises(ValidationError) as info:
        AccountStore(sqlite_database).add("acct", "aws", settings)
    assert info.value.field == field and says in str(info.value)
    assert "p@" not in str(info.value)  # the rejected credentials are not echoed back


def test_add_list_get_remove(sqlite_database: Database) -> None:
    store = AccountStore(sqlite_database)
    prod = store.add(
        " prod ", "aws", {"role_arn": "arn:aws:iam::123456789012:role/Audit", "regions": "us-east-1, eu-west-1"}
    )
    assert prod.name == "prod" and prod.regions == ["us-east-1", "eu-west-1"]
    assert prod.credentials_source() == "role arn:aws:iam::123456789012:role/Audit"
    store.add("dev", "aws", {"profile": "dev"})
    assert [a.name for a in store.list()] == ["prod", "dev"]
    assert store.get(prod.id) == store.get(str(prod.id)) == store.get("prod")
    with pytest.raises(Conflict):
        store.add("prod", "aws", {"profile": "x"})
    for bad in ("", "1234", "a\x00b"):
        with pytest.raises(ValidationError, match="name"):
            store.add(bad, "aws", {"profile": "x"})
    with pytest.raises(ValidationError, match="provider"):
        store.add("g", "gcp", {})

    ResourceStore(sqlite_database).upsert([Resource(ResourceId("instance", str(prod.id), "us-east-1", "i-1"))])
    assert store.remove("prod").id == prod.id
    with pytest.raises(NotFound):
        store.get("prod")
    assert ResourceStore(sqlite_database).get(f"instance:{prod.id}:us-east-1:i-1:").is_deleted  # type: ignore[union-attr]


def test_clients_are_per_thread_and_cached(sqlite_database: Database, aws_endpoint: str) -> None:
    account = AccountStore(sqlite_database).add("emu", "aws", {"endpoint_url": aws_endpoint})
    here = account.client("sqs", "us-east-1")
    assert account.client("sqs", "us-east-1") is here
    assert account.client("sqs", "us-west-2") is not here
    assert here.meta.endpoint_url == aws_endpoint
    creds = account.session().get_credentials()
    assert (creds.access_key, creds.secret_key) == ("testing", "testing")  # the emulator's fixed test keys
    other: list[Any] = []
    thread = threading.Thread(target=lambda: other.append((account.client("sqs", "us-east-1"), account.session())))
    thread.start()
    thread.join(timeout=30)
    assert other and other[0][0] is not here and other[0][1] is not account.session()
    assert here.list_queues().get("QueueUrls", []) == []


def test_role_is_assumed_through_sts(sqlite_database: Database, aws_endpoint: str) -> None:
    account = AccountStore(sqlite_database).add(
        "assumed", "aws", {"endpoint_url": aws_endpoint, "role_arn": "arn:aws:iam::123456789012:role/Audit"}
    )
    creds = account.session().get_credentials()
    assert creds.method == "botfactory-assume-role"
    frozen = creds.get_frozen_credentials()
    assert frozen.access_key.startswith("ASIA") and frozen.token  # temporary STS credentials
    who = account.client("sts", "us-east-1").get_caller_identity()
    assert ":assumed-role/Audit/botfactory" in who["Arn"]


def _run(args: list[str], db_url: str) -> Any:
    result = CliRunner().invoke(cli, ["--db", db_url, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_accounts_and_harvest_cli(sqlite_database: Database, aws_endpoint: str, demo_seed: SeedSummary) -> None:
    db_url = sqlite_database.url.render_as_string(hide_password=False)  # already migrated: the CLI skips that
    added = _run(["accounts", "add", "aws", "--name", "emu", "--endpoint-url", aws_endpoint, "--json"], db_url)
    assert added["credentials"] == "emulator test keys" and added["endpoint_url"] == aws_endpoint
    assert added["harvest_event_id"] is not None
    listed = _run(["accounts", "list", "--json"], db_url)
    assert [(a["id"], a["name"]) for a in listed] == [(added["id"], "emu")]

    only = _run(["harvest", "--account", "emu", "--types", "bucket,sqsqueue", "--json"], db_url)
    assert sorted(only[0]["counts"]) == ["bucket", "sqsqueue"] and only[0]["errors"] == []
    assert _run(["accounts", "list", "--json"], db_url)[0]["last_harvested_at"] is None  # a subset is not a harvest
    bad = CliRunner().invoke(cli, ["--db", db_url, "harvest", "--types", "instance,vm"])
    assert bad.exit_code == 2 and "--types" in bad.output and "'vm'" in bad.output

    harvested = _run(["harvest", "--account", "emu", "--json"], db_url)
    assert harvested[0]["errors"] == [] and harvested[0]["counts"]["instance"]["created"] == demo_seed.instance_count
    assert harvested[0]["counts"]["bucket"]["created"] == 0  # stored by the --types harvest, now unchanged
    assert _run(["accounts", "list", "--json"], db_url)[0]["last_harvested_at"] is not None

    db = Database(db_url)
    try:
        events = EventStore(db).list_events(EventFilter(event_types=("botfactory.harvest",)))
        assert [(e.state, e.account_id, e.action_data) for e in events] == [
            ("pending", str(added["id"]), {"account_id": added["id"]})
        ]
        with db.read() as conn:
            stored = conn.execute(select(cloud_account.c.settings)).scalar_one()
        assert stored == {"endpoint_url": aws_endpoint, "regions": []}  # nothing secret in the row
    finally:
        db.dispose()

    removed = _run(["accounts", "remove", "emu", "--json"], db_url)
    assert removed["cancelled_events"] == 1
    assert _run(["accounts", "list", "--json"], db_url) == []
    failed = CliRunner().invoke(cli, ["--db", db_url, "accounts", "add", "aws", "--name", "x", "--profile", "a b"])
    assert failed.exit_code != 0 and "profile" in str(failed.exception)

"""Bots end to end against the AWS emulator: harvest → bot → scheduled events → worker → boto3 says what happened.

A fake clock (started at the real time, so the seed's backdated resources stay as old as moto says) makes the
delays pass; the worker's ``run_burst()`` runs whatever is due.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from botfactory.bots.engine import BotEngine
from botfactory.bots.store import BotStore
from botfactory.bots.validation import BotValidationError
from botfactory.builtins import install_builtins
from botfactory.clock import FakeClock, using_clock
from botfactory.clouds.accounts import Account
from botfactory.clouds.aws.harvest import harvest_account
from botfactory.clouds.aws.seed import SeedSummary
from botfactory.db import Database
from botfactory.events import Worker
from botfactory.events.store import EventFilter, EventStore, HistoryFilter
from botfactory.plugins.discovery import read_folder
from botfactory.plugins.loader import load_plugin, unload_plugin
from botfactory.resources.store import ResourceStore
from tests.fixtures.bots import bot_builtins_fixture, bot_doc  # noqa: F401  (fixture)
from tests.integration.test_bots_actions import SEED_PLUGIN

EXAMPLES = Path(__file__).parents[2] / "examples" / "bots"
STOP_SOON = {"name": "divvy.action.scheduled_stop", "config": {"hours": 0.01}}


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    with using_clock(FakeClock(datetime.now(UTC))) as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def harvested(
    bot_builtins: None, sqlite_database: Database, aws_account: Account, demo_seed: SeedSummary, clock: FakeClock
) -> SeedSummary:
    install_builtins()  # the real divvy.* event types of the cloud layer
    result = harvest_account(aws_account, ResourceStore(sqlite_database))
    assert result.errors == []
    return demo_seed


def _untagged(seed: SeedSummary) -> set[str]:
    return {i for ids in seed.untagged_running.values() for i in ids}


def _states(aws_clients: Callable[..., Any], region: str, ids: list[str]) -> dict[str, str]:
    found = aws_clients("ec2", region).describe_instances(InstanceIds=ids)
    return {i["InstanceId"]: i["State"]["Name"] for r in found["Reservations"] for i in r["Instances"]}


def _burst(db: Database) -> None:
    Worker(db, concurrency=4, housekeeping=False, listen=False).run_burst()


def test_stop_untagged_instances_after_a_delay_unless_tagged_meanwhile(
    sqlite_database: Database,
    aws_account: Account,
    harvested: SeedSummary,
    aws_clients: Callable[..., Any],
    clock: FakeClock,
) -> None:
    bots, events = BotStore(sqlite_database), EventStore(sqlite_database)
    bot = bots.save(bot_doc(name="Stop untagged after 0.01 hours", instructions={"actions": [STOP_SOON]}))
    untagged = _untagged(harvested)

    dry = BotEngine(sqlite_database).run(bot.id, dry_run=True)
    assert dry.matches == len(untagged) and events.count_events(EventFilter(bot_id=str(bot.id))) == 0

    run = BotEngine(sqlite_database).run(bot.id)
    assert {rid.split(":")[3] for rid in run.matched_ids} == untagged
    pending = events.list_events(EventFilter(bot_id=str(bot.id), states=["pending"]), limit=0)
    assert sorted(e.resource_ids[0].split(":")[3] for e in pending) == sorted(untagged)
    assert {e.event_type for e in pending} == {"divvy.stop_resource"}
    BotEngine(sqlite_database).run(bot.id)  # again: no new events
    assert events.count_events(EventFilter(bot_id=str(bot.id))) == len(untagged)

    # Someone tags one instance before the stop is due; the next harvest sees it.
    east = harvested.untagged_running["us-east-1"]
    spared = east[0]
    aws_clients("ec2", "us-east-1").create_tags(Resources=[spared], Tags=[{"Key": "Owner", "Value": "dora"}])
    harvest_account(aws_account, ResourceStore(sqlite_database))

    clock.advance(timedelta(hours=0.02))
    _burst(sqlite_database)

    history = events.list_history(HistoryFilter(bot_id=str(bot.id)), limit=0)
    by_native = {h.resource_id.split(":")[3]: h for h in history}
    assert set(by_native) == untagged
    assert by_native[spared].status == "SKIPPED"
    assert "no longer matches filter divvy.filter.tag_absent" in by_native[spared].result_data
    assert {by_native[i].status for i in untagged - {spared}} == {"SUCCESS"}
    assert _states(aws_clients, "us-east-1", [spared]) == {spared: "running"}
    for region, ids in harvested.untagged_running.items():
        stopped = [i for i in ids if i != spared]
        assert set(_states(aws_clients, region, stopped).values()) <= {"stopping", "stopped"}
    assert events.count_events(EventFilter(bot_id=str(bot.id), states=["pending"])) == 0


def test_pausing_cancels_pending_events_and_a_bad_bot_names_the_field(
    sqlite_database: Database, harvested: SeedSummary, aws_clients: Callable[..., Any], clock: FakeClock
) -> None:
    bots, events = BotStore(sqlite_database), EventStore(sqlite_database)
    bot = bots.save(
        bot_doc(instructions={"actions": [{"name": "divvy.action.scheduled_stop", "config": {"hours": 1}}]})
    )
    BotEngine(sqlite_database).run(bot.id)
    assert events.count_events(EventFilter(bot_id=str(bot.id), states=["pending"])) == len(_untagged(harvested))
    bots.pause(bot.id)
    assert events.count_events(EventFilter(bot_id=str(bot.id), states=["pending"])) == 0
    clock.advance(timedelta(hours=2))
    _burst(sqlite_database)
    assert events.list_history(HistoryFilter(bot_id=str(bot.id))) == []
    east = harvested.untagged_running["us-east-1"]
    assert set(_states(aws_clients, "us-east-1", east).values()) == {"running"}

    bad = bot_doc(
        name="Bad", instructions={"actions": [{"name": "divvy.action.scheduled_stop", "config": {"hours": -1}}]}
    )
    with pytest.raises(BotValidationError) as info:
        bots.save(bad)
    assert "bot 'Bad', action divvy.action.scheduled_stop (#1), field 'hours'" in str(info.value)


def test_immediate_remediation_from_the_example_bots(
    sqlite_database: Database, harvested: SeedSummary, aws_clients: Callable[..., Any]
) -> None:
    store = BotStore(sqlite_database)
    buckets, _ = store.import_bot(json.loads((EXAMPLES / "block-public-buckets.json").read_text()))
    ssh, _ = store.import_bot(json.loads((EXAMPLES / "revoke-world-ssh.json").read_text()))

    run = BotEngine(sqlite_database).run(buckets.id)
    public = {name for name, is_public in harvested.buckets.items() if is_public}
    assert run.matches == len(public) and run.actions[0].status == "ok"
    for name in public:
        region = harvested.bucket_regions[name]
        block = aws_clients("s3", region).get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        assert all(block.values())
    assert BotEngine(sqlite_database).run(buckets.id).matches == 0  # the store was updated by the action

    run = BotEngine(sqlite_database).run(ssh.id)
    assert run.matches >= 1 and run.outcome("divvy.action.revoke_world_ingress").status == "ok"
    for rid in run.matched_ids:
        region, group_id = rid.split(":")[2], rid.split(":")[3]
        group = aws_clients("ec2", region).describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
        for perm in group["IpPermissions"]:
            if perm.get("FromPort") is not None and perm["FromPort"] <= 22 <= perm["ToPort"]:
                assert all(r["CidrIp"] != "0.0.0.0/0" for r in perm.get("IpRanges", []))
    assert BotEngine(sqlite_database).run(ssh.id).matches == 0


def test_notify_sqs_and_disable_old_keys(
    sqlite_database: Database, harvested: SeedSummary, aws_clients: Callable[..., Any], clock: FakeClock
) -> None:
    (queue, region), *_ = harvested.queues.items()
    notify = {"name": "divvy.action.notify_sqs", "config": {"target": queue, "message": "{{ count }} old keys"}}
    disable = {"name": "divvy.action.scheduled_disable_access_key", "config": {"hours": 0}}
    bot = BotStore(sqlite_database).save(
        bot_doc(
            name="Old keys",
            instructions={
                "resource_types": ["accesskey"],
                "filters": [{"name": "divvy.filter.access_key_older_than", "config": {"days": 90}}],
                "actions": [notify, disable],
            },
        )
    )
    iam = aws_clients("iam", "us-east-1")

    def status(key_id: str) -> str:
        keys = iam.list_access_keys(UserName=harvested.access_keys[key_id])["AccessKeyMetadata"]
        return next(k["Status"] for k in keys if k["AccessKeyId"] == key_id)

    old_active = {k for k in harvested.old_access_keys if status(k) == "Active"}
    run = BotEngine(sqlite_database).run(bot.id)
    assert {rid.split(":")[3] for rid in run.matched_ids} == old_active and old_active
    assert [a.status for a in run.actions] == ["ok", "ok"]
    sqs = aws_clients("sqs", region)
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]
    assert f"{run.matches} old keys" in bodies

    clock.advance(timedelta(minutes=2))  # hours 0 means one minute from now
    _burst(sqlite_database)
    assert {status(k) for k in old_active} == {"Inactive"}
    young = set(harvested.access_keys) - set(harvested.old_access_keys)
    assert {status(k) for k in young} == {"Active"}


def test_the_seed_example_against_the_emulator(
    sqlite_database: Database, harvested: SeedSummary, tmp_path: Path
) -> None:
    folder = tmp_path / "start_example"
    folder.mkdir()
    (folder / "plugin.py").write_text(textwrap.dedent(SEED_PLUGIN))
    plugin = load_plugin(read_folder(folder))
    try:
        doc = bot_doc(
            name="Start stopped instances",
            instructions={
                "filters": [{"name": "divvy.filter.instance_state", "config": {"states": ["stopped"]}}],
                "actions": [{"name": "divvy.action.start_resource_example"}],
            },
        )
        bot = BotStore(sqlite_database).save(doc)
        run = BotEngine(sqlite_database).run(bot.id)
    finally:
        unload_plugin(plugin)
    events = EventStore(sqlite_database).list_events(EventFilter(bot_id=str(bot.id)), limit=0)
    assert run.matches == 2 and len(events) == 2
    assert {e.event_type for e in events} == {"divvy.start_resource"}
    assert {e.schedule["type"] for e in events} == {"once"}

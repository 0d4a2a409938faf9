"""The example plugins, loaded from ``examples/plugins`` as a user would, run end to end against the emulator:
bot run → action schedules an event → worker runs the plugin's job → the cloud changed."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from botfactory.bots.engine import BotEngine
from botfactory.bots.store import BotStore
from botfactory.clouds.accounts import Account
from botfactory.clouds.aws.seed import AMI
from botfactory.db import Database
from botfactory.events import EventFilter, EventStore, HistoryFilter
from botfactory.events.worker import Worker
from botfactory.plugins.manager import PluginManager
from botfactory.resources import hookpoints
from botfactory.resources.store import ResourceStore
from tests.fixtures.bots import bot_doc, resource
from tests.integration.plugin_support import EXAMPLES, make_manager, plugins_dir

__all__ = ["make_manager", "plugins_dir"]


def _examples(make_manager: Callable[..., PluginManager], db: Database) -> PluginManager:
    manager = make_manager(db, EXAMPLES)
    report = manager.start()
    assert report.failed == [], [s.traceback for s in manager.status() if s.error]
    assert {"divvy_sns_notify", "native_tagger"} <= set(report.loaded)
    return manager


def _run_bot_and_worker(db: Database, document: dict[str, Any]) -> list[int]:
    """Save and run the bot, make the events it scheduled due now, and run a burst worker over them."""
    bot = BotStore(db).save(document)
    run = BotEngine(db).run(bot)
    assert [a.status for a in run.actions] == ["ok"], [a.to_dict() for a in run.actions]
    store = EventStore(db)
    ids = [e.id for e in store.list_events(EventFilter(bot_id=str(bot.id), states=["pending"]))]
    assert ids
    for event_id in ids:
        store.run_event_now(event_id)
    Worker(db, concurrency=2, poll=0.05, housekeeping=False, listen=False).run_burst()
    return ids


def test_divvy_sns_notify_publishes_through_the_accounts_client(
    sqlite_database: Database,
    aws_account: Account,
    aws_clients: Callable[..., Any],
    make_manager: Callable[..., PluginManager],
) -> None:
    manager = _examples(make_manager, sqlite_database)
    status = manager.get_status("divvy_sns_notify")
    assert status.layout == "divvycloud" and status.metadata and status.metadata["category"] == "Notifications"
    assert (status.event_types, status.actions) == (
        ["custom.sns_notify.publish"],
        ["custom.action.scheduled_sns_notify"],
    )

    sns, sqs = aws_clients("sns", "us-east-1"), aws_clients("sqs", "us-east-1")
    topic_arn = sns.create_topic(Name="alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})

    instance = resource(native_id="i-0abc", account=str(aws_account.id), name="web-1")
    ResourceStore(sqlite_database).upsert([instance])
    config = {"topic": "alerts", "hours": 0, "message": "{{ bot_name }}: {{ resource.name }} needs an owner"}
    doc = bot_doc(
        name="Notify",
        instructions={"filters": [], "actions": [{"name": "custom.action.scheduled_sns_notify", "config": config}]},
    )
    ids = _run_bot_and_worker(sqlite_database, doc)

    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert [m["Body"] for m in messages] == ["Notify: web-1 needs an owner"]
    history = EventStore(sqlite_database).list_history(HistoryFilter(event_id=ids[0]))
    assert [h.status for h in history] == ["SUCCESS"]
    assert (history[0].result_data or "").startswith("published message ") and topic_arn in history[0].result_data

    manager.disable("divvy_sns_notify")
    manager.apply_wanted_state()
    again = BotEngine(sqlite_database).run(BotStore(sqlite_database).get("Notify"))
    assert [a.status for a in again.actions] == ["unavailable"]  # the bot reports the unloaded action


def test_divvy_sns_notify_records_an_error_for_an_unknown_topic(
    sqlite_database: Database, aws_account: Account, make_manager: Callable[..., PluginManager]
) -> None:
    _examples(make_manager, sqlite_database)
    ResourceStore(sqlite_database).upsert([resource(native_id="i-1", account=str(aws_account.id))])
    doc = bot_doc(
        name="Notify nowhere",
        instructions={
            "filters": [],
            "actions": [{"name": "custom.action.scheduled_sns_notify", "config": {"topic": "no-such-topic"}}],
        },
    )
    ids = _run_bot_and_worker(sqlite_database, doc)
    event = EventStore(sqlite_database).get_event(ids[0])
    assert (event.last_status, event.state) == ("ERROR", "pending")  # retried with backoff (max_attempts 3)
    history = EventStore(sqlite_database).list_history(HistoryFilter(event_id=ids[0]))
    assert "no SNS topic named 'no-such-topic'" in (history[0].result_data or "")


def test_native_tagger_tags_untagged_instances_and_goes_away_on_disable(
    sqlite_database: Database,
    aws_account: Account,
    aws_clients: Callable[..., Any],
    make_manager: Callable[..., PluginManager],
    caplog: pytest.LogCaptureFixture,
) -> None:
    manager = _examples(make_manager, sqlite_database)
    status = manager.get_status("native_tagger")
    assert (status.layout, status.event_types, status.hookpoints) == (
        "simple",
        ["native_tagger.tag"],
        ["divvycloud.instance.created"],
    )
    ec2 = aws_clients("ec2", "us-east-1")
    ids = [i["InstanceId"] for i in ec2.run_instances(ImageId=AMI, MinCount=2, MaxCount=2)["Instances"]]
    untagged = resource(native_id=ids[0], account=str(aws_account.id))
    tagged = resource(native_id=ids[1], account=str(aws_account.id), tags={"Owner": "alice"})
    ResourceStore(sqlite_database).upsert([untagged, tagged])
    with caplog.at_level(logging.INFO):
        hookpoints.emit("created", untagged)
    assert any("has no Owner tag" in r.getMessage() for r in caplog.records)

    doc = bot_doc(
        name="Tag owners",
        instructions={
            "filters": [{"name": "native_tagger.filter.missing_tags", "config": {"tag_keys": ["Owner"]}}],
            "actions": [{"name": "native_tagger.action.scheduled_tag", "config": {"tag_key": "Owner", "hours": 0}}],
        },
    )
    events = _run_bot_and_worker(sqlite_database, doc)
    assert len(events) == 1
    described = ec2.describe_instances(InstanceIds=ids)["Reservations"]
    tags = {
        i["InstanceId"]: {t["Key"]: t["Value"] for t in i.get("Tags", [])} for r in described for i in r["Instances"]
    }
    assert tags[ids[0]] == {"Owner": "unassigned"} and tags[ids[1]] == {}
    assert json.loads(json.dumps(EventStore(sqlite_database).get_event(events[0]).action_data)) == {
        "tags": {"Owner": "unassigned"}
    }

    manager.disable("native_tagger")
    manager.apply_wanted_state()
    assert hookpoints.names_owned_by("native_tagger") == []
    run = BotEngine(sqlite_database).run(BotStore(sqlite_database).get("Tag owners"))
    assert run.errors and "native_tagger.filter.missing_tags" in run.errors[0]  # its filter went with the plugin

"""The AWS event types: registered by ``install()``, scheduled through the tracker, run by a worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from botfactory import clock
from botfactory.clouds.accounts import Account
from botfactory.clouds.aws import jobs
from botfactory.clouds.aws.seed import SeedSummary
from botfactory.db import Database
from botfactory.errors import ExecutionError, ValidationError
from botfactory.events import ScheduledEventTracker, Worker
from botfactory.events.registry import registry
from botfactory.events.store import EventStore, HistoryFilter
from botfactory.resources.store import ResourceStore
from botfactory.schedule import Once, schedule_hours_from_now

EXPECTED_TYPES = {
    "divvy.start_resource",
    "divvy.stop_resource",
    "divvy.reboot_resource",
    "divvy.terminate_resource",
    "divvy.delete_resource",
    "divvy.revoke_world_ingress",
    "divvy.block_public_access",
    "divvy.tag_resource",
    "divvy.untag_resource",
    "divvy.disable_access_key",
    "divvy.publish_sns",
    "divvy.send_sqs",
    "botfactory.harvest",
}


def test_install_registers_every_type_and_is_idempotent() -> None:
    jobs.install()
    jobs.install()
    assert EXPECTED_TYPES <= set(registry.types())
    assert registry.get("botfactory.harvest").max_attempts == 1


def test_install_leaves_a_plugins_own_job_in_place() -> None:
    class StartResourceJob(jobs.MultiResourceScheduledEventJob):
        def run(self) -> None: ...

    registry.unregister("divvy.start_resource")
    registry.register("divvy.start_resource", StartResourceJob)
    jobs.install()
    assert registry.get("divvy.start_resource").job_class is StartResourceJob


def test_bad_action_data_is_refused_when_scheduling(sqlite_database: Database) -> None:
    jobs.install()
    with ScheduledEventTracker(sqlite_database) as tracker:
        with pytest.raises(ValidationError, match="lacks \\['tags'\\]"):
            tracker.schedule_event("divvy.tag_resource", schedule_hours_from_now(1), resources=["i"])
        with pytest.raises(ValidationError, match="does not accept"):
            tracker.schedule_event("divvy.stop_resource", schedule_hours_from_now(1), action_data={"force": True})


def test_scheduled_remediations_and_harvest_run_on_a_worker(
    sqlite_database: Database, aws_account: Account, demo_seed: SeedSummary, aws_clients: Callable[..., Any]
) -> None:
    jobs.install()
    east = demo_seed.instances["us-east-1"][:2]
    targets = [f"instance:{aws_account.id}:us-east-1:{i}:" for i in east]
    group = f"securitygroup:{aws_account.id}:us-east-1:{demo_seed.world_open_groups[0]}:"
    now = clock.now()  # due at once
    with ScheduledEventTracker(sqlite_database) as tracker:
        tracker.schedule_event("botfactory.harvest", Once(now), action_data={"account_id": aws_account.id})
        tracker.schedule_event("divvy.stop_resource", Once(now), resources=targets)
        tracker.schedule_event(
            "divvy.tag_resource", Once(now), resources=targets, action_data={"tags": {"Stopped": "yes"}}
        )
        tracker.schedule_event("divvy.revoke_world_ingress", Once(now), resources=[group])
        tracker.schedule_event(
            "divvy.start_resource", Once(now), resources=["instance:1:us-east-1:i-0000000000000dead:"]
        )
    Worker(sqlite_database, concurrency=1, housekeeping=False, listen=False).run_burst()

    history = {h.event_type: h for h in EventStore(sqlite_database).list_history(HistoryFilter())}
    assert {t: history[t].status for t in history} == {
        "botfactory.harvest": "SUCCESS",
        "divvy.stop_resource": "SUCCESS",
        "divvy.tag_resource": "SUCCESS",
        "divvy.revoke_world_ingress": "SUCCESS",
        "divvy.start_resource": "ERROR",
    }
    assert "does not exist" in (history["divvy.start_resource"].result_data or "")
    found = aws_clients("ec2", "us-east-1").describe_instances(InstanceIds=east)["Reservations"]
    instances = [i for r in found for i in r["Instances"]]
    assert {i["State"]["Name"] for i in instances} == {"stopped"}
    assert all({"Key": "Stopped", "Value": "yes"} in i["Tags"] for i in instances)
    stored = ResourceStore(sqlite_database).get_many(targets)
    assert {r.state for r in stored.values()} == {"stopped"}
    assert ResourceStore(sqlite_database).get(group).properties["world_open"] is False  # type: ignore[union-attr]


def test_harvest_job_for_a_removed_account_fails_clearly(sqlite_database: Database) -> None:
    job = jobs.HarvestJob(scheduled_event_id=1, scheduled_event_type="botfactory.harvest", account_id=404)
    with pytest.raises(ExecutionError, match="no cloud account 404"):
        job.run()

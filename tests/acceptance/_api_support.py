"""Shared by the API and dashboard tests: an app with one token per role, and a small realistic data set.

Not a test module (the leading underscore keeps pytest from collecting it); tests import what they use.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import insert

from botfactory import schedule
from botfactory.access import TokenStore
from botfactory.api import create_app
from botfactory.bots.engine import BotEngine
from botfactory.bots.store import BotStore
from botfactory.builtins import install_builtins
from botfactory.clock import now
from botfactory.clouds.accounts import AccountStore
from botfactory.db import Database
from botfactory.db.models import event_history
from botfactory.events import ScheduledEventJob, ScheduledEventTracker, registry
from botfactory.events.store import EventStore
from botfactory.resources.model import Resource, ResourceId
from botfactory.resources.store import ResourceStore

ROLES = ("viewer", "editor", "admin")


class ReportJob(ScheduledEventJob):
    """A job that needs no cloud: the test event type."""

    def __init__(self, *, message: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.message = message

    def run(self) -> str:
        return self.message


@dataclass
class Seeded:
    account_id: int
    bot_ids: list[int]
    event_ids: list[int]
    history_ids: list[int] = field(default_factory=list)
    resource_ids: list[str] = field(default_factory=list)


@dataclass
class Api:
    client: TestClient
    db: Database
    tokens: dict[str, str]

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def get(self, path: str, role: str = "viewer", **kwargs: object):
        return self.client.get(path, headers=self.headers(role), **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, role: str = "editor", **kwargs: object):
        return self.client.post(path, headers=self.headers(role), **kwargs)  # type: ignore[arg-type]

    def put(self, path: str, role: str = "editor", **kwargs: object):
        return self.client.put(path, headers=self.headers(role), **kwargs)  # type: ignore[arg-type]

    def delete(self, path: str, role: str = "admin", **kwargs: object):
        return self.client.delete(path, headers=self.headers(role), **kwargs)  # type: ignore[arg-type]


def make_tokens(db: Database) -> dict[str, str]:
    store = TokenStore(db)
    return {role: store.create(f"{role}-user", role, created_by="test")[1] for role in ROLES}


def make_api(db: Database, **app_options: object) -> Iterator[Api]:
    install_builtins()
    registry.register("test.report", ReportJob)
    tokens = make_tokens(db)
    with TestClient(create_app(db, **app_options)) as client:  # type: ignore[arg-type]
        yield Api(client, db, tokens)


BOT_UNTAGGED = {
    "name": "Stop untagged instances",
    "description": "Instances without an Owner tag are stopped two hours after they are found.",
    "severity": "high",
    "category": "Cost",
    "state": "RUNNING",
    "schedule": None,
    "instructions": {
        "resource_types": ["instance"],
        "filters": [{"name": "divvy.filter.tag_absent", "config": {"tag_key": "Owner"}}],
        "actions": [{"name": "divvy.action.scheduled_stop", "config": {"hours": 2}}],
    },
}
BOT_BUCKETS = {
    "name": "Block public buckets",
    "description": "Public buckets get their public access blocked.",
    "severity": "critical",
    "state": "RUNNING",
    "schedule": {"type": "interval", "version": 1, "every": 3600, "start": None},
    "instructions": {
        "resource_types": ["bucket"],
        "filters": [{"name": "divvy.filter.bucket_public", "config": {}}],
        "actions": [{"name": "divvy.action.block_public_access", "config": {}}],
    },
}


def seed(db: Database, *, history_days: int = 14) -> Seeded:
    """Accounts, resources, two bots (one run), pending events, history over ``history_days`` days, a worker."""
    install_builtins()
    registry.register("test.report", ReportJob)
    account = AccountStore(db).add("prod-aws", "aws", {"regions": ["us-east-1", "us-west-2"]})
    acct = str(account.id)
    instances = [
        Resource(
            ResourceId("instance", acct, "us-east-1", f"i-00{n}"),
            name=f"web-{n}",
            state="running",
            tags={} if n % 2 else {"Owner": "alice"},
        )
        for n in range(1, 7)
    ]
    resources = ResourceStore(db)
    resources.upsert(instances)
    resources.upsert([Resource(ResourceId("bucket", acct, "us-east-1", "public-logs"), name="public-logs")])
    bots = BotStore(db)
    untagged = bots.save(BOT_UNTAGGED)
    buckets = bots.save(BOT_BUCKETS)
    BotEngine(db, store=bots).run(untagged)
    moment = now()
    with ScheduledEventTracker(db, created_by="divvyuser:0:test:") as tracker:
        for hours in (1, 5, 9, 30):
            tracker.schedule_event(
                "test.report",
                schedule.Once(moment + timedelta(hours=hours)),
                f"Weekly report in {hours} h",
                action_data={"message": "report"},
                account_id=acct,
            )
    store = EventStore(db)
    event_ids = [e.id for e in store.list_events(limit=0)]
    history_ids = add_history(db, event_ids[0], account=acct, bot_ids=[untagged.id, buckets.id], days=history_days)
    store.register_worker(
        "worker-1:4242",
        host="worker-1",
        pid=4242,
        concurrency=4,
        event_types=["divvy.stop_resource", "botfactory.run_bot"],
    )
    return Seeded(
        account_id=account.id,
        bot_ids=[untagged.id, buckets.id],  # type: ignore[list-item]
        event_ids=event_ids,
        history_ids=history_ids,
        resource_ids=[r.get_resource_id() for r in instances],
    )


HISTORY_PATTERN = (
    ("divvy.stop_resource", "SUCCESS"),
    ("divvy.stop_resource", "SUCCESS"),
    ("divvy.block_public_access", "SUCCESS"),
    ("divvy.stop_resource", "ERROR"),
    ("test.report", "SUCCESS"),
    ("divvy.block_public_access", "SKIPPED"),
    ("test.report", "TIMEOUT"),
)


def add_history(db: Database, event_id: int, *, account: str, bot_ids: list[int | None], days: int) -> list[int]:
    """History rows spread over the last ``days`` days (tests write them directly: workers are not under test)."""
    moment = now()
    rows = []
    n = 0
    for day in range(days):
        for slot in range(3 + day % 4):
            event_type, status = HISTORY_PATTERN[n % len(HISTORY_PATTERN)]
            bot = bot_ids[0] if event_type == "divvy.stop_resource" else bot_ids[-1] if "public" in event_type else None
            finished = moment - timedelta(days=day, hours=slot * 2 + 1)
            result = {"ok": status == "SUCCESS", "detail": f"{event_type} {status.lower()}"}
            rows.append(
                {
                    "event_id": event_id,
                    "event_type": event_type,
                    "bot_id": None if bot is None else str(bot),
                    "account_id": account,
                    "resource_id": f"instance:{account}:us-east-1:i-00{slot + 1}:",
                    "scheduled_for": finished - timedelta(seconds=30),
                    "started_at": finished - timedelta(seconds=2),
                    "finished_at": finished,
                    "status": status,
                    "attempt": 1,
                    "worker": "worker-1:4242",
                    "result_data": json.dumps(result),
                }
            )
            n += 1
    rows.reverse()  # oldest first, so ids grow with time as they do when workers write history
    with db.write() as conn:
        conn.execute(insert(event_history), rows)
    store = EventStore(db)
    return [h.id for h in store.list_history(limit=0)]


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()

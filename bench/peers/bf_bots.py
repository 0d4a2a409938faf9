"""botfactory's bots layer: one bot ("stop instances without an Owner tag after 1 hour") over stored resources,
and over the instances of an emulated account (harvest, then the bot), as the engine runs it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from bench.peers import bf
from botfactory.db import Database

BOT = {
    "name": "bench: stop untagged instances",
    "description": "mark-for-op equivalent: schedule a stop one hour later for every instance without Owner",
    "severity": "medium",
    "state": "RUNNING",
    "schedule": None,
    "instructions": {
        "resource_types": ["instance"],
        "accounts": [],
        "regions": [],
        "filters": [{"name": "divvy.filter.tag_absent", "config": {"tag_key": "Owner"}}],
        "actions": [{"name": "divvy.action.scheduled_stop", "config": {"hours": 1}}],
        "hookpoints": [],
    },
}


def _setup(url: str) -> Database:
    from botfactory.builtins import install_builtins

    install_builtins()
    db = bf.open_db(url)
    return db


def store_instances(db: Database, n: int, region: str = "us-east-1") -> None:
    """``n`` running instances in account 1, every other one without an Owner tag."""
    from botfactory.resources.model import Resource, ResourceId
    from botfactory.resources.store import ResourceStore

    launched = datetime(2026, 1, 1, tzinfo=UTC)
    resources = [
        Resource(
            ResourceId("instance", "1", region, f"i-{i:017x}"),
            name=f"bench-{i}",
            state="running",
            tags={"Owner": "team@example.com"} if i % 2 else {"Environment": "dev"},
            properties={"instance_type": "t3.micro", "launch_time": launched.isoformat()},
            created_at=launched,
        )
        for i in range(n)
    ]
    store = ResourceStore(db)
    for start in range(0, n, 10_000):
        store.upsert(resources[start : start + 10_000])


def run_bot(db: Database) -> dict[str, Any]:
    """A dry run (evaluation only) then a real run (evaluation + one scheduled stop per match)."""
    from botfactory.bots.engine import BotEngine
    from botfactory.bots.store import BotStore

    store = BotStore(db)
    bot = store.find(BOT["name"]) or store.save(dict(BOT))
    engine = BotEngine(db, store=store)
    started = time.perf_counter()
    engine.run(bot, dry_run=True)
    dry_seconds = time.perf_counter() - started
    started = time.perf_counter()
    real = engine.run(bot)
    seconds = time.perf_counter() - started
    if real.failed or real.errors:
        raise RuntimeError(f"bot run failed: {real.errors[:3]}")
    return {
        "scanned": real.scanned,
        "matches": real.matches,
        "dry_run_seconds": dry_seconds,
        "seconds": seconds,
        "scheduled": bf.count_events(db, "pending"),
    }


def evaluate(params: dict[str, Any]) -> dict[str, Any]:
    """One bot over ``n`` stored instances (stored before timing)."""
    n = int(params["n"])
    db = _setup(params["url"])
    store_instances(db, n)
    result = run_bot(db)
    db.dispose()
    if result["scanned"] != n:
        raise RuntimeError(f"the bot scanned {result['scanned']} of {n} resources")
    return {"value": n / result["seconds"], "n": n, **result}


def harvest_and_run(params: dict[str, Any]) -> dict[str, Any]:
    """Harvest the emulated account's instances, then run the bot over them: the whole mark-for-op loop."""
    from botfactory.clouds.accounts import AccountStore
    from botfactory.clouds.aws.harvest import harvest_account
    from botfactory.resources.store import ResourceStore

    db = _setup(params["url"])
    accounts = AccountStore(db)
    account = accounts.find("bench") or accounts.add(
        "bench", "aws", {"endpoint_url": params["endpoint"], "regions": params["regions"]}
    )
    started = time.perf_counter()
    harvest = harvest_account(account, ResourceStore(db), resource_types=["instance"])
    harvest_seconds = time.perf_counter() - started
    if harvest.errors:
        raise RuntimeError(f"harvest errors: {[e.to_dict() for e in harvest.errors][:3]}")
    bot = run_bot(db)
    db.dispose()
    seconds = harvest_seconds + bot["seconds"]
    return {"value": bot["scanned"] / seconds, "n": bot["scanned"], "harvest_seconds": harvest_seconds, **bot}

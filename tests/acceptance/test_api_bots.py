"""``/api/v1/bots``, ``/resources``, ``/accounts`` and ``/plugins``: what each returns and changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from botfactory.db import Database
from botfactory.events.registry import registry
from botfactory.plugins.manager import PluginManager
from tests.acceptance._api_support import BOT_UNTAGGED, Api, Seeded, make_api, seed


@pytest.fixture
def world(sqlite_database: Database, tmp_path: Path) -> Iterator[tuple[Api, Seeded]]:
    folder = tmp_path / "plugins" / "apitest"
    folder.mkdir(parents=True)
    (folder / "plugin.py").write_text(
        "from botfactory.events import ScheduledEventJob, registry\n\n"
        "@registry.register('apitest.job')\n"
        "class Job(ScheduledEventJob):\n"
        "    def run(self):\n"
        "        return 'ran'\n"
    )
    data = seed(sqlite_database)
    manager = PluginManager(sqlite_database, [folder.parent])
    manager.start()
    try:
        yield from ((api, data) for api in make_api(sqlite_database, plugins=manager))
    finally:
        manager.unload_all()


def test_bots_lifecycle(world: tuple[Api, Seeded]) -> None:
    api, data = world
    listed = api.get("/api/v1/bots").json()
    assert listed["total"] == 2 and {"id", "name", "state"} <= set(listed["items"][0])
    assert [b["name"] for b in api.get("/api/v1/bots?state=PAUSED").json()["items"]] == []

    doc = {**BOT_UNTAGGED, "name": "Stop untagged in us-west-2"}
    doc["instructions"] = {**doc["instructions"], "regions": ["us-west-2"]}
    created = api.post("/api/v1/bots", json=doc)
    assert created.status_code == 201, created.text
    bot = created.json()
    assert bot["state"] == "RUNNING" and bot["resource_id"] == f"divvybot:1:{bot['id']}:"
    duplicate = api.post("/api/v1/bots", json=doc)
    assert duplicate.status_code == 422 and duplicate.json()["field"] == "name"
    bad = api.post(
        "/api/v1/bots",
        json={
            **doc,
            "name": "x",
            "instructions": {"resource_types": ["instance"], "filters": [{"name": "divvy.filter.nope", "config": {}}]},
        },
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["element"].startswith("filter")

    updated = api.put(f"/api/v1/bots/{bot['id']}", json={**doc, "description": "changed"})
    assert updated.status_code == 200 and updated.json()["description"] == "changed"
    assert api.put("/api/v1/bots/999999", json=doc).status_code == 404

    dry = api.post(f"/api/v1/bots/{data.bot_ids[0]}/run?dry_run=true").json()
    assert dry["dry_run"] is True and dry["matches"] == 3 and len(dry["matched_ids"]) == 3
    run = api.post(f"/api/v1/bots/{data.bot_ids[0]}/run").json()
    assert run["dry_run"] is False and run["status"] == "success"
    assert api.get(f"/api/v1/bots/{data.bot_ids[0]}/runs").json()["total"] == 3

    pending = f"/api/v1/events?bot_id={data.bot_ids[0]}&state=pending"
    assert api.get(pending).json()["total"] == 3
    paused = api.post(f"/api/v1/bots/{data.bot_ids[0]}/pause").json()
    assert paused["state"] == "PAUSED"
    assert api.get(pending).json()["total"] == 0  # pausing cancels its pending events
    assert api.post(f"/api/v1/bots/{data.bot_ids[0]}/run").status_code == 409
    assert api.post(f"/api/v1/bots/{data.bot_ids[0]}/resume").json()["state"] == "RUNNING"
    assert api.post(f"/api/v1/bots/{data.bot_ids[0]}/archive").json()["state"] == "ARCHIVED"

    exported = api.get(f"/api/v1/bots/{data.bot_ids[0]}/export").json()
    assert exported["name"] == BOT_UNTAGGED["name"] and exported["instructions"]["filters"]
    assert api.get("/api/v1/bots/999999").status_code == 404


def test_resources(world: tuple[Api, Seeded]) -> None:
    api, data = world
    everything = api.get("/api/v1/resources").json()
    assert everything["total"] == 7
    instances = api.get("/api/v1/resources?resource_type=instance&limit=4&offset=4").json()
    assert instances["total"] == 6 and len(instances["items"]) == 2
    assert api.get("/api/v1/resources?region=eu-west-1").json()["total"] == 0
    one = api.get(f"/api/v1/resources/{data.resource_ids[0]}").json()
    assert one["resource_id"] == data.resource_ids[0] and one["name"] == "web-1"
    assert [e["event_type"] for e in one["events"]] == ["divvy.stop_resource"]
    assert api.get("/api/v1/resources/instance:1:us-east-1:i-missing:").status_code == 404
    assert api.get("/api/v1/resources/not-a-resource-id").status_code == 404


def test_accounts(world: tuple[Api, Seeded]) -> None:
    api, data = world
    assert api.get("/api/v1/accounts").json()["items"][0]["name"] == "prod-aws"
    added = api.post("/api/v1/accounts", role="admin", json={"name": "staging", "settings": {"profile": "staging"}})
    assert added.status_code == 201 and added.json()["credentials"] == "profile staging"
    assert api.post("/api/v1/accounts", role="admin", json={"name": "staging"}).status_code == 409
    secret = api.post("/api/v1/accounts", role="admin", json={"name": "x", "settings": {"aws_secret_access_key": "s"}})
    assert secret.status_code == 422 and secret.json()["field"] == "aws_secret_access_key"
    account_id = added.json()["id"]
    changed = api.put(
        f"/api/v1/accounts/{account_id}/settings", role="admin", json={"settings": {"regions": ["eu-west-1"]}}
    )
    assert changed.json()["regions"] == ["eu-west-1"]
    assert api.delete(f"/api/v1/accounts/{account_id}").json()["name"] == "staging"
    assert api.get(f"/api/v1/accounts/{account_id}").status_code == 404


def test_plugins(world: tuple[Api, Seeded]) -> None:
    api, _ = world
    listed = api.get("/api/v1/plugins").json()
    assert [(p["name"], p["state"]) for p in listed["items"]] == [("apitest", "loaded")]
    assert "apitest.job" in registry.types()
    disabled = api.post("/api/v1/plugins/apitest/disable", role="admin").json()
    assert disabled["enabled"] is False and disabled["loaded"] is False
    assert "apitest.job" not in registry.types()
    enabled = api.post("/api/v1/plugins/apitest/enable", role="admin").json()
    assert enabled["state"] == "loaded" and "apitest.job" in registry.types()
    reloaded = api.post("/api/v1/plugins/apitest/reload", role="admin").json()
    assert reloaded["generation"] == enabled["generation"] + 1
    assert api.post("/api/v1/plugins/nope/enable", role="admin").status_code == 404
    assert api.get("/api/v1/plugins/nope").status_code == 404
    assert api.get("/api/v1/plugins/bad%20name").status_code == 422

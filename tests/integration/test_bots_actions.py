"""Actions that need no cloud: the seed's DivvyCloud plugin action (loaded as a plugin), the webhook (against a
loopback HTTP server) and the log action."""

from __future__ import annotations

import json
import logging
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from botfactory.bots.engine import BotEngine
from botfactory.bots.store import BotStore
from botfactory.db import Database
from botfactory.events.store import EventFilter, EventStore
from botfactory.plugins.discovery import read_folder
from botfactory.plugins.loader import load_plugin, unload_plugin
from tests.fixtures.bots import (  # noqa: F401  (fixtures)
    bot_builtins_fixture,
    bot_doc,
    fleet_fixture,
    stand_in_event_types_fixture,
)

pytestmark = pytest.mark.usefixtures("stand_in_event_types")

# The DivvyCloud documentation's example (the seed), as a plugin would ship it. The one change: the comma the
# documentation's snippet lacks after ``event_type=...``, without which it is not Python.
SEED_PLUGIN = """
from datetime import datetime, timedelta

from DivvyBotfactory.registry import BotFactoryRegistryWrapper
from DivvyBotfactory.scheduling import ScheduledEventTracker
from DivvyUtils import schedule

registry = BotFactoryRegistryWrapper()


@registry.action(
    uid='divvy.action.start_resource_example',
    bulk_action=True,
    accepts_complement=True,
)
def start_resource_example(bot, settings, matches, non_matches):
    with ScheduledEventTracker() as context:
        for resource in matches:
            context.schedule_bot_event(
                bot=bot, resource=resource,
                description='Start a resource.',
                event_type='divvy.start_resource',
                schedule_data=schedule.Once(when=datetime.utcnow() + timedelta(hours=12))
            )


def load():
    registry.load()


def unload():
    registry.unload()
"""


def test_the_seed_example_schedules_one_once_event_per_match(
    sqlite_database: Database, fleet: list, tmp_path: Path
) -> None:
    folder = tmp_path / "start_example"
    folder.mkdir()
    (folder / "plugin.py").write_text(textwrap.dedent(SEED_PLUGIN))
    plugin = load_plugin(read_folder(folder))
    try:
        bot = BotStore(sqlite_database).save(
            bot_doc(name="Start example", instructions={"actions": [{"name": "divvy.action.start_resource_example"}]})
        )
        run = BotEngine(sqlite_database).run(bot.id)
        assert run.outcome("divvy.action.start_resource_example").status == "ok"
        events = EventStore(sqlite_database).list_events(EventFilter(bot_id=str(bot.id)), limit=0)
        assert len(events) == run.matches == 4
        assert {e.event_type for e in events} == {"divvy.start_resource"}
        assert all(e.schedule["type"] == "once" and e.description == "Start a resource." for e in events)
        assert all(e.revalidate and e.created_by == bot.resource_id for e in events)
        BotEngine(sqlite_database).run(bot.id)  # a second run: the dedupe key keeps one per resource
        assert EventStore(sqlite_database).count_events(EventFilter(bot_id=str(bot.id))) == 4
        dry = BotEngine(sqlite_database).run(bot.id, dry_run=True)
        assert dry.outcome("divvy.action.start_resource_example").status == "not_run"
    finally:
        unload_plugin(plugin)
    run = BotEngine(sqlite_database).run(bot.id)
    assert run.outcome("divvy.action.start_resource_example").status == "unavailable"


class _Collector(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Collector.received.append({"type": self.headers["Content-Type"], "json": json.loads(body)})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def webhook_url() -> Iterator[str]:
    _Collector.received = []
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook"
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_posts_the_findings_as_json(sqlite_database: Database, fleet: list, webhook_url: str) -> None:
    action = {"name": "divvy.action.notify_webhook", "config": {"url": webhook_url, "message": "{{ count }} found"}}
    bot = BotStore(sqlite_database).save(bot_doc(instructions={"actions": [action]}))
    dry = BotEngine(sqlite_database).run(bot.id, dry_run=True)
    assert dry.actions[0].detail["would_post"] == 4 and _Collector.received == []
    run = BotEngine(sqlite_database).run(bot.id)
    assert run.actions[0].status == "ok" and run.actions[0].detail["posted"] == 4
    (request,) = _Collector.received
    assert request["type"] == "application/json"
    document = request["json"]
    assert document["bot"] == {"id": bot.id, "name": bot.name, "resource_id": bot.resource_id}
    assert document["message"] == "4 found" and document["count"] == 4
    assert {r["resource_id"] for r in document["resources"]} == set(run.matched_ids)


def test_webhook_failure_is_an_error_outcome(sqlite_database: Database, fleet: list) -> None:
    action = {"name": "divvy.action.notify_webhook", "config": {"url": "http://127.0.0.1:9/nothing", "timeout": 2}}
    bot = BotStore(sqlite_database).save(bot_doc(instructions={"actions": [action]}))
    run = BotEngine(sqlite_database).run(bot.id)
    assert run.actions[0].status == "error" and run.actions[0].detail["failed"]


def test_log_message_renders_per_resource(
    sqlite_database: Database, fleet: list, caplog: pytest.LogCaptureFixture
) -> None:
    action = {"name": "divvy.action.log_message", "config": {"message": "{{ bot_name }}: {{ resource.native_id }}"}}
    bot = BotStore(sqlite_database).save(bot_doc(instructions={"actions": [action]}))
    with caplog.at_level(logging.INFO, logger="botfactory.bots.actions.log"):
        run = BotEngine(sqlite_database).run(bot.id)
    assert run.actions[0].detail["logged"] == 4
    assert sum("Stop untagged instances: i-" in r.getMessage() for r in caplog.records) == 4

"""DivvyCloud's Scheduled Events page (shared/seed/scheduled-events.txt), its examples run as written.

Each example is kept as source text and executed as a module of its own, so what runs is the page's code, not a
paraphrase. Completions are only where the page elides (``...``, imports) or slips (a missing comma after
``event_type='divvy.start_resource'``, a missing ``@`` before ``events.register``) — marked ``# completed``.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

import botfactory.plugins.compat  # noqa: F401  (installs the DivvyCloud names)
from botfactory.clock import FakeClock
from botfactory.db import Database
from botfactory.events import EventStore, registry

REGISTRATION = """
from DivvyWorkers.Processors.ScheduledEvents import ScheduledEventManager
from DivvyWorkers.ScheduledWorkers.base import MultiResourceScheduledEventJob  # completed: import
@ScheduledEventManager.register('divvy.start_resource')
class StartResourceJob(MultiResourceScheduledEventJob):
    ...
"""

BOT_ACTION = """
from datetime import datetime, timedelta  # completed: imports
from DivvyBotfactory.registry import BotFactoryRegistryWrapper  # completed
from DivvyUtils import schedule  # completed
registry = BotFactoryRegistryWrapper()  # completed
from DivvyBotfactory.scheduling import ScheduledEventTracker

@registry.action(
    uid='divvy.action.start_resource_example',
    bulk_action=True,
    accepts_complement=True,
    name='Start resource (example)', description='Start each match in 12 hours.',  # completed: "..."
)
def start_resource_example(bot, settings, matches, non_matches):
    with ScheduledEventTracker() as context:
        for resource in matches:
            context.schedule_bot_event(
                bot=bot, resource=resource,
                description='Start a resource.',
                event_type='divvy.start_resource',  # completed: the missing comma
                schedule_data=schedule.Once(when=datetime.utcnow() + timedelta(hours=12))
            )
"""

WRAPPER = """
from DivvyWorkers.Processors.ScheduledEvents import ScheduledEventRegistryWrapper
from DivvyWorkers.ScheduledWorkers.base import MultiResourceScheduledEventJob  # completed: import

# Initialize the registry wrapper
events = ScheduledEventRegistryWrapper()

# Register a scheduled event job
@events.register('divvy.start_resource')  # completed: the missing "@"
class StartResourceJob(MultiResourceScheduledEventJob):
    ...

# Handle plugin loading/unloading
def load():
    events.load()
def unload():
    events.unload()
"""


def run_example(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, f"<seed example {name}>", "exec"), module.__dict__)
    return module


@dataclass
class Bot:
    bot_id: int
    name: str
    resource_id: str


@dataclass
class Resource:
    resource_id: str
    account_id: str


@pytest.fixture(autouse=True)
def _no_builtin_start_resource() -> None:
    # The page registers divvy.start_resource itself; botfactory's built-in one would be a different class.
    registry.unregister("divvy.start_resource")


def test_registration_with_scheduled_event_manager() -> None:
    module = run_example(REGISTRATION, "seed_registration")
    spec = registry.get("divvy.start_resource")
    assert spec.job_class is module.StartResourceJob


def test_bot_action_schedules_a_once_event_per_match(database: Database, fake_clock: FakeClock) -> None:
    run_example(REGISTRATION, "seed_registration")
    action_module = run_example(BOT_ACTION, "seed_bot_action")
    bot = Bot(bot_id=12, name="start things", resource_id="divvybot:1:12:")
    matches = [Resource(f"instance:1:us-east-1:i-{n}:", "1") for n in range(3)]

    # datetime.utcnow() is naive UTC; the fake clock pins "now" for the tracker, utcnow stays the real clock.
    before = datetime.now(UTC).replace(tzinfo=None)
    action_module.start_resource_example(bot, {}, matches, [])
    after = datetime.now(UTC).replace(tzinfo=None)

    events = sorted(EventStore(database).list_events(), key=lambda e: e.id)
    assert [e.resource_ids for e in events] == [(m.resource_id,) for m in matches]
    for event in events:
        assert event.event_type == "divvy.start_resource"
        assert event.description == "Start a resource."
        assert event.state == "pending"
        assert event.bot_id == "12" and event.account_id == "1"
        assert event.created_by == "divvybot:1:12:"
        assert event.schedule["type"] == "once"
        due = event.next_run_at.replace(tzinfo=None)
        assert before + timedelta(hours=12) <= due <= after + timedelta(hours=12)
        assert event.next_run_at.tzinfo is not None


def test_registry_wrapper_load_and_unload() -> None:
    module = run_example(WRAPPER, "seed_wrapper")
    assert "divvy.start_resource" not in registry
    module.load()
    assert registry.get("divvy.start_resource").job_class is module.StartResourceJob
    module.unload()
    assert "divvy.start_resource" not in registry
    module.load()
    assert "divvy.start_resource" in registry

"""Every DivvyCloud name of DESIGN §6 is the very botfactory object, after ``import botfactory.plugins.compat``."""

from __future__ import annotations

import importlib

import pytest

import botfactory.plugins.compat  # noqa: F401  (installs the names)
from botfactory import schedule
from botfactory.bots import event as bot_event
from botfactory.bots import fields
from botfactory.bots import registry as bot_registry
from botfactory.events import job, tracker
from botfactory.events.registry import owned_by
from botfactory.plugins.compat import divvy
from botfactory.plugins.compat.names import ALIASES
from botfactory.resources import hookpoints

# ``botfactory.events.registry`` the attribute is the registry object; the module is what the aliases name.
registry = importlib.import_module("botfactory.events.registry")

# (DivvyCloud module, attribute, the botfactory object it must be)
EXPECTED = [
    ("DivvyWorkers.Processors.ScheduledEvents", "ScheduledEventManager", registry.ScheduledEventManager),
    (
        "DivvyWorkers.Processors.ScheduledEvents",
        "ScheduledEventRegistryWrapper",
        registry.ScheduledEventRegistryWrapper,
    ),
    ("DivvyWorkers.Processors.ScheduledEvents", "cast_scheduled_event_args", tracker.cast_scheduled_event_args),
    ("DivvyWorkers.ScheduledWorkers.base", "ScheduledEventJob", job.ScheduledEventJob),
    ("DivvyWorkers.ScheduledWorkers.base", "MultiResourceScheduledEventJob", job.MultiResourceScheduledEventJob),
    ("DivvyBotfactory.scheduling", "ScheduledEventTracker", tracker.ScheduledEventTracker),
    ("DivvyBotfactory.scheduling", "schedule_hours_from_now", schedule.schedule_hours_from_now),
    ("DivvyBotFactory.scheduling", "ScheduledEventTracker", tracker.ScheduledEventTracker),
    ("DivvyBotFactory.scheduling", "schedule_hours_from_now", schedule.schedule_hours_from_now),
    ("DivvyBotfactory.registry", "BotFactoryRegistryWrapper", bot_registry.BotFactoryRegistryWrapper),
    ("DivvyBotFactory.registry", "BotFactoryRegistryWrapper", bot_registry.BotFactoryRegistryWrapper),
    ("DivvyBotfactory.event", "BotEvent", bot_event.BotEvent),
    ("DivvyBotFactory.event", "BotEvent", bot_event.BotEvent),
    ("DivvyPlugins.plugin_metadata", "PluginMetadata", divvy.PluginMetadata),
    ("DivvyPlugins.hookpoints", "hookpoint", hookpoints.hookpoint),
    ("DivvyDb.QueryFilters.cloud_types", "CloudType", divvy.CloudType),
    ("worker.registry", "Router", divvy.Router),
]
for _name in ("Once", "Interval", "Periodic", "Hourly", "Daily", "Weekly", "Monthly", "Cron"):
    EXPECTED.append(("DivvyUtils.schedule", _name, getattr(schedule, _name)))
for _name in (
    "StringField",
    "TextField",
    "Jinja2TextField",
    "Jinja2StringField",
    "FloatField",
    "BooleanField",
    "SelectionField",
    "MultiSelectionField",
    "FieldOptions",
):
    EXPECTED.append(("DivvyUtils.field_definition", _name, getattr(fields, _name)))


@pytest.mark.parametrize(("module", "attribute", "target"), EXPECTED, ids=lambda v: v if isinstance(v, str) else "")
def test_divvy_name_is_the_botfactory_object(module: str, attribute: str, target: object) -> None:
    assert getattr(importlib.import_module(module), attribute) is target


def test_from_import_forms_work() -> None:
    namespace: dict[str, object] = {}
    exec(
        "from DivvyUtils import schedule\n"
        "from DivvyBotfactory import scheduling\n"
        "from DivvyDb.QueryFilters.cloud_types import CloudType\n"
        "from worker.registry import Router\n"
        "import DivvyWorkers.Processors.ScheduledEvents as se\n",
        namespace,
    )
    assert namespace["schedule"].Periodic is schedule.Periodic  # type: ignore[attr-defined]
    assert namespace["scheduling"].ScheduledEventTracker is tracker.ScheduledEventTracker  # type: ignore[attr-defined]
    assert namespace["se"].ScheduledEventManager is registry.ScheduledEventManager  # type: ignore[attr-defined]


def test_every_alias_in_the_table_is_covered() -> None:
    assert {module for module, _, _ in EXPECTED} == set(ALIASES)


def test_whole_module_aliases_forward_every_public_name() -> None:
    divvy_registry = importlib.import_module("DivvyBotfactory.registry")
    assert divvy_registry.actions is bot_registry.actions
    assert importlib.import_module("DivvyBotfactory.event").MATCH == bot_event.MATCH
    assert importlib.import_module("DivvyUtils.field_definition").render_template is fields.render_template


def test_star_import_does_not_hide_builtins_or_leak_imports() -> None:
    namespace: dict[str, object] = {}
    exec("from DivvyBotfactory.registry import *", namespace)
    assert namespace["BotFactoryRegistryWrapper"] is bot_registry.BotFactoryRegistryWrapper
    assert "filter" not in namespace  # bots.registry.filter would shadow the builtin
    assert "annotations" not in namespace and "dataclass" not in namespace


def test_unknown_attribute_of_an_alias_is_an_attribute_error() -> None:
    with pytest.raises(ImportError):
        exec("from DivvyWorkers.Processors.ScheduledEvents import NoSuchThing", {})


def test_cloud_type_has_the_documented_members() -> None:
    cloud = divvy.CloudType
    for name in ("AMAZON_WEB_SERVICES", "AMAZON_WEB_SERVICES_GOV", "AMAZON_WEB_SERVICES_CHINA", "AZURE", "GCP"):
        assert isinstance(getattr(cloud, name), str)
    assert len(set(cloud.all())) == len(cloud.all()) >= 5


def test_plugin_metadata_has_the_documented_attributes() -> None:
    class metadata(divvy.PluginMetadata):
        version = "2.1"
        author = "someone"
        managed = True

    info = metadata.as_dict()
    assert set(info) == {
        "version",
        "last_updated_date",
        "author",
        "nickname",
        "default_language_description",
        "support_email",
        "support_url",
        "main_url",
        "category",
        "managed",
    }
    assert (info["version"], info["author"], info["managed"]) == ("2.1", "someone", True)


def test_router_registers_an_owned_job_with_its_cast_function() -> None:
    from worker.registry import Router  # type: ignore[import-not-found]

    class LegacyJob(job.ScheduledEventJob):
        def run(self) -> None:
            return None

    def cast(data: dict) -> dict:
        return {**data, "cast": True}

    with owned_by("legacy_plugin"):
        assert Router.add_scheduled_event_job("legacy.job", LegacyJob, cast) is LegacyJob
    spec = registry.registry.get("legacy.job")
    assert (spec.job_class, spec.cast_args, spec.owner) == (LegacyJob, cast, "legacy_plugin")


def test_cast_scheduled_event_args_takes_a_dict_or_json() -> None:
    from DivvyWorkers.Processors.ScheduledEvents import cast_scheduled_event_args  # type: ignore[import-not-found]

    assert cast_scheduled_event_args('{"hours": 2}') == {"hours": 2}
    assert cast_scheduled_event_args({"a": [1]}) == {"a": [1]}

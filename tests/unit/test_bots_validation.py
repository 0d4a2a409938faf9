"""Bot JSON: the two validation passes, every problem naming the bot, the element and the field."""

from __future__ import annotations

import copy

import pytest

from botfactory.bots import registry as reg
from botfactory.bots.model import Bot
from botfactory.bots.validation import BotValidationError, check_meaning, parse_bot, validate_bot
from botfactory.events.registry import registry as event_registry
from tests.fixtures.bots import bot_builtins_fixture, bot_doc, stand_in_event_types_fixture  # noqa: F401

pytestmark = pytest.mark.usefixtures("stand_in_event_types")


def _problems(document) -> list[tuple[str, str, str]]:
    with pytest.raises(BotValidationError) as info:
        validate_bot(document)
    for problem in info.value.problems:
        assert problem.bot and problem.element and problem.field and problem.message
    return [(p.element, p.field, p.message) for p in info.value.problems]


def test_a_valid_bot_round_trips_through_json() -> None:
    bot = validate_bot(bot_doc(schedule={"type": "interval", "version": 1, "every": 3600, "start": None}))
    assert isinstance(bot, Bot)
    assert bot.instructions.filters[1].config == {"tag_key": "Owner"}
    assert bot.schedule == {"type": "interval", "version": 1, "every": 3600, "start": None}
    again = validate_bot(bot.to_json())
    assert again == bot
    stored = bot.with_changes(id=7)
    assert (stored.bot_id, stored.resource_id, stored.get_resource_id()) == (7, "divvybot:1:7:", "divvybot:1:7:")
    assert stored.to_json()["id"] == 7 and parse_bot(stored.to_json()).id == 7


def test_defaults_and_normalisation() -> None:
    bot = validate_bot(
        {
            "name": "  Minimal ",
            "state": "paused",
            "severity": "HIGH",
            "instructions": {"resource_types": ["bucket", "bucket"], "accounts": [1, "2"]},
        }
    )
    assert (bot.name, bot.state, bot.severity, bot.description, bot.schedule) == ("Minimal", "PAUSED", "high", "", None)
    assert bot.instructions.resource_types == ("bucket",)
    assert bot.instructions.accounts == ("1", "2")


def test_divvycloud_exports_keep_the_schedule_in_instructions_and_extra_keys() -> None:
    doc = bot_doc(instructions={"schedule": {"type": "daily", "version": 1, "time": "02:00", "tz": "UTC"}})
    doc.update(resource_id="divvybot:1:3:", owner="divvyuser:1:", date_created="2020-01-01")
    bot = validate_bot(doc)
    assert bot.schedule == {"type": "daily", "version": 1, "time": "02:00:00", "tz": "UTC"}


def test_schema_problems_are_all_collected() -> None:
    problems = _problems(
        {
            "name": "Broken",
            "state": "SLEEPING",
            "severity": 3,
            "schedule": {"type": "fortnightly"},
            "colour": "red",
            "instructions": {
                "resource_types": ["Instance"],
                "regions": "us-east-1",
                "filters": [{"config": {}}, "tag_absent"],
                "actions": [{"name": "divvy.action.scheduled_stop", "config": [], "run_when_result_is": "yes"}],
                "hookpoints": ["divvycloud.instance.exploded"],
                "flavour": 1,
            },
        }
    )
    fields = {(element, field) for element, field, _ in problems}
    assert ("bot", "state") in fields
    assert ("bot", "severity") in fields
    assert ("bot", "colour") in fields
    assert ("instructions", "resource_types[0]") in fields
    assert ("instructions", "regions") in fields
    assert ("instructions", "flavour") in fields
    assert ("filter #1", "name") in fields
    assert ("filter #2", "filter") in fields
    assert ("action divvy.action.scheduled_stop (#1)", "config") in fields
    assert ("action divvy.action.scheduled_stop (#1)", "run_when_result_is") in fields
    assert any(element == "schedule" for element, _, _ in problems)
    assert any(element.startswith("hookpoint") for element, _, _ in problems)


@pytest.mark.parametrize(
    "document, element, field",
    [
        ("not an object", "bot", "document"),
        ({"instructions": {"resource_types": ["instance"]}}, "bot", "name"),
        ({"name": "x"}, "instructions", "instructions"),
        ({"name": "x", "instructions": {"resource_types": []}}, "instructions", "resource_types"),
    ],
)
def test_required_parts(document, element: str, field: str) -> None:
    assert (element, field) in {(e, f) for e, f, _ in _problems(document)}


def test_meaning_problems_name_the_element_and_field() -> None:
    doc = bot_doc(
        instructions={
            "resource_types": ["instance", "bucket"],
            "filters": [
                {"name": "divvy.filter.tag_absent", "config": {}},
                {"name": "divvy.filter.tag_absnet", "config": {"tag_key": "Owner"}},
                {"name": "divvy.filter.name_matches", "config": {"pattern": "(unclosed"}},
            ],
            "actions": [
                {"name": "divvy.action.scheduled_stop", "config": {"hours": -1, "minutes": 5}},
                {"name": "divvy.action.log_message", "config": {"message": "{{ broken"}},
            ],
        }
    )
    problems = _problems(doc)
    by_place = {(e, f): m for e, f, m in problems}
    assert "required" in by_place[("filter divvy.filter.tag_absent (#1)", "tag_key")]
    assert "did you mean divvy.filter.tag_absent" in by_place[("filter divvy.filter.tag_absnet (#2)", "name")]
    assert "regular expression" in by_place[("filter divvy.filter.name_matches (#3)", "pattern")]
    assert "at least 0" in by_place[("action divvy.action.scheduled_stop (#1)", "hours")]
    assert "unknown setting" in by_place[("action divvy.action.scheduled_stop (#1)", "minutes")]
    assert "does not support bucket" in by_place[("action divvy.action.scheduled_stop (#1)", "resource_types")]
    assert "does not compile" in by_place[("action divvy.action.log_message (#2)", "message")]
    # The error's text names the bot, the element and the field for each problem.
    with pytest.raises(BotValidationError) as info:
        validate_bot(doc)
    assert "bot 'Stop untagged instances', action divvy.action.scheduled_stop (#1), field 'hours'" in str(info.value)


def test_a_delayed_actions_event_type_must_be_registered() -> None:
    event_registry.unregister("divvy.stop_resource")
    problems = _problems(bot_doc())
    assert ("action divvy.action.scheduled_stop (#1)", "event_type") in {(e, f) for e, f, _ in problems}


def test_complements_only_for_actions_that_accept_them() -> None:
    reg.action("test.action.no_complement", bulk_action=True, accepts_complement=False)(lambda *a: None)
    try:
        doc = bot_doc(instructions={"actions": [{"name": "test.action.no_complement", "run_when_result_is": False}]})
        assert ("action test.action.no_complement (#1)", "run_when_result_is") in {(e, f) for e, f, _ in _problems(doc)}
        log_non_matches = {"name": "divvy.action.log_message", "config": {"message": "x"}, "run_when_result_is": False}
        ok = bot_doc(instructions={"actions": [log_non_matches]})
        assert validate_bot(ok).instructions.actions[0].run_when_result_is is False
    finally:
        reg.actions.unregister("test.action.no_complement")


def test_hookpoints_must_fit_the_bots_types() -> None:
    good = validate_bot(
        bot_doc(instructions={"hookpoints": ["divvycloud.resource.modified", "divvycloud.instance.created"]})
    )
    assert good.instructions.hookpoints == ("divvycloud.resource.modified", "divvycloud.instance.created")
    problems = _problems(bot_doc(instructions={"hookpoints": ["divvycloud.bucket.created"]}))
    assert ("hookpoint divvycloud.bucket.created", "hookpoints") in {(e, f) for e, f, _ in problems}


def test_check_meaning_on_a_parsed_bot_and_config_is_not_mutated() -> None:
    doc = bot_doc()
    original = copy.deepcopy(doc)
    bot = parse_bot(doc)
    assert check_meaning(bot) == []
    assert doc == original


def test_the_example_bots_are_valid() -> None:
    import json
    from pathlib import Path

    examples = sorted((Path(__file__).parents[2] / "examples" / "bots").glob("*.json"))
    assert len(examples) >= 4
    for path in examples:
        bot = validate_bot(json.loads(path.read_text()))
        assert bot.instructions.actions, path.name

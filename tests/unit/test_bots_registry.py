"""Action and filter registries: the DivvyCloud wrapper, owners, refusals, and a walk over every built-in."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator

import pytest

from botfactory.bots import registry as reg
from botfactory.bots.fields import Field, FieldOptions, FloatField, StringField
from botfactory.bots.registry import ActionSpec, BotFactoryRegistryWrapper, FilterSpec
from botfactory.errors import NotFound, RegistrationError, ValidationError
from botfactory.events.registry import owned_by
from botfactory.events.registry import registry as event_registry
from tests.fixtures.bots import bot_builtins_fixture  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def isolated_registries() -> Iterator[None]:
    saved = reg.actions.snapshot(), reg.filters.snapshot()
    try:
        yield
    finally:
        reg.actions.restore(saved[0])
        reg.filters.restore(saved[1])


def _wrapper() -> tuple[BotFactoryRegistryWrapper, object, object]:
    registry = BotFactoryRegistryWrapper()

    @registry.action(
        uid="test.action.hello",
        name="Hello",
        description="Say hello.",
        author="tests",
        supported_resources=[],
        supported_clouds=["AWS"],
        settings_config=[StringField(name="greeting", options=FieldOptions.REQUIRED)],
        bulk_action=True,
        accepts_complement=True,
        expensive=False,
        admin_only=False,
    )
    def hello(bot, settings, matches, non_matches):
        return len(matches)

    @registry.filter(
        uid="test.filter.named",
        name="Named",
        description="Has a name.",
        supported_resources=["instance"],
        settings_config=[],
    )
    def named(resource, settings):
        return bool(resource.name)

    return registry, hello, named


def test_decorators_return_the_function_and_record_without_activating() -> None:
    registry, hello, named = _wrapper()
    assert hello(None, {}, [1, 2], []) == 2  # still callable directly
    assert registry.registered == ["test.action.hello", "test.filter.named"]
    assert "test.action.hello" not in reg.actions
    assert "test.filter.named" not in reg.filters


def test_load_activates_with_owner_and_unload_removes_exactly_its_own() -> None:
    registry, hello, named = _wrapper()
    reg.action("test.action.other", bulk_action=True)(lambda bot, settings, m, n: None)
    with owned_by("plugin-a"):
        registry.load()
    spec = reg.actions.get("test.action.hello")
    assert isinstance(spec, ActionSpec) and spec.function is hello and spec.owner == "plugin-a"
    assert spec.bulk_action and spec.accepts_complement and spec.supported_clouds == ("AWS",)
    assert isinstance(reg.filters.get("test.filter.named"), FilterSpec)
    registry.load()  # idempotent
    registry.unload()
    assert "test.action.hello" not in reg.actions and "test.filter.named" not in reg.filters
    assert "test.action.other" in reg.actions


def test_unregister_owner_takes_a_plugins_elements() -> None:
    registry, _, _ = _wrapper()
    with owned_by("plugin-a"):
        registry.load()
        reg.filter("test.filter.direct")(lambda r, s: True)
    assert reg.unregister_owner("plugin-a") == {
        "actions": ["test.action.hello"],
        "filters": ["test.filter.direct", "test.filter.named"],
    }
    assert reg.actions.find("test.action.hello") is None


def test_duplicate_uid_from_another_owner_is_refused_naming_both() -> None:
    with owned_by("plugin-a"):
        _wrapper()[0].load()

    def impostor(bot, settings, matches, non_matches): ...

    with owned_by("plugin-b"), pytest.raises(RegistrationError) as info:
        reg.action("test.action.hello")(impostor)
    message = str(info.value)
    assert "plugin plugin-a" in message and "plugin plugin-b" in message and "impostor" in message


def test_same_function_again_replaces_quietly() -> None:
    def fn(resource, settings):
        return True

    reg.filter("test.filter.same")(fn)
    reg.filter("test.filter.same", name="Renamed")(fn)
    assert reg.filters.get("test.filter.same").name == "Renamed"


def test_registry_basics() -> None:
    fn = reg.filter("test.filter.a", supported_resources=[])(lambda r, s: True)
    spec = reg.filters.get("test.filter.a")
    assert spec.supports("instance") and spec.supports("bucket")  # [] means every type
    reg.filters.add(spec, aliases=["test.filter.old_a"])
    assert reg.filters.get("test.filter.old_a") is reg.filters.get("test.filter.a")
    assert reg.filters.unregister("test.filter.a", lambda r, s: True) is None  # another function: kept
    assert reg.filters.unregister("test.filter.a", fn) is not None
    with pytest.raises(NotFound):
        reg.filters.get("test.filter.a")
    assert "test.filter.old_a" not in reg.filters
    typed = reg.filter("test.filter.b", supported_resources=["instance"])(lambda r, s: True)
    assert typed and not reg.filters.get("test.filter.b").supports("bucket")


@pytest.mark.parametrize("uid", ["", "has space", None, "x" * 201])
def test_bad_uids_are_refused(uid: object) -> None:
    with pytest.raises(ValidationError):
        reg.action(uid)(lambda *a: None)  # type: ignore[arg-type]


def test_settings_config_must_be_fields_with_unique_names() -> None:
    with pytest.raises(ValidationError, match="two settings"):
        reg.filter("test.filter.dup", settings_config=[StringField(name="a"), StringField(name="a")])(lambda r, s: 1)
    with pytest.raises(ValidationError, match="must be fields"):
        reg.filter("test.filter.bad", settings_config=[{"name": "a"}])(lambda r, s: 1)


def test_validate_settings_collects_every_problem() -> None:
    reg.action(
        "test.action.cfg",
        settings_config=[StringField(name="a", options=FieldOptions.REQUIRED), FloatField(name="n", min_value=0)],
    )(lambda *a: None)
    settings, errors = reg.actions.get("test.action.cfg").validate_settings({"n": -1, "typo": 1})
    assert sorted(e.field for e in errors) == ["a", "n", "typo"]
    assert reg.actions.get("test.action.cfg").settings({"a": "x"}) == {"a": "x", "n": None}


# -- every built-in element: schema and docstring example -----------------------------------------------------

EXAMPLE = re.compile(r"Example::\s*\n(?P<body>(?:\n|[ \t]+.*\n?)+)")


def _example(spec) -> dict:
    doc = inspect.getdoc(spec.function) or ""
    match = EXAMPLE.search(doc + "\n")
    assert match, f"{spec.uid}: docstring has no 'Example::' block"
    return json.loads(match.group("body"))


def test_every_builtin_declares_its_schema_and_a_working_example(bot_builtins: None) -> None:
    specs = [*reg.actions.list(), *reg.filters.list()]
    assert sum(isinstance(s, ActionSpec) for s in specs) >= 10
    assert sum(isinstance(s, FilterSpec) for s in specs) >= 10
    for spec in specs:
        prefix = "divvy.action." if isinstance(spec, ActionSpec) else "divvy.filter."
        assert spec.uid.startswith(prefix), spec.uid
        assert spec.name and spec.description, spec.uid
        assert all(isinstance(f, Field) and f.description for f in spec.settings_config), spec.uid
        schema = spec.to_schema()
        assert json.loads(json.dumps(schema)) == schema, spec.uid
        example = _example(spec)
        assert example["name"] == spec.uid
        _, errors = spec.validate_settings(example["config"])
        assert not errors, f"{spec.uid}: example config is invalid: {errors}"
        if isinstance(spec, ActionSpec):
            assert spec.bulk_action and spec.supports_dry_run, spec.uid


def test_delayed_actions_are_named_as_divvycloud_and_take_hours(bot_builtins: None) -> None:
    for verb in ("stop", "start", "terminate", "reboot", "tag", "untag"):
        spec = reg.actions.get(f"divvy.action.scheduled_{verb}")
        hours = next(f for f in spec.settings_config if f.name == "hours")
        assert isinstance(hours, FloatField) and hours.min_value == 0
        assert spec.event_types and spec.event_types[0].startswith("divvy.")
    assert reg.actions.get("divvy.action.scheduled_stop").event_types == ("divvy.stop_resource",)
    assert reg.actions.get("divvy.action.scheduled_start").event_types == ("divvy.start_resource",)


def test_builtin_install_is_idempotent_and_refills_a_reset_registry(bot_builtins: None) -> None:
    from botfactory.bots.builtin import install

    before = reg.actions.uids(), reg.filters.uids()
    install()
    assert (reg.actions.uids(), reg.filters.uids()) == before
    reg.actions.restore(({}, {}))
    install()
    assert reg.actions.uids() == before[0]
    assert "botfactory.run_bot" in event_registry

"""The event-type registry and DivvyCloud's two ways of registering."""

from __future__ import annotations

import pytest

from botfactory.errors import NotFound, RegistrationError, ValidationError
from botfactory.events import (
    MultiResourceScheduledEventJob,
    ScheduledEventJob,
    ScheduledEventManager,
    ScheduledEventRegistryWrapper,
    registry,
)
from botfactory.events.registry import EventTypeRegistry, owned_by


class StartJob(MultiResourceScheduledEventJob):
    def run(self) -> None:
        pass


class OtherJob(ScheduledEventJob):
    def run(self) -> None:
        pass


def test_manager_register_is_a_class_decorator_with_options() -> None:
    @ScheduledEventManager.register("test.start", max_attempts=5, timeout=30, misfire_grace=60, retry_backoff=2)
    class Job(MultiResourceScheduledEventJob):
        pass

    spec = registry.get("test.start")
    assert spec.job_class is Job
    assert (spec.max_attempts, spec.timeout, spec.misfire_grace, spec.retry_backoff) == (5, 30, 60, 2)
    assert ScheduledEventManager.get("test.start") is Job
    assert "test.start" in ScheduledEventManager.types()


def test_a_different_class_under_a_taken_uid_names_both_classes() -> None:
    registry.register("test.dup", StartJob)
    with pytest.raises(RegistrationError) as err:
        registry.register("test.dup", OtherJob)
    assert "StartJob" in str(err.value) and "OtherJob" in str(err.value)
    assert registry.get("test.dup").job_class is StartJob


def test_the_same_class_again_is_not_an_error() -> None:
    registry.register("test.same", StartJob)
    registry.register("test.same", StartJob)
    assert registry.types().count("test.same") == 1


def test_unregister_and_get_missing() -> None:
    registry.register("test.gone", StartJob)
    assert registry.unregister("test.gone") is not None
    with pytest.raises(NotFound):
        registry.get("test.gone")
    assert registry.find("test.gone") is None


def test_bad_options_are_validation_errors_naming_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        registry.register("test.bad", StartJob, max_attempts=0)
    assert err.value.field == "max_attempts"
    with pytest.raises(ValidationError) as err:
        registry.register("test.bad", StartJob, colour="red")
    assert "colour" in str(err.value)


def test_wrapper_activates_on_load_and_unload_removes_exactly_its_own() -> None:
    events = ScheduledEventRegistryWrapper()

    @events.register("test.wrapped")
    class Wrapped(MultiResourceScheduledEventJob):
        pass

    registry.register("test.unrelated", OtherJob)
    assert "test.wrapped" not in registry, "registration waits for load()"
    events.load()
    assert registry.get("test.wrapped").job_class is Wrapped
    events.load()  # loading twice is harmless
    events.unload()
    assert "test.wrapped" not in registry
    assert "test.unrelated" in registry
    events.load()
    assert "test.wrapped" in registry


def test_unload_leaves_a_uid_that_now_belongs_to_someone_else() -> None:
    target = EventTypeRegistry()
    events = ScheduledEventRegistryWrapper(target)
    events.register("test.x")(StartJob)
    events.load()
    target.unregister("test.x")
    target.register("test.x", OtherJob)
    events.unload()
    assert target.get("test.x").job_class is OtherJob


def test_registrations_inside_owned_by_belong_to_that_owner() -> None:
    target = EventTypeRegistry()
    with owned_by("plugin-a"):
        target.register("a.one", StartJob)
        target.register("a.two", OtherJob)
    target.register("core.three", StartJob)
    assert target.get("a.one").owner == "plugin-a"
    assert sorted(target.unregister_owner("plugin-a")) == ["a.one", "a.two"]
    assert target.types() == ["core.three"]


def test_conflict_message_names_the_plugins() -> None:
    target = EventTypeRegistry()
    with owned_by("plugin-a"):
        target.register("x.y", StartJob)
    with owned_by("plugin-b"), pytest.raises(RegistrationError) as err:
        target.register("x.y", OtherJob)
    assert "plugin-a" in str(err.value) and "plugin-b" in str(err.value)


def test_listeners_hear_changes() -> None:
    target = EventTypeRegistry()
    calls: list[int] = []
    target.subscribe(lambda: calls.append(1))
    target.register("l.one", StartJob)
    target.unregister("l.one")
    assert len(calls) == 2

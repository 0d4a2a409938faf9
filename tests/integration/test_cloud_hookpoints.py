"""DivvyCloud hookpoints: registration, per-type names, owners, old_resource, and a failing handler."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from botfactory.errors import ValidationError
from botfactory.events.registry import owned_by
from botfactory.resources import hookpoints
from botfactory.resources.hookpoints import hookpoint
from botfactory.resources.model import Resource, ResourceId


@pytest.fixture(autouse=True)
def clean_hookpoints() -> Iterator[None]:
    """Start without handlers; afterwards put back whatever was registered (e.g. the bots' built-in ones)."""
    saved = hookpoints.snapshot()
    hookpoints.clear()
    yield
    hookpoints.restore(saved)


def _res(rtype: str = "instance", native: str = "i-1", **kw: Any) -> Resource:
    return Resource(ResourceId(rtype, "1", "us-east-1", native), **kw)


def test_decorator_returns_the_function_and_per_type_names_filter() -> None:
    seen: list[str] = []

    @hookpoint("divvycloud.instance.created")
    def on_instance(resource: Resource) -> None:
        seen.append("instance:" + resource.native_id)

    @hookpoint("divvycloud.resource.created")
    def on_any(resource: Resource) -> None:
        seen.append("any:" + resource.native_id)

    on_instance(_res(native="direct"))  # still a plain function
    assert seen == ["instance:direct"]
    seen.clear()
    assert hookpoints.emit("created", _res(native="i-2")) == 2
    assert hookpoints.emit("created", _res("bucket", "b")) == 1
    assert hookpoints.emit("destroyed", _res()) == 0
    assert seen == ["any:i-2", "instance:i-2", "any:b"]


@pytest.mark.parametrize("name", ["divvycloud.instance.deleted", "instance.created", "divvycloud.Instance.created", ""])
def test_unknown_names_are_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="hookpoint"):
        hookpoint(name)


def test_modified_passes_old_resource_when_accepted() -> None:
    got: dict[str, Any] = {}

    @hookpoint("divvycloud.resource.modified")
    def with_old(resource: Resource, old_resource: Resource | None = None) -> None:
        got["with_old"] = old_resource.state if old_resource else None

    @hookpoint("divvycloud.resource.modified")
    def with_kwargs(resource: Resource, **kwargs: Any) -> None:
        got["kwargs"] = kwargs["old_resource"].state

    @hookpoint("divvycloud.resource.modified")
    def plain(resource: Resource) -> None:
        got["plain"] = resource.state

    hookpoints.emit("modified", _res(state="stopped"), old_resource=_res(state="running"))
    assert got == {"with_old": "running", "kwargs": "running", "plain": "stopped"}


def test_a_raising_handler_is_logged_and_the_others_run(caplog: pytest.LogCaptureFixture) -> None:
    ran: list[str] = []

    @hookpoint("divvycloud.resource.destroyed")
    def broken(resource: Resource) -> None:
        raise RuntimeError("plugin bug")

    @hookpoint("divvycloud.resource.destroyed")
    def fine(resource: Resource) -> None:
        ran.append(resource.native_id)

    with caplog.at_level(logging.ERROR, logger="botfactory.resources.hookpoints"):
        assert hookpoints.emit("destroyed", _res()) == 1
    assert ran == ["i-1"]
    assert "plugin bug" in caplog.text and "broken" in caplog.text


def test_unregister_owner_removes_only_that_plugins_handlers() -> None:
    def mine(resource: Resource) -> None: ...

    def theirs(resource: Resource) -> None: ...

    def builtin(resource: Resource) -> None: ...

    with owned_by("plugin-a"):
        hookpoint("divvycloud.instance.created")(mine)
        hookpoint("divvycloud.resource.destroyed")(mine)
        hookpoints.register("divvycloud.resource.created", builtin, owner=None)  # explicitly nobody's
    with owned_by("plugin-b"):
        hookpoint("divvycloud.instance.created")(theirs)
    assert hookpoints.unregister_owner("plugin-a") == 2
    assert hookpoints.handlers("divvycloud.instance.created") == [theirs]
    assert hookpoints.handlers("divvycloud.resource.destroyed") == []
    assert hookpoints.handlers("divvycloud.resource.created") == [builtin]

"""DivvyCloud's resource hookpoints: plugin functions called when a harvest (or a remediation) changes a resource.

Names are ``divvycloud.resource.created|modified|destroyed`` (every type) and ``divvycloud.<type>.<event>``
(one type, e.g. ``divvycloud.instance.created``)::

    @hookpoint("divvycloud.instance.created")
    def tag_new_instance(resource, **kwargs): ...

A handler gets the resource as its first argument; ``modified`` handlers also get ``old_resource=`` when they
accept it (a parameter of that name or ``**kwargs``). Handlers run after the change is stored. One that raises is
logged and the others still run. Registrations made while a plugin loads belong to it (the events registry's
``current_owner()``), so ``unregister_owner(plugin)`` removes exactly that plugin's handlers.
"""

from __future__ import annotations

import inspect
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from botfactory.errors import ValidationError
from botfactory.events.registry import current_owner
from botfactory.resources.model import Resource

log = logging.getLogger(__name__)

EVENTS = ("created", "modified", "destroyed")
_NAME = re.compile(r"^divvycloud\.([a-z][a-z0-9_]*)\.(created|modified|destroyed)$")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Registration:
    name: str
    handler: Callable[..., Any]
    owner: str | None


_lock = threading.Lock()
_handlers: dict[str, list[Registration]] = {}


def validate_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValidationError(
            f"hookpoint {name!r} is not known: use divvycloud.resource.<event> or divvycloud.<resource type>.<event> "
            f"with <event> one of {', '.join(EVENTS)}",
            field="hookpoint",
            value=name,
        )
    return name


_CURRENT: Any = object()  # "whoever is registering now": the plugin being loaded, if any


def register(name: str, handler: Callable[..., Any], *, owner: str | None = _CURRENT) -> Callable[..., Any]:
    """Call ``handler`` at hookpoint ``name``. Registering the same function twice has no extra effect.

    ``owner`` defaults to the plugin being loaded (``current_owner()``); ``owner=None`` registers a built-in
    handler that no plugin's unload removes."""
    validate_name(name)
    if not callable(handler):
        raise ValidationError(f"hookpoint {name!r}: handler must be callable", field="handler")
    owner = current_owner() if owner is _CURRENT else owner
    with _lock:
        regs = _handlers.setdefault(name, [])
        if not any(r.handler is handler for r in regs):
            regs.append(Registration(name, handler, owner))
    return handler


def hookpoint(name: str) -> Callable[[F], F]:
    """Decorator: register the function at hookpoint ``name`` and return it unchanged."""
    validate_name(name)

    def decorate(fn: F) -> F:
        register(name, fn)
        return fn

    return decorate


def unregister(name: str, handler: Callable[..., Any]) -> bool:
    with _lock:
        regs = _handlers.get(name, [])
        kept = [r for r in regs if r.handler is not handler]
        _handlers[name] = kept
        return len(kept) != len(regs)


def unregister_owner(owner: str) -> int:
    """Remove every handler a plugin registered; returns how many."""
    removed = 0
    with _lock:
        for name, regs in _handlers.items():
            kept = [r for r in regs if r.owner != owner]
            removed += len(regs) - len(kept)
            _handlers[name] = kept
    return removed


def names_owned_by(owner: str) -> list[str]:
    """The hookpoint names ``owner`` (a plugin) has handlers at (for ``plugins list``)."""
    with _lock:
        return sorted(name for name, regs in _handlers.items() if any(r.owner == owner for r in regs))


def clear() -> None:
    """Forget every handler (tests)."""
    with _lock:
        _handlers.clear()


def snapshot() -> dict[str, list[Registration]]:
    with _lock:
        return {name: list(regs) for name, regs in _handlers.items()}


def restore(saved: dict[str, list[Registration]]) -> None:
    """Put back what ``snapshot()`` returned (tests that register their own handlers)."""
    with _lock:
        _handlers.clear()
        _handlers.update({name: list(regs) for name, regs in saved.items()})


def handlers(name: str) -> list[Callable[..., Any]]:
    with _lock:
        return [r.handler for r in _handlers.get(name, [])]


def has_handlers(event: str, resource_type: str) -> bool:
    """Cheap check so a harvest of 100,000 unchanged resources does no per-resource work without listeners."""
    with _lock:
        return bool(
            _handlers.get(f"divvycloud.resource.{event}") or _handlers.get(f"divvycloud.{resource_type}.{event}")
        )


@lru_cache(maxsize=512)
def _accepts_old(handler: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(handler).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "old_resource" or p.kind is p.VAR_KEYWORD for p in params)


def emit(event: str, resource: Resource, old_resource: Resource | None = None) -> int:
    """Call the handlers of ``event`` for ``resource`` (type-wide first, then per type); returns how many ran."""
    if event not in EVENTS:
        raise ValidationError(f"hookpoint event must be one of {EVENTS}, got {event!r}", field="event", value=event)
    with _lock:
        regs = list(_handlers.get(f"divvycloud.resource.{event}", ())) + list(
            _handlers.get(f"divvycloud.{resource.resource_type}.{event}", ())
        )
    ran = 0
    for reg in regs:
        try:
            if event == "modified" and _accepts_old(reg.handler):
                reg.handler(resource, old_resource=old_resource)
            else:
                reg.handler(resource)
            ran += 1
        except Exception:
            # A plugin's bug must not stop the harvest or the other plugins' handlers.
            log.exception("hookpoint %s handler %r failed for %s", reg.name, reg.handler, resource.get_resource_id())
    return ran


def emit_many(event: str, resources: Iterable[Resource]) -> int:
    ran = 0
    for res in resources:
        ran += emit(event, res)
    return ran

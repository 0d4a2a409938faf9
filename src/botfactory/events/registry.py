"""Event types: a plain registry of job classes under unique ids, plus DivvyCloud's two front doors.

``ScheduledEventManager.register(uid)`` registers at once; ``ScheduledEventRegistryWrapper`` records
registrations and activates them on ``load()`` so a plugin's ``unload()`` can take exactly its own away.
Registrations made while a plugin is being loaded are owned by that plugin (``owned_by``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from botfactory.errors import NotFound, RegistrationError, ValidationError
from botfactory.events.isolation import ISOLATIONS, can_fork

T = TypeVar("T", bound=type)

_OPTIONS = ("max_attempts", "retry_backoff", "timeout", "misfire_grace", "cast_args", "isolation")
_current_owner: ContextVar[str | None] = ContextVar("botfactory_registration_owner", default=None)


@contextmanager
def owned_by(owner: str | None) -> Iterator[None]:
    """Registrations made inside belong to ``owner`` (a plugin name)."""
    token = _current_owner.set(owner)
    try:
        yield
    finally:
        _current_owner.reset(token)


def current_owner() -> str | None:
    return _current_owner.get()


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


@dataclass(frozen=True)
class EventTypeSpec:
    """An event type's job class and its run options (defaults for events that do not override them)."""

    uid: str
    job_class: type
    max_attempts: int = 3
    retry_backoff: float = 10.0
    timeout: float | None = None
    misfire_grace: float | None = None
    cast_args: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # "thread", or "process": run() in a forked child that is killed at the timeout (isolation.py).
    isolation: str = "thread"
    owner: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.uid, str) or not self.uid.strip() or len(self.uid) > 200:
            raise ValidationError(
                f"event type id must be a non-empty string of at most 200 characters: {self.uid!r}",
                field="uid",
                value=self.uid,
            )
        if not isinstance(self.job_class, type):
            raise ValidationError(f"event type {self.uid!r}: job must be a class", field="job_class")
        if int(self.max_attempts) < 1:
            raise ValidationError(
                f"event type {self.uid!r}: max_attempts must be >= 1", field="max_attempts", value=self.max_attempts
            )
        if float(self.retry_backoff) < 0:
            raise ValidationError(
                f"event type {self.uid!r}: retry_backoff must be >= 0", field="retry_backoff", value=self.retry_backoff
            )
        for name in ("timeout", "misfire_grace"):
            value = getattr(self, name)
            if value is not None and float(value) <= 0:
                raise ValidationError(f"event type {self.uid!r}: {name} must be > 0", field=name, value=value)
        if self.isolation not in ISOLATIONS:
            raise ValidationError(
                f"event type {self.uid!r}: isolation must be one of {list(ISOLATIONS)}, got {self.isolation!r}",
                field="isolation",
                value=self.isolation,
            )
        if self.isolation == "process" and not can_fork():
            raise ValidationError(
                f"event type {self.uid!r}: isolation 'process' needs os.fork(), which this platform lacks",
                field="isolation",
                value=self.isolation,
            )

    def describe_owner(self) -> str:
        where = f" (plugin {self.owner})" if self.owner else ""
        return f"{_qualname(self.job_class)}{where}"


class EventTypeRegistry:
    def __init__(self) -> None:
        self._specs: dict[str, EventTypeSpec] = {}
        self._lock = threading.RLock()
        self._listeners: list[Callable[[], None]] = []

    def register(self, uid: str, job_class: type | None = None, **options: Any) -> Any:
        """Register ``job_class`` under ``uid``; without a class, return a class decorator."""
        unknown = set(options) - set(_OPTIONS)
        if unknown:
            raise ValidationError(
                f"event type {uid!r}: unknown option(s) {sorted(unknown)}; known: {list(_OPTIONS)}",
                field="options",
                value=sorted(unknown),
            )

        def decorate(cls: T) -> T:
            self.add(EventTypeSpec(uid=uid, job_class=cls, owner=current_owner(), **options))
            return cls

        return decorate if job_class is None else decorate(job_class)

    def add(self, spec: EventTypeSpec) -> EventTypeSpec:
        with self._lock:
            existing = self._specs.get(spec.uid)
            if existing is not None:
                if existing.job_class is spec.job_class or (
                    _qualname(existing.job_class) == _qualname(spec.job_class) and existing.owner == spec.owner
                ):
                    # Same class again (a module re-imported by its own plugin): the newer definition wins.
                    self._specs[spec.uid] = spec
                    self._changed()
                    return spec
                raise RegistrationError(
                    f"event type {spec.uid!r} is already registered to {existing.describe_owner()}; "
                    f"cannot also register {spec.describe_owner()}"
                )
            self._specs[spec.uid] = spec
        self._changed()
        return spec

    def unregister(self, uid: str, job_class: type | None = None) -> EventTypeSpec | None:
        """Remove ``uid`` (only if it still maps to ``job_class``, when given)."""
        with self._lock:
            spec = self._specs.get(uid)
            if spec is None or (job_class is not None and spec.job_class is not job_class):
                return None
            del self._specs[uid]
        self._changed()
        return spec

    def unregister_owner(self, owner: str) -> list[str]:
        with self._lock:
            gone = [uid for uid, spec in self._specs.items() if spec.owner == owner]
            for uid in gone:
                del self._specs[uid]
        if gone:
            self._changed()
        return gone

    def get(self, uid: str) -> EventTypeSpec:
        spec = self._specs.get(uid)
        if spec is None:
            raise NotFound(f"event type {uid!r} is not registered")
        return spec

    def find(self, uid: str) -> EventTypeSpec | None:
        return self._specs.get(uid)

    def types(self) -> list[str]:
        with self._lock:
            return sorted(self._specs)

    def __contains__(self, uid: object) -> bool:
        return uid in self._specs

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every change (workers use it to widen or narrow what they claim)."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def snapshot(self) -> dict[str, EventTypeSpec]:
        with self._lock:
            return dict(self._specs)

    def restore(self, specs: dict[str, EventTypeSpec]) -> None:
        with self._lock:
            self._specs = dict(specs)
        self._changed()

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()


registry = EventTypeRegistry()


class ScheduledEventManager:
    """DivvyCloud's registration API: ``@ScheduledEventManager.register('divvy.start_resource')``."""

    @staticmethod
    def register(uid: str, **options: Any) -> Callable[[T], T]:
        return registry.register(uid, **options)

    @staticmethod
    def unregister(uid: str) -> EventTypeSpec | None:
        return registry.unregister(uid)

    @staticmethod
    def get(uid: str) -> type:
        return registry.get(uid).job_class

    @staticmethod
    def types() -> list[str]:
        return registry.types()


class ScheduledEventRegistryWrapper:
    """Collects a plugin's registrations; ``load()`` activates them and ``unload()`` removes exactly those."""

    def __init__(self, target: EventTypeRegistry | None = None) -> None:
        self._registry = target or registry
        self._recorded: list[EventTypeSpec] = []
        self._active: list[EventTypeSpec] = []

    def register(self, uid: str, **options: Any) -> Callable[[T], T]:
        def decorate(cls: T) -> T:
            self._recorded.append(EventTypeSpec(uid=uid, job_class=cls, **options))
            return cls

        return decorate

    def load(self) -> None:
        owner = current_owner()
        active = {spec.uid for spec in self._active}
        for spec in self._recorded:
            if spec.uid not in active:
                self._active.append(self._registry.add(replace(spec, owner=owner)))

    def unload(self) -> None:
        while self._active:
            spec = self._active.pop()
            self._registry.unregister(spec.uid, spec.job_class)

    @property
    def registered(self) -> list[str]:
        return [spec.uid for spec in self._recorded]

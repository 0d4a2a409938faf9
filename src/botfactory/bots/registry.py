"""Bot actions and filters: two plain registries (after Cloud Custodian) and DivvyCloud's front door.

``actions`` and ``filters`` hold one ``ActionSpec``/``FilterSpec`` per uid. Registrations made while a plugin
loads belong to it (``botfactory.events.registry.owned_by``), so the plugin loader can take exactly a plugin's
elements away with ``unregister_owner``. A uid already held by another owner is refused with a message naming
both. ``BotFactoryRegistryWrapper`` is what plugin code uses: its decorators record, ``load()`` activates and
``unload()`` removes exactly what it activated. Decorators return the function unchanged.

Call shapes: filters ``fn(resource, settings) -> bool``; bulk actions ``fn(bot, settings, matches,
non_matches)``; legacy per-resource actions (``bulk_action=False``) ``fn(event, bot, settings)`` once per match.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from botfactory.bots.fields import Field, FieldError
from botfactory.errors import NotFound, RegistrationError, ValidationError
from botfactory.events.registry import current_owner

F = TypeVar("F", bound=Callable[..., Any])
# Extra meaning checks of a filter or action: given the coerced settings, return (or raise) FieldErrors.
SettingsCheck = Callable[[dict[str, Any]], "Iterable[FieldError] | None"]


def _normalise_types(values: Iterable[Any] | None) -> tuple[str, ...]:
    # DivvyCloud passes ResourceType constants; ours are the plain strings ("instance", "bucket", ...).
    return tuple(str(getattr(v, "value", v)) for v in (values or ()))


def _check_uid(kind: str, uid: Any) -> None:
    if not isinstance(uid, str) or not uid.strip() or len(uid) > 200 or any(c.isspace() for c in uid):
        raise ValidationError(f"{kind} uid must be a non-empty string without spaces: {uid!r}", field="uid", value=uid)


def _check_fields(kind: str, uid: str, fields: Sequence[Any]) -> tuple[Field, ...]:
    names: set[str] = set()
    for item in fields:
        if not isinstance(item, Field):
            raise ValidationError(f"{kind} {uid!r}: settings_config items must be fields, got {item!r}")
        if item.name in names:
            raise ValidationError(f"{kind} {uid!r}: two settings are named {item.name!r}", field=item.name)
        names.add(item.name)
    return tuple(fields)


@dataclass(frozen=True)
class ElementSpec:
    """What filters and actions share: identity, the function, the resource types and the settings."""

    uid: str
    function: Callable[..., Any]
    name: str = ""
    description: str = ""
    supported_resources: tuple[str, ...] = ()
    settings_config: tuple[Field, ...] = ()
    owner: str | None = None
    check: SettingsCheck | None = None

    kind = "element"

    def supports(self, resource_type: str) -> bool:
        """``supported_resources=[]`` means every resource type."""
        return not self.supported_resources or resource_type in self.supported_resources

    def validate_settings(self, config: Any) -> tuple[dict[str, Any], list[FieldError]]:
        """Coerce ``config`` against the declared fields; every problem is returned, not just the first."""
        errors: list[FieldError] = []
        if config is None:
            config = {}
        if not isinstance(config, dict):
            return {}, [FieldError(f"config must be an object, got {type(config).__name__}", field="config")]
        declared = {f.name for f in self.settings_config}
        for key in sorted(set(config) - declared):
            errors.append(
                FieldError(f"field {key!r}: unknown setting (known: {sorted(declared) or 'none'})", field=key)
            )
        settings: dict[str, Any] = {}
        for fld in self.settings_config:
            try:
                settings[fld.name] = fld.validate(config.get(fld.name))
            except FieldError as exc:
                errors.append(exc)
        if not errors and self.check is not None:
            try:
                errors.extend(self.check(settings) or ())
            except FieldError as exc:
                errors.append(exc)
        return settings, errors

    def settings(self, config: Any) -> dict[str, Any]:
        """Coerced settings, or a ValidationError listing every problem."""
        settings, errors = self.validate_settings(config)
        if errors:
            raise ValidationError(f"{self.kind} {self.uid!r}: " + "; ".join(str(e) for e in errors))
        return settings

    def describe_owner(self) -> str:
        fn = self.function
        where = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"
        return f"{where} (plugin {self.owner})" if self.owner else where

    def to_schema(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "kind": self.kind,
            "name": self.name,
            "description": self.description,
            "supported_resources": list(self.supported_resources),
            "settings": [f.to_schema() for f in self.settings_config],
            "owner": self.owner,
        }


@dataclass(frozen=True)
class FilterSpec(ElementSpec):
    kind = "filter"


@dataclass(frozen=True)
class ActionSpec(ElementSpec):
    author: str = ""
    supported_clouds: tuple[str, ...] = ()
    bulk_action: bool = False
    accepts_complement: bool = False
    expensive: bool = False
    admin_only: bool = False
    # Event types a delayed action schedules: validation checks they are registered.
    event_types: tuple[str, ...] = ()
    # Called during a dry run (it checks ``current_bot_run().dry_run`` and only reports); others are not.
    supports_dry_run: bool = False

    kind = "action"

    def to_schema(self) -> dict[str, Any]:
        schema = super().to_schema()
        schema.update(
            author=self.author,
            supported_clouds=list(self.supported_clouds),
            bulk_action=self.bulk_action,
            accepts_complement=self.accepts_complement,
            expensive=self.expensive,
            admin_only=self.admin_only,
            event_types=list(self.event_types),
        )
        return schema


S = TypeVar("S", bound=ElementSpec)


class ElementRegistry:
    """A plain registry of one kind of element: ``register`` (decorator or call), ``unregister``, ``get``,
    ``find``, ``list``, and aliases (old uids that still resolve)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._specs: dict[str, ElementSpec] = {}
        self._aliases: dict[str, str] = {}
        self._lock = threading.RLock()

    def add(self, spec: S, aliases: Iterable[str] = ()) -> S:
        _check_uid(self.kind, spec.uid)
        with self._lock:
            existing = self._specs.get(spec.uid)
            if existing is not None and not _same_origin(existing, spec):
                raise RegistrationError(
                    f"{self.kind} {spec.uid!r} is already registered by {existing.describe_owner()}; "
                    f"cannot also register {spec.describe_owner()}"
                )
            # The same function again (a plugin re-imported by itself): the newer definition wins.
            self._specs[spec.uid] = spec
            for alias in aliases:
                self._aliases[alias] = spec.uid
        return spec

    def unregister(self, uid: str, function: Callable[..., Any] | None = None) -> ElementSpec | None:
        """Remove ``uid`` (only if it still maps to ``function``, when given)."""
        with self._lock:
            spec = self._specs.get(uid)
            if spec is None or (function is not None and spec.function is not function):
                return None
            del self._specs[uid]
            self._aliases = {a: u for a, u in self._aliases.items() if u != uid}
            return spec

    def unregister_owner(self, owner: str) -> list[str]:
        with self._lock:
            gone = sorted(uid for uid, spec in self._specs.items() if spec.owner == owner)
            for uid in gone:
                self.unregister(uid)
            return gone

    def find(self, uid: str) -> ElementSpec | None:
        spec = self._specs.get(uid)
        if spec is None and uid in self._aliases:
            spec = self._specs.get(self._aliases[uid])
        return spec

    def get(self, uid: str) -> ElementSpec:
        spec = self.find(uid)
        if spec is None:
            raise NotFound(f"{self.kind} {uid!r} is not registered")
        return spec

    def list(self) -> list[ElementSpec]:
        with self._lock:
            return [self._specs[uid] for uid in sorted(self._specs)]

    def uids(self) -> list[str]:
        with self._lock:
            return sorted(self._specs)

    def __contains__(self, uid: object) -> bool:
        return isinstance(uid, str) and self.find(uid) is not None

    def snapshot(self) -> tuple[dict[str, ElementSpec], dict[str, str]]:
        with self._lock:
            return dict(self._specs), dict(self._aliases)

    def restore(self, state: tuple[dict[str, ElementSpec], dict[str, str]]) -> None:
        with self._lock:
            self._specs, self._aliases = dict(state[0]), dict(state[1])


def _same_origin(a: ElementSpec, b: ElementSpec) -> bool:
    if a.function is b.function:
        return True
    qual = getattr(a.function, "__qualname__", None), getattr(a.function, "__module__", None)
    return qual == (getattr(b.function, "__qualname__", None), getattr(b.function, "__module__", None)) and (
        a.owner == b.owner
    )


actions = ElementRegistry("action")
filters = ElementRegistry("filter")


def unregister_owner(owner: str) -> dict[str, list[str]]:
    """Take away every action and filter ``owner`` (a plugin) registered."""
    return {"actions": actions.unregister_owner(owner), "filters": filters.unregister_owner(owner)}


def make_action_spec(
    function: Callable[..., Any],
    uid: str,
    name: str = "",
    description: str = "",
    author: str = "",
    supported_resources: Iterable[Any] | None = None,
    supported_clouds: Iterable[Any] | None = None,
    settings_config: Sequence[Field] | None = None,
    bulk_action: bool = False,
    accepts_complement: bool = False,
    expensive: bool = False,
    admin_only: bool = False,
    *,
    event_types: Iterable[str] = (),
    supports_dry_run: bool = False,
    check: SettingsCheck | None = None,
) -> ActionSpec:
    _check_uid("action", uid)
    if not callable(function):
        raise ValidationError(f"action {uid!r} must be a function", field="function")
    return ActionSpec(
        uid=uid,
        function=function,
        name=name or uid,
        description=description or (function.__doc__ or "").strip().split("\n")[0],
        supported_resources=_normalise_types(supported_resources),
        settings_config=_check_fields("action", uid, settings_config or ()),
        check=check,
        author=author,
        supported_clouds=_normalise_types(supported_clouds),
        bulk_action=bool(bulk_action),
        accepts_complement=bool(accepts_complement),
        expensive=bool(expensive),
        admin_only=bool(admin_only),
        event_types=tuple(event_types),
        supports_dry_run=supports_dry_run,
    )


def make_filter_spec(
    function: Callable[..., Any],
    uid: str,
    name: str = "",
    description: str = "",
    supported_resources: Iterable[Any] | None = None,
    settings_config: Sequence[Field] | None = None,
    *,
    check: SettingsCheck | None = None,
) -> FilterSpec:
    _check_uid("filter", uid)
    if not callable(function):
        raise ValidationError(f"filter {uid!r} must be a function", field="function")
    return FilterSpec(
        uid=uid,
        function=function,
        name=name or uid,
        description=description or (function.__doc__ or "").strip().split("\n")[0],
        supported_resources=_normalise_types(supported_resources),
        settings_config=_check_fields("filter", uid, settings_config or ()),
        check=check,
    )


def action(uid: str, **kwargs: Any) -> Callable[[F], F]:
    """Register an action at once (built-ins and scripts); plugins use ``BotFactoryRegistryWrapper``."""

    def decorate(fn: F) -> F:
        actions.add(replace(make_action_spec(fn, uid, **kwargs), owner=current_owner()))
        return fn

    return decorate


def filter(uid: str, **kwargs: Any) -> Callable[[F], F]:
    """Register a filter at once (built-ins and scripts); plugins use ``BotFactoryRegistryWrapper``."""

    def decorate(fn: F) -> F:
        filters.add(replace(make_filter_spec(fn, uid, **kwargs), owner=current_owner()))
        return fn

    return decorate


@dataclass
class BotFactoryRegistryWrapper:
    """DivvyCloud's ``DivvyBotfactory.registry.BotFactoryRegistryWrapper`` for plugins::

    registry = BotFactoryRegistryWrapper()

    @registry.action(uid="custom.action.hello", name="Hello", bulk_action=True, supported_resources=[])
    def hello(bot, settings, matches, non_matches): ...

    def load(): registry.load()
    def unload(): registry.unload()
    """

    _recorded: list[ElementSpec] = field(default_factory=list)
    _active: list[ElementSpec] = field(default_factory=list)

    def action(self, uid: str, **kwargs: Any) -> Callable[[F], F]:
        def decorate(fn: F) -> F:
            self._recorded.append(make_action_spec(fn, uid, **kwargs))
            return fn

        return decorate

    def filter(self, uid: str, **kwargs: Any) -> Callable[[F], F]:
        def decorate(fn: F) -> F:
            self._recorded.append(make_filter_spec(fn, uid, **kwargs))
            return fn

        return decorate

    def load(self) -> None:
        """Activate every recorded element (idempotent; elements a reset registry lost are added again)."""
        owner = current_owner()
        for spec in self._recorded:
            target = _registry_for(spec)
            live = target.find(spec.uid)
            if live is not None and live.function is spec.function:
                continue
            added = target.add(replace(spec, owner=owner))
            self._active = [s for s in self._active if s.uid != spec.uid or _registry_for(s) is not target]
            self._active.append(added)

    def unload(self) -> None:
        while self._active:
            spec = self._active.pop()
            _registry_for(spec).unregister(spec.uid, spec.function)

    @property
    def registered(self) -> list[str]:
        return [spec.uid for spec in self._recorded]


def _registry_for(spec: ElementSpec) -> ElementRegistry:
    return actions if isinstance(spec, ActionSpec) else filters

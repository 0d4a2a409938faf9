"""``ScheduledEventTracker``: schedule events in a block that commits all together, or nothing.

Every call is checked at once (event type registered, schedule valid, ``action_data`` JSON that fits the job's
constructor) so a mistake surfaces where it was made, not hours later in a worker. Rows are written on exit in
batches: ten thousand events are a handful of round trips.
"""

from __future__ import annotations

import gc
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botfactory.clock import now
from botfactory.db import Database
from botfactory.errors import ValidationError
from botfactory.events.context import current_bot_run
from botfactory.events.job import check_job_arguments
from botfactory.events.registry import EventTypeRegistry, EventTypeSpec
from botfactory.events.registry import registry as default_registry
from botfactory.events.store import EventStore
from botfactory.events.store.inserts import event_row
from botfactory.schedule import Once, Schedule, from_json

_OPTION_NAMES = ("max_attempts", "retry_backoff", "timeout", "misfire_grace")
_ROW_OPTIONS = ("max_attempts", "retry_backoff", "misfire_grace", "timeout")  # event_row's order
MAX_DESCRIPTION = 4000


@dataclass(slots=True)
class ScheduledEventHandle:
    """What was scheduled; ``id`` is set when the block commits."""

    event_type: str
    next_run_at: datetime | None
    resource_ids: tuple[str, ...]
    dedupe_key: str | None
    id: int | None = None
    action_data: dict[str, Any] = field(default_factory=dict)


def dedupe_hash(*parts: object) -> str:
    """SHA-256 hex of the logical key: fits MySQL's index limits whatever the key's length."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def resource_id_of(resource: Any) -> str:
    """A resource's id string, from a Resource, a ResourceId, an object with ``resource_id``, or a string."""
    if isinstance(resource, str):
        value = resource
    elif hasattr(resource, "get_resource_id"):
        value = resource.get_resource_id()
    else:
        value = getattr(resource, "resource_id", None)
        if value is not None and not isinstance(value, str):
            value = value.to_string() if hasattr(value, "to_string") else str(value)
    if not isinstance(value, str) or not value.strip() or len(value) > 512:
        raise ValidationError(f"resource has no usable resource_id: {resource!r}", field="resource", value=value)
    return value


def _account_of(resource: Any, resource_id: str) -> str | None:
    account = getattr(resource, "account_id", None)
    if account is not None:
        return str(account)
    parts = resource_id.split(":")
    return parts[1] if len(parts) >= 4 and parts[1] else None


def _json_object(action_data: Any, uid: str) -> dict[str, Any]:
    if action_data is None:
        return {}
    return _json_text(action_data, uid)[0]


def _json_text(action_data: Any, uid: str) -> tuple[dict[str, Any], str]:
    """``action_data`` as a plain JSON object and as the JSON text that is stored."""
    if isinstance(action_data, (str, bytes)):
        try:
            action_data = json.loads(action_data)
        except ValueError as exc:
            raise ValidationError(f"action_data for {uid!r} is not valid JSON: {exc}", field="action_data") from exc
    if not isinstance(action_data, dict):
        raise ValidationError(
            f"action_data for {uid!r} must be a JSON object, got {type(action_data).__name__}",
            field="action_data",
            value=action_data,
        )
    try:
        # Stored data is JSON only: anything that does not survive a round trip is refused here. The text is what
        # gets stored (a repeated key reads back as its last value there too, as in the returned object).
        encoded = json.dumps(action_data, allow_nan=False)
        return json.loads(encoded), encoded
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"action_data for {uid!r} is not JSON-serialisable: {exc}", field="action_data") from exc


# A large block holds its rows and handles until it is written, and every full collection of the cyclic garbage
# collector walks all of them again, with every other object of the process (measured: ~18% of a 100,000-event
# block). From FREEZE_FROM rows on, and again each time the block doubles, what exists is moved out of the
# collector's sight (gc.freeze) until the block is written or dropped. Cyclic garbage made meanwhile is still
# collected; garbage that was already there waits until then.
FREEZE_FROM = 5_000

_SCHEDULE_CLASSES: set[type] = set()  # Schedule being an ABC, isinstance() on it is slow; classes seen pass faster


def _schedule(schedule_data: Any) -> Schedule:
    if type(schedule_data) in _SCHEDULE_CLASSES:
        return schedule_data  # type: ignore[no-any-return]
    if isinstance(schedule_data, Schedule):
        _SCHEDULE_CLASSES.add(type(schedule_data))
        return schedule_data
    if isinstance(schedule_data, (dict, str)):
        try:
            return from_json(schedule_data)
        except ValidationError as exc:
            raise ValidationError(f"schedule_data: {exc}", field="schedule_data", value=exc.value) from exc
    raise ValidationError(
        f"schedule_data must be a schedule (e.g. schedule.Once(...)), got {schedule_data!r}",
        field="schedule_data",
        value=repr(schedule_data),
    )


def _options(spec: EventTypeSpec, options: dict[str, Any]) -> dict[str, Any]:
    unknown = set(options) - set(_OPTION_NAMES)
    if unknown:
        raise ValidationError(
            f"unknown option(s) {sorted(unknown)}; known: {list(_OPTION_NAMES)}", field="options", value=sorted(unknown)
        )
    merged = {name: options.get(name, getattr(spec, name)) for name in _OPTION_NAMES}
    try:
        merged["max_attempts"] = int(merged["max_attempts"])
        merged["retry_backoff"] = float(merged["retry_backoff"])
        for name in ("timeout", "misfire_grace"):
            merged[name] = None if merged[name] is None else float(merged[name])
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"options for {spec.uid!r}: {exc}", field="options") from exc
    if merged["max_attempts"] < 1:
        raise ValidationError("max_attempts must be at least 1", field="max_attempts", value=merged["max_attempts"])
    if merged["retry_backoff"] < 0:
        raise ValidationError("retry_backoff must be >= 0", field="retry_backoff", value=merged["retry_backoff"])
    for name in ("timeout", "misfire_grace"):
        if merged[name] is not None and merged[name] <= 0:
            raise ValidationError(f"{name} must be > 0 seconds", field=name, value=merged[name])
    return merged


class ScheduledEventTracker:
    """Collects events and commits them together when the ``with`` block ends without an exception."""

    def __init__(
        self,
        store: EventStore | Database | None = None,
        *,
        registry: EventTypeRegistry | None = None,
        created_by: str | None = None,
    ) -> None:
        self._store_arg = store
        self._registry = registry or default_registry
        self._created_by = created_by
        # Rows and their handles in two lists: a (row, handle) pair per call would be one more object for the
        # garbage collector to walk again and again while a large block grows.
        self._rows: list[tuple[Any, ...]] = []
        self._handles: list[ScheduledEventHandle] = []
        self.scheduled: list[ScheduledEventHandle] = []
        self._new_block()

    def _new_block(self) -> None:
        if getattr(self, "_frozen", False):
            gc.unfreeze()
        self._frozen = False
        self._freeze_at = FREEZE_FROM
        # Per-block caches: a block's calls mostly repeat one event type, options and schedule. Kept no longer than
        # a block, so a re-registered event type is seen by the next one.
        self._defaults: dict[str, tuple[EventTypeSpec, tuple[Any, ...]]] = {}
        self._checked: set[tuple[str, type, frozenset[str]]] = set()
        self._schedules: dict[object, tuple[Schedule, str]] = {}

    def __del__(self) -> None:
        if getattr(self, "_frozen", False):  # a tracker dropped without commit() or the end of its block
            gc.unfreeze()

    def __enter__(self) -> ScheduledEventTracker:
        self._rows, self._handles = [], []
        self._new_block()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> bool:
        if exc_type is None:
            self.commit()
        else:
            self._rows, self._handles = [], []
            self._new_block()
        return False

    @property
    def store(self) -> EventStore:
        arg = self._store_arg
        if isinstance(arg, EventStore):
            return arg
        return EventStore(arg)

    def commit(self) -> list[ScheduledEventHandle]:
        """Write everything scheduled so far in one transaction (``with`` does this for you)."""
        rows, handles = self._rows, self._handles
        self._rows, self._handles = [], []
        self._new_block()
        if not rows:
            return []
        ids = self.store.insert_event_rows(
            rows, [handle.resource_ids for handle in handles], [handle.dedupe_key for handle in handles]
        )
        for handle, event_id in zip(handles, ids, strict=True):
            handle.id = event_id
        self.scheduled.extend(handles)
        return handles

    def schedule_bot_event(
        self,
        bot: Any,
        resource: Any,
        description: str,
        event_type: str,
        schedule_data: Any,
        action_data: Any = None,
        **options: Any,
    ) -> ScheduledEventHandle:
        """DivvyCloud's call: schedule ``event_type`` for ``resource`` on behalf of ``bot``."""
        bot_id = getattr(bot, "bot_id", None)
        if bot_id is None:
            raise ValidationError(f"bot has no bot_id: {bot!r}", field="bot")
        resource_id = resource_id_of(resource)
        scope = current_bot_run()
        in_bot_run = scope is not None and scope.bot_id == str(bot_id)
        return self._add(
            event_type,
            schedule_data,
            description=description,
            resource_ids=(resource_id,),
            action_data=action_data,
            dedupe_key=dedupe_hash("bot", bot_id, resource_id, event_type) if in_bot_run else None,
            bot_id=str(bot_id),
            account_id=_account_of(resource, resource_id),
            created_by=str(getattr(bot, "resource_id", None) or f"divvybot:1:{bot_id}:"),
            revalidate=in_bot_run,
            options=options,
        )

    def schedule_event(
        self,
        event_type: str,
        schedule_data: Any,
        description: str = "",
        resources: Any = (),
        action_data: Any = None,
        dedupe_key: str | None = None,
        *,
        bot_id: str | int | None = None,
        account_id: str | int | None = None,
        created_by: str | None = None,
        **options: Any,
    ) -> ScheduledEventHandle:
        """Schedule ``event_type`` for any number of resources (or none). ``dedupe_key``: at most one live
        event per key; scheduling it again returns the live event instead of adding one."""
        if type(resources) is tuple and not resources:
            resource_ids: tuple[str, ...] = ()
        else:
            if isinstance(resources, (str, bytes)) or not hasattr(resources, "__iter__"):
                resources = [resources]
            resource_ids = tuple(resource_id_of(res) for res in resources)
        if account_id is None and resource_ids:
            account_id = _account_of(next(iter(resources)), resource_ids[0])
        if dedupe_key is not None and (not isinstance(dedupe_key, str) or not dedupe_key):
            raise ValidationError("dedupe_key must be a non-empty string", field="dedupe_key", value=dedupe_key)
        return self._add(
            event_type,
            schedule_data,
            description=description,
            resource_ids=resource_ids,
            action_data=action_data,
            dedupe_key=dedupe_hash("key", dedupe_key) if dedupe_key else None,
            bot_id=None if bot_id is None else str(bot_id),
            account_id=None if account_id is None else str(account_id),
            created_by=created_by,
            revalidate=False,
            options=options,
        )

    def _add(
        self,
        event_type: str,
        schedule_data: Any,
        *,
        description: str,
        resource_ids: tuple[str, ...],
        action_data: Any,
        dedupe_key: str | None,
        bot_id: str | None,
        account_id: str | None,
        created_by: str | None,
        revalidate: bool,
        options: dict[str, Any],
    ) -> ScheduledEventHandle:
        spec = self._registry.find(event_type) if isinstance(event_type, str) else None
        if spec is None:
            known = ", ".join(self._registry.types()[:20]) or "none"
            raise ValidationError(
                f"event_type {event_type!r} is not registered (registered: {known})",
                field="event_type",
                value=event_type,
            )
        schedule = _schedule(schedule_data)
        if action_data is None or (type(action_data) is dict and not action_data):
            data: dict[str, Any] = {}
            data_json = "{}"
        else:
            data, data_json = _json_text(action_data, event_type)
        checked = (spec.uid, spec.job_class, frozenset(data))
        if checked not in self._checked:
            check_job_arguments(event_type, spec.job_class, data)
            self._checked.add(checked)
        if description is None:
            description = ""
        elif type(description) is not str:
            description = str(description)
        if len(description) > MAX_DESCRIPTION or "\x00" in description:
            raise ValidationError(
                f"description must be at most {MAX_DESCRIPTION} characters without NUL bytes", field="description"
            )
        opts = self._run_options(spec, options)
        moment = now()
        first = schedule.first(moment)
        handle = ScheduledEventHandle(event_type, first, resource_ids, dedupe_key, action_data=data)
        scope = current_bot_run()
        if scope is not None and scope.dry_run:
            self.scheduled.append(handle)  # a dry run shows what would be scheduled and writes nothing
            return handle
        row = event_row(
            event_type,
            self._schedule_json(schedule),
            first,
            moment,
            description,
            *opts,
            bot_id,
            account_id,
            data_json,
            dedupe_key,
            revalidate,
            created_by or self._created_by,
        )
        self._rows.append(row)
        self._handles.append(handle)
        if len(self._rows) >= self._freeze_at:
            gc.freeze()
            self._frozen = True
            self._freeze_at *= 2
        return handle

    def _run_options(self, spec: EventTypeSpec, options: dict[str, Any]) -> tuple[Any, ...]:
        """Merged run options in ``event_row`` order; the event type's defaults are merged once per block."""
        if options:
            merged = _options(spec, options)
        else:
            cached = self._defaults.get(spec.uid)
            if cached is not None and cached[0] is spec:
                return cached[1]
            merged = _options(spec, {})
        values = tuple(merged[name] for name in _ROW_OPTIONS)
        if not options:
            self._defaults[spec.uid] = (spec, values)
        return values

    def _schedule_json(self, schedule: Schedule) -> str:
        """The schedule's JSON text, encoded once per distinct ``Once`` time or schedule object in a block."""
        when = schedule.when if type(schedule) is Once else None  # type: ignore[attr-defined]
        # A Once's JSON is its time alone; other schedules are cached per object, which callers often reuse.
        key: object = when if type(when) is datetime else id(schedule)
        cached = self._schedules.get(key)
        if cached is None or (key is not when and cached[0] is not schedule):
            # Holding the schedule keeps its id from being reused by another object during the block.
            cached = (schedule, json.dumps(schedule.to_json()))
            self._schedules[key] = cached
        return cached[1]


def cast_scheduled_event_args(action_data: Any) -> dict[str, Any]:
    """DivvyCloud's helper: ``action_data`` as given (a dict or a JSON string) turned into a plain JSON object."""
    return _json_object(action_data, "scheduled event")

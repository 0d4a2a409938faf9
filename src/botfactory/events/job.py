"""Job base classes in DivvyCloud's shape, and the check that an event's arguments fit its job class.

A job is built with ``resource_id`` (or ``resource_ids``), ``user_resource_id``, ``scheduled_event_id``,
``scheduled_event_type`` and the event's ``action_data`` as keyword arguments. The occurrence it runs for is set
afterwards as ``scheduled_for`` so DivvyCloud-style constructors keep working unchanged.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from botfactory.clock import as_utc
from botfactory.errors import ValidationError

HISTORY_STATUSES = ("SUCCESS", "ERROR", "SKIPPED", "TIMEOUT", "MISSED")
STANDARD_ARGS = ("resource_id", "resource_ids", "user_resource_id", "scheduled_event_id", "scheduled_event_type")


@dataclass(frozen=True)
class HistoryEntry:
    """What a job reported about its own run through ``store_event_history``."""

    start_time: datetime
    finish_time: datetime
    status: str
    result_data: str | None
    resource_id: str | None = None


class ScheduledEventJob:
    """A job that acts on one resource. Subclasses implement ``run()``."""

    def __init__(
        self,
        resource_id: str | None = None,
        user_resource_id: str | None = None,
        scheduled_event_id: int | None = None,
        scheduled_event_type: str | None = None,
        **action_data: Any,
    ) -> None:
        self.resource_id = resource_id
        self.user_resource_id = user_resource_id
        self.scheduled_event_id = scheduled_event_id
        self.scheduled_event_type = scheduled_event_type
        self.action_data = action_data
        self.scheduled_for: datetime | None = None
        self.history_records: list[HistoryEntry] = []

    def run(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement run()")

    def store_event_history(
        self, start_time: datetime, finish_time: datetime, status: str, result_data: Any = None
    ) -> None:
        """Record this run's outcome yourself; the worker then records nothing of its own for it."""
        status = str(status).upper()
        if status not in HISTORY_STATUSES:
            raise ValidationError(
                f"status must be one of {HISTORY_STATUSES}, got {status!r}", field="status", value=status
            )
        text = None if result_data is None else result_data if isinstance(result_data, str) else repr(result_data)
        self.history_records.append(
            HistoryEntry(as_utc(start_time), as_utc(finish_time), status, text, self.resource_id)
        )


class MultiResourceScheduledEventJob(ScheduledEventJob):
    """A job that acts on every resource its event targets at once (``resource_ids``)."""

    def __init__(
        self,
        resource_ids: list[str] | tuple[str, ...] | None = None,
        user_resource_id: str | None = None,
        scheduled_event_id: int | None = None,
        scheduled_event_type: str | None = None,
        **action_data: Any,
    ) -> None:
        ids = list(resource_ids or [])
        super().__init__(
            ids[0] if ids else None, user_resource_id, scheduled_event_id, scheduled_event_type, **action_data
        )
        self.resource_ids = ids


def is_multi_resource(job_class: type) -> bool:
    return issubclass(job_class, MultiResourceScheduledEventJob)


@dataclass(frozen=True)
class _Signature:
    names: frozenset[str]
    required: frozenset[str]
    takes_kwargs: bool


@lru_cache(maxsize=1024)
def _signature(job_class: type) -> _Signature:
    params = list(inspect.signature(job_class.__init__).parameters.values())[1:]
    names = frozenset(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
    required = frozenset(
        p.name
        for p in params
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.default is p.empty and p.name not in STANDARD_ARGS
    )
    return _Signature(names, required, any(p.kind is p.VAR_KEYWORD for p in params))


def check_job_arguments(uid: str, job_class: type, action_data: dict[str, Any]) -> None:
    """Raise ValidationError unless ``action_data`` can be passed to ``job_class``'s constructor."""
    sig = _signature(job_class)
    reserved = sorted(set(action_data) & set(STANDARD_ARGS))
    if reserved:
        raise ValidationError(
            f"action_data for {uid!r} may not set {reserved}: the scheduler provides them",
            field="action_data",
            value=reserved,
        )
    if not sig.takes_kwargs:
        unknown = sorted(set(action_data) - sig.names)
        if unknown:
            raise ValidationError(
                f"action_data for {uid!r} has {unknown}, which {job_class.__name__}() does not accept "
                f"(it takes {sorted(sig.names - set(STANDARD_ARGS))})",
                field="action_data",
                value=unknown,
            )
    missing = sorted(sig.required - set(action_data))
    if missing:
        raise ValidationError(
            f"action_data for {uid!r} lacks {missing}, required by {job_class.__name__}()",
            field="action_data",
            value=missing,
        )

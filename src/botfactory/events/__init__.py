"""Scheduled events: registry, job base classes, tracker, store and worker (DESIGN §6 native exports)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botfactory.events.job import HistoryEntry, MultiResourceScheduledEventJob, ScheduledEventJob
from botfactory.events.records import EventRecord, HistoryRecord
from botfactory.events.registry import (
    EventTypeSpec,
    ScheduledEventManager,
    ScheduledEventRegistryWrapper,
    registry,
)
from botfactory.events.store import EventFilter, EventStore, HistoryFilter, NewEvent
from botfactory.events.tracker import ScheduledEventTracker, cast_scheduled_event_args
from botfactory.schedule import schedule_hours_from_now

if TYPE_CHECKING:
    from botfactory.events.worker import Worker

__all__ = [
    "EventFilter",
    "EventRecord",
    "EventStore",
    "EventTypeSpec",
    "HistoryEntry",
    "HistoryFilter",
    "HistoryRecord",
    "MultiResourceScheduledEventJob",
    "NewEvent",
    "ScheduledEventJob",
    "ScheduledEventManager",
    "ScheduledEventRegistryWrapper",
    "ScheduledEventTracker",
    "Worker",
    "cast_scheduled_event_args",
    "registry",
    "schedule_hours_from_now",
]


def __getattr__(name: str) -> Any:
    # The worker brings threads, slots and the LISTEN client; plugin code importing the API needs none of it.
    if name == "Worker":
        from botfactory.events.worker import Worker

        return Worker
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

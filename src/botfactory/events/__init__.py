"""The scheduled-events layer: registry, jobs, tracker, store and worker (DESIGN §2 layer 3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botfactory.events.job import MultiResourceScheduledEventJob, ScheduledEventJob
from botfactory.events.registry import (
    EventTypeSpec,
    ScheduledEventManager,
    ScheduledEventRegistryWrapper,
    registry,
)
from botfactory.events.store import EventFilter, EventStore, HistoryFilter
from botfactory.events.tracker import ScheduledEventTracker
from botfactory.schedule import schedule_hours_from_now

if TYPE_CHECKING:
    from botfactory.events.worker import Worker

__all__ = [
    "EventFilter",
    "EventStore",
    "EventTypeSpec",
    "HistoryFilter",
    "MultiResourceScheduledEventJob",
    "ScheduledEventJob",
    "ScheduledEventManager",
    "ScheduledEventRegistryWrapper",
    "ScheduledEventTracker",
    "Worker",
    "registry",
    "schedule_hours_from_now",
]


def __getattr__(name: str) -> Any:
    # The worker pulls in threading and execution machinery that plugin code importing the API does not need.
    if name == "Worker":
        from botfactory.events.worker import Worker

        return Worker
    raise AttributeError(name)

"""In-process wake-ups: "an event became due at T". The tracker and run-now publish; idle workers listen.

Across processes PostgreSQL carries the same news with NOTIFY on ``DUE_CHANNEL``; other databases rely on
polling. Listeners must be quick and must not raise: they run on the publisher's thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

log = logging.getLogger(__name__)

DUE_CHANNEL = "botfactory_due"

Listener = Callable[[datetime], None]
_listeners: list[Listener] = []
_lock = threading.Lock()


def subscribe(listener: Listener) -> None:
    with _lock:
        _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    with _lock:
        if listener in _listeners:
            _listeners.remove(listener)


def publish_due(when: datetime) -> None:
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(when)
        except Exception:  # a broken listener must not fail the scheduler's commit
            log.exception("due-signal listener failed")

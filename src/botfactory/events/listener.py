"""PostgreSQL LISTEN on ``DUE_CHANNEL``: wakes an idle worker when another process schedules something due.

It holds its own autocommit psycopg connection, outside SQLAlchemy's pool (a pooled connection would be
recycled, pinged and handed to others; LISTEN belongs to one session). When the connection breaks (server
restart) it reconnects with backoff and LISTENs again, then wakes the worker once, because notifications sent
while it was away are lost. Polling stays the fallback (DESIGN §9 "LISTEN/NOTIFY").
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

import psycopg

from botfactory.events.signals import DUE_CHANNEL

log = logging.getLogger(__name__)

_MAX_BACKOFF = 5.0


def _parse(payload: str) -> datetime | None:
    try:
        return datetime.fromisoformat(payload)
    except ValueError:
        return None


class DueListener:
    """A daemon thread that calls ``on_due(when)`` for each notification (``None``: something may be due)."""

    def __init__(self, conninfo: str, on_due: Callable[[datetime | None], None], *, name: str = "due-listener") -> None:
        self._conninfo = conninfo
        self._on_due = on_due
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.connected = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {DUE_CHANNEL}")
                    self.connected.set()
                    backoff = 0.1
                    self._on_due(None)
                    while not self._stop.is_set():
                        # A short timeout so stop() is noticed; notifies() raises when the server goes away.
                        for note in conn.notifies(timeout=0.5):
                            self._on_due(_parse(note.payload))
            except psycopg.Error as exc:
                self.connected.clear()
                if self._stop.is_set():
                    return
                log.warning("LISTEN %s connection lost (%s); reconnecting in %.1f s", DUE_CHANNEL, exc, backoff)
                self._stop.wait(backoff)
                backoff = min(_MAX_BACKOFF, backoff * 2)
            except Exception:  # never let the listener thread die silently: polling would hide it
                log.exception("LISTEN %s failed; retrying", DUE_CHANNEL)
                self._stop.wait(_MAX_BACKOFF)
        self.connected.clear()

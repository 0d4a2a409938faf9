"""The background thread that applies the fleet-wide plugin state every few seconds."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class SyncThread(threading.Thread):
    """Calls ``apply`` every ``interval`` seconds until ``stop()``; an error is logged and tried again next time."""

    def __init__(self, apply: Callable[[], Any], interval: float = 2.0) -> None:
        super().__init__(name="botfactory-plugin-sync", daemon=True)
        if interval <= 0:
            raise ValueError("interval must be > 0 seconds")
        self._apply = apply
        self.interval = interval
        self._stopping = threading.Event()
        # Counts finished rounds, so a caller can wait for "one more sync" without sleeping and hoping.
        self.rounds = 0
        self._round_done = threading.Condition()

    def run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self._apply()
            except Exception:
                # The database may be briefly away: keep what is loaded and try again at the next tick.
                log.warning("plugin sync failed; keeping the plugins loaded as they are", exc_info=True)
            with self._round_done:
                self.rounds += 1
                self._round_done.notify_all()

    def wait_rounds(self, count: int = 1, timeout: float = 30.0) -> bool:
        """Block until ``count`` more rounds finished (True) or ``timeout`` passed (False)."""
        with self._round_done:
            target = self.rounds + count
            return self._round_done.wait_for(lambda: self.rounds >= target, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

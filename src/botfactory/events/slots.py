"""The worker's slots: a fixed set of daemon threads that run claimed events. The worker's loop decides
everything (what to claim, when a job timed out); a slot only runs what it is given and reports back.

A slot whose job outlived its timeout stays occupied until that job's thread returns: threads cannot be
killed, so the loop records ``TIMEOUT`` and stops counting the slot as free instead (DESIGN §9 "Timeouts").
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from botfactory.clock import get_clock
from botfactory.events.execution import Execution
from botfactory.events.lifecycle import HistoryRow, Outcome
from botfactory.events.prefetch import STUCK_AFTER, Prefetch

log = logging.getLogger(__name__)


@dataclass
class Running:
    """A job on a slot thread. ``abandoned`` once its timeout has been recorded; its result is then dropped."""

    execution: Execution
    timeout: float | None
    deadline: float | None = None
    abandoned: bool = False
    # perf_counter() at the start: how long jobs really run, whatever clock schedules them.
    began: float = field(default_factory=time.perf_counter)


class Slots:
    def __init__(
        self,
        size: int,
        name: str,
        on_done: Callable[[Outcome], None],
        *,
        on_free: Callable[[], None] = lambda: None,
        prefetch: Prefetch | None = None,
    ) -> None:
        self.size = size
        # Events claimed ahead of a free thread: fewer claim rounds for short jobs (see prefetch.py).
        self.prefetch = prefetch or Prefetch.fixed(0)
        self._name = name
        self._on_done = on_done
        # Called when a slot frees up without a result to report (an abandoned job returned), so the loop
        # notices the free slot at once instead of at its next poll.
        self._on_free = on_free
        lock = threading.Lock()
        self._cond = threading.Condition(lock)  # work arrived (slots wait on it)
        self._picked = threading.Condition(lock)  # a slot took work (the loop may wait on it)
        self._idle = 0
        self._queue: deque[tuple[Execution, float | None]] = deque()
        self._running: dict[int, Running] = {}
        self._keys = itertools.count()
        self._closing = False
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for n in range(self.size):
            thread = threading.Thread(target=self._serve, name=f"{self._name}-slot-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    # -- the loop's view -----------------------------------------------------------------------------------

    def _limit(self) -> int:
        """Events that may be running or queued now (the lock is held)."""
        now = time.perf_counter()
        stuck = sum(1 for run in self._running.values() if now - run.began > STUCK_AFTER)
        return self.size + self.prefetch.ahead(self.size, stuck=stuck)

    def free(self) -> int:
        """Events to claim now (a timed-out job's thread still holds its slot)."""
        with self._cond:
            return max(0, self._limit() - len(self._running) - len(self._queue))

    def surplus(self) -> list[Execution]:
        """Take queued events beyond what may be held now out of the queue (the latest-due first): jobs that
        turned out slow shrank the budget, and the caller gives these back for other workers to start."""
        if not self.prefetch.is_auto:
            return []  # a fixed count never shrinks
        with self._cond:
            extra = len(self._running) + len(self._queue) - self._limit()
            if extra <= 0:
                return []
            return [self._queue.pop()[0] for _ in range(min(extra, len(self._queue)))]

    def submit(self, execution: Execution, timeout: float | None) -> None:
        with self._cond:
            self._queue.append((execution, timeout))
            self._cond.notify()

    def wait_picked_up(self, timeout: float) -> None:
        """Block (releasing the GIL) until idle slots have taken the queued work, at most ``timeout`` seconds:
        otherwise the loop's next round of Python work can hold the GIL for a whole switch interval (5 ms)
        before the slot thread gets to start the job."""
        with self._picked:
            self._picked.wait_for(lambda: not self._queue or not self._idle, timeout)

    def held(self) -> dict[int, int]:
        """Event id -> attempt of every lease this worker must keep: queued and running, not abandoned."""
        with self._cond:
            held = {ex.event.id: ex.event.attempt for ex, _ in self._queue}
            held.update(
                {r.execution.event.id: r.execution.event.attempt for r in self._running.values() if not r.abandoned}
            )
            return held

    def busy(self) -> bool:
        """Anything queued or running that still counts (abandoned threads do not)."""
        with self._cond:
            return bool(self._queue) or any(not r.abandoned for r in self._running.values())

    def next_deadline(self) -> float | None:
        with self._cond:
            deadlines = [r.deadline for r in self._running.values() if r.deadline is not None and not r.abandoned]
        return min(deadlines, default=None)

    def expire(self, now_mono: float) -> list[Running]:
        """Mark jobs past their deadline abandoned and return them (the caller records TIMEOUT)."""
        expired = []
        with self._cond:
            for run in self._running.values():
                if not run.abandoned and run.deadline is not None and now_mono >= run.deadline:
                    run.abandoned = True
                    expired.append(run)
        return expired

    def abandon_all(self) -> list[Running]:
        """At shutdown after the grace period: stop waiting for every running job; return them."""
        with self._cond:
            runs = [run for run in self._running.values() if not run.abandoned]
            for run in runs:
                run.abandoned = True
        return runs

    def drop(self, event_ids: set[int]) -> list[Execution]:
        """Take queued (not started) events out of the queue: their leases were lost, or we are stopping."""
        with self._cond:
            dropped = [ex for ex, _ in self._queue if ex.event.id in event_ids]
            self._queue = deque(item for item in self._queue if item[0].event.id not in event_ids)
        return dropped

    def drain(self) -> list[Execution]:
        with self._cond:
            dropped = [ex for ex, _ in self._queue]
            self._queue.clear()
        return dropped

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()

    # -- the slot threads ----------------------------------------------------------------------------------

    def _serve(self) -> None:
        while True:
            with self._cond:
                self._idle += 1
                while not self._queue and not self._closing:
                    self._cond.wait()
                self._idle -= 1
                if not self._queue:
                    return
                execution, timeout = self._queue.popleft()
                self._picked.notify_all()
                key = next(self._keys)
                run = Running(execution, timeout)
                if timeout is not None:
                    run.deadline = get_clock().monotonic() + timeout
                self._running[key] = run
            try:
                outcome = execution.run()
            except BaseException:  # noqa: B036  Execution records job failures; this is a bug of ours
                log.exception("running event %s failed unexpectedly", execution.event.id)
                now = get_clock().now()
                text = f"worker error while running the event:\n{traceback.format_exc()}"[-16_000:]
                rids = execution.event.resource_ids or ("",)
                outcome = Outcome(execution.event, tuple(HistoryRow(rid, now, now, "ERROR", text) for rid in rids))
            self.prefetch.record(time.perf_counter() - run.began)
            with self._cond:
                # Queue the outcome before the slot counts as free: "nothing busy" must imply "every result
                # queued", or a shutdown (or the end of a burst) could miss this one and leave the event running.
                report = not run.abandoned
                if report:
                    self._on_done(outcome)
                del self._running[key]
            if not report:
                log.info("event %s: abandoned job finished; its result is discarded", execution.event.id)
                self._on_free()

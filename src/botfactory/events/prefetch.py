"""How many events a worker claims ahead of its free slots.

Claiming ahead saves claim rounds for short jobs, but an event held in one worker's queue is an event no other
worker can start. ``Prefetch.auto()`` (the default) keeps that cost bounded in *time* rather than in count:
it holds at most what its slots would start within ``AHEAD_WINDOW`` seconds at the job durations it has seen.
Tiny jobs (a tag, a no-op, a state check) are then claimed hundreds at a time; jobs of a second or more are
never claimed ahead, so a busy fleet stays fair. Before the first job has finished there is nothing to go on,
so nothing is claimed ahead.

The average only learns from finished jobs, so a slot whose job has run past ``STUCK_AFTER`` counts as gone:
it will not start anything held for it soon. The worker then gives back what it holds beyond the smaller budget
(``Slots.surplus()``), and other workers can start it.

``Prefetch.fixed(n)`` is the old knob: always ``n`` ahead (0: never).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from botfactory.errors import ValidationError

# The work one worker may hold ahead, in seconds of its slots' time: short enough that no other worker waits
# noticeably for an event held here, long enough to amortise a claim round trip over many tiny jobs.
AHEAD_WINDOW = 0.05
# A slot whose job has run this long is not expected to free up within the window.
STUCK_AFTER = 2 * AHEAD_WINDOW
# A ceiling on events held ahead however short the jobs (bounds memory, lease renewals and shutdown releases).
MAX_AHEAD = 500
# Weight of the newest duration in the moving average: adapts within a few dozen jobs, ignores one outlier.
# Until 1 / _ALPHA jobs have been seen it is their plain mean, so one slow first job (it also opened a database
# connection) does not hold the budget down for the next hundred.
_ALPHA = 0.05


@dataclass
class Prefetch:
    """``fixed``: a constant count ahead; otherwise adaptive (see the module doc)."""

    fixed_count: int | None = None
    _mean: float | None = field(default=None, repr=False)
    _seen: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def auto(cls) -> Prefetch:
        return cls()

    @classmethod
    def fixed(cls, count: int) -> Prefetch:
        if count < 0:
            raise ValidationError(
                f"prefetch: must be 'auto' or a whole number >= 0, got {count!r}", field="prefetch", value=count
            )
        return cls(fixed_count=count)

    @classmethod
    def parse(cls, value: Prefetch | int | str | None) -> Prefetch:
        """``None`` or ``"auto"``: adaptive; a whole number (or its text): fixed."""
        if isinstance(value, Prefetch):
            return value
        if value is None or (isinstance(value, str) and value.strip().lower() == "auto"):
            return cls.auto()
        if isinstance(value, str) and value.strip().isdigit():
            return cls.fixed(int(value))
        if isinstance(value, int) and not isinstance(value, bool):
            return cls.fixed(value)
        raise ValidationError(
            f"prefetch: must be 'auto' or a whole number >= 0, got {value!r}", field="prefetch", value=value
        )

    @property
    def is_auto(self) -> bool:
        return self.fixed_count is None

    def record(self, seconds: float) -> None:
        """A slot finished a job that ran ``seconds`` (called on slot threads)."""
        if self.fixed_count is not None:
            return
        seconds = max(0.0, seconds)
        with self._lock:
            self._seen += 1
            weight = max(_ALPHA, 1.0 / self._seen)
            self._mean = seconds if self._mean is None else self._mean + weight * (seconds - self._mean)

    def ahead(self, slots: int, *, stuck: int = 0) -> int:
        """Events to hold beyond ``slots`` slots, ``stuck`` of which run a job older than ``STUCK_AFTER``."""
        if self.fixed_count is not None:
            return self.fixed_count
        mean, moving = self._mean, slots - stuck
        if mean is None or moving <= 0:
            return 0
        if mean <= 0:
            return MAX_AHEAD
        return min(MAX_AHEAD, int(moving * AHEAD_WINDOW / mean))

    def describe(self) -> str:
        return "auto" if self.fixed_count is None else str(self.fixed_count)

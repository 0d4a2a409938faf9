"""A process-wide gate between database work and ``fork()``.

``fork()`` copies only the calling thread. If another thread is inside a database driver at that moment, the
driver's own locks stay held in the child for ever: SQLite keeps process-wide mutexes, and a child that opens a
connection then waits on one of them. (Measured: 5 of 300 forked jobs reading SQLite hung while the worker's
loop thread was claiming and completing.) So every ``Database.read()``/``write()`` block holds the gate shared,
and ``botfactory.events.isolation`` forks holding it exclusively: the fork waits until no thread of this process
is inside a database block, and new blocks wait until the fork has happened (a millisecond or so). The gate is
only ever closed by process-isolated jobs; without them it costs two uncontended lock round trips per block.

Shared holds are re-entrant per thread (a block inside a block never waits for a pending fork, which would wait
for it in turn). The child gets a fresh gate: whatever the parent's threads held is not its concern.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ForkGate:
    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._active = 0  # threads inside database blocks
        self._forking = 0  # threads waiting to fork or forking
        self._local = threading.local()

    @contextmanager
    def shared(self) -> Iterator[None]:
        """Around a database block."""
        depth = getattr(self._local, "depth", 0)
        if depth == 0:
            with self._cond:
                while self._forking:
                    self._cond.wait()
                self._active += 1
        self._local.depth = depth + 1
        try:
            yield
        finally:
            self._local.depth = depth
            if depth == 0:
                with self._cond:
                    self._active -= 1
                    if not self._active:
                        self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Around ``fork()``: no other thread is inside a database block meanwhile."""
        own = 1 if getattr(self._local, "depth", 0) else 0  # forking from inside a block: do not wait for it
        with self._cond:
            self._forking += 1
            while self._active > own:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._forking -= 1
                self._cond.notify_all()


fork_gate = ForkGate()

if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=fork_gate._reset)

"""rq on Redis: ``Queue.enqueue_at`` to schedule; ``rq worker --burst`` (rq's default ``Worker``, which forks a
work horse per job) to dispatch."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.harness import Proc, spawn
from bench.peers import runlog
from bench.services import redis_client, redis_flush, redis_url

QUEUE = "bench"


def _queue() -> Any:
    from rq import Queue

    return Queue(QUEUE, connection=redis_client("rq"))


def schedule(params: dict[str, Any]) -> dict[str, Any]:
    from rq.registry import ScheduledJobRegistry

    from bench.peers.rq_tasks import noop

    n = int(params["n"])
    redis_flush("rq")
    queue = _queue()
    later = datetime.now(UTC) + timedelta(days=1)
    for i in range(10):
        queue.enqueue_at(later, noop, i)
    redis_flush("rq")
    started = time.perf_counter()
    for i in range(n):
        queue.enqueue_at(later, noop, i)
    seconds = time.perf_counter() - started
    stored = ScheduledJobRegistry(queue=queue).count
    if stored != n:
        raise RuntimeError(f"scheduled {n} jobs but the registry holds {stored}")
    return {"value": n / seconds, "seconds": seconds, "n": n, "stored": stored}


def fill(n: int) -> None:
    from bench.peers.rq_tasks import noop

    redis_flush("rq")
    queue = _queue()
    for i in range(n):
        queue.enqueue(noop, i)


def start_workers(count: int) -> list[Proc]:
    argv = [sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", redis_url("rq"), "--logging_level", "WARNING"]
    return [spawn(f"rq-{i}", [*argv, "--name", f"bench-rq-{i}-{time.monotonic_ns()}", QUEUE]) for i in range(count)]


def verify(n: int) -> dict[str, Any]:
    from rq.registry import FinishedJobRegistry

    result = runlog.summary(redis_client("rq"), n)
    result["results_stored"] = FinishedJobRegistry(queue=_queue()).count
    return result

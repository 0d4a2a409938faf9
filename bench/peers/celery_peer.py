"""Celery 5 on Redis: ``apply_async(countdown=...)`` to schedule; prefork workers (``-c 1`` each) to dispatch.

Worker flags: ``-P prefork -c 1`` (one child process executing tasks: the per-process figure), default prefetch
multiplier (4), ``--without-gossip --without-mingle --without-heartbeat`` (they only cost start-up and idle
chatter between workers, not task throughput).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from bench.harness import Proc, spawn
from bench.peers import runlog
from bench.services import redis_client, redis_flush

QUEUE = "bench"


def schedule(params: dict[str, Any]) -> dict[str, Any]:
    from bench.peers.celery_app import noop

    n = int(params["n"])
    redis_flush("celery")
    for i in range(10):  # warm-up: broker connection, producer pool
        noop.apply_async(args=[i], countdown=86400)
    redis_flush("celery")
    started = time.perf_counter()
    for i in range(n):
        noop.apply_async(args=[i], countdown=86400)
    seconds = time.perf_counter() - started
    stored = int(redis_client("celery").llen(QUEUE))
    if stored != n:
        raise RuntimeError(f"sent {n} tasks but the queue holds {stored}")
    return {"value": n / seconds, "seconds": seconds, "n": n, "stored": stored}


def fill(n: int) -> None:
    """``n`` tasks due now (plain ``apply_async``), before any worker starts."""
    from bench.peers.celery_app import noop

    redis_flush("celery")
    for i in range(n):
        noop.apply_async(args=[i])


def start_workers(count: int) -> list[Proc]:
    argv = [sys.executable, "-m", "celery", "-A", "bench.peers.celery_app", "worker", "-P", "prefork", "-c", "1"]
    argv += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", QUEUE, "-l", "WARNING"]
    return [spawn(f"celery-{i}", [*argv, "-n", f"bench{i}@%h"]) for i in range(count)]


def finished(n: int) -> bool:
    return runlog.count(redis_client("celery")) >= n


def verify(n: int) -> dict[str, Any]:
    client = redis_client("celery")
    result = runlog.summary(client, n)
    result["results_stored"] = sum(1 for _ in client.scan_iter("celery-task-meta-*", count=1000))
    return result

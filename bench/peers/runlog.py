"""A run log for peers whose own store cannot show a task that ran twice (Celery's result backend and rq's job
hash keep one record per id): each task RPUSHes ``index start end`` to ``bench:runs`` in its peer's Redis db.
One extra Redis round trip per task, the same for every Redis peer."""

from __future__ import annotations

import time
from typing import Any

KEY = "bench:runs"


def record(client: Any, index: int, started: float) -> None:
    client.rpush(KEY, f"{index} {started:.6f} {time.time():.6f}")


def summary(client: Any, n: int) -> dict[str, Any]:
    entries = [raw.decode().split() for raw in client.lrange(KEY, 0, -1)]
    indexes = [int(parts[0]) for parts in entries]
    distinct = len(set(indexes))
    first = min((float(parts[1]) for parts in entries), default=0.0)
    last = max((float(parts[2]) for parts in entries), default=0.0)
    span = last - first if entries else None
    return {
        "n": n,
        "ran": distinct,
        "duplicates": len(indexes) - distinct,
        "missed": n - distinct,
        "span": span,
        "value": distinct / span if span else 0.0,
    }


def count(client: Any) -> int:
    return int(client.llen(KEY))

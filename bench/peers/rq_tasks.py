"""rq's job function (imported by ``rq worker`` from its work horse): a no-op that logs its run (``runlog``)."""

from __future__ import annotations

import time

import redis

from bench.peers import runlog
from bench.services import REDIS_DB

_log = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB["rq"])


def noop(index: int) -> None:
    runlog.record(_log, index, time.time())

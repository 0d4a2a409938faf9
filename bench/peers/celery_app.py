"""The Celery app of the bench (``celery -A bench.peers.celery_app worker``): Redis broker and result backend in
the bench's own Redis db, one no-op task that logs its run (``runlog``)."""

from __future__ import annotations

import time

import redis
from celery import Celery

from bench.peers import runlog
from bench.services import REDIS_DB, redis_url

app = Celery("bench", broker=redis_url("celery"), backend=redis_url("celery"))
app.conf.update(task_default_queue="bench", broker_connection_retry_on_startup=True, worker_hijack_root_logger=False)
_log = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB["celery"])


@app.task(name="bench.noop")
def noop(index: int) -> None:
    runlog.record(_log, index, time.time())

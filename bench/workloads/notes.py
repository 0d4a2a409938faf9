"""Sections printed under the table: how each system was configured, and the workloads' own remarks."""

from __future__ import annotations

from bench.context import Context

CONFIG = """\
- **botfactory**: `botfactory.events.Worker` in its own process per worker (the object `botfactory worker` runs),
  defaults: 4 slot threads, lease 60 s, poll 1 s, `--burst` for dispatch; LISTEN/NOTIFY on PostgreSQL.
- **APScheduler 3.11**: `BackgroundScheduler`, default `ThreadPoolExecutor` (10 threads), `SQLAlchemyJobStore`
  on a SQLite file (its defaults: rollback journal, one commit per `add_job`) or `MemoryJobStore`;
  `misfire_grace_time=None` on dispatch jobs so backlog lateness is not turned into misses. One scheduler per
  job store (APScheduler 3 cannot share a store between processes), so no 4-process rows.
- **Celery 5**: Redis broker and result backend (db 14), `celery worker -P prefork -c 1` per process
  (`--without-gossip --without-mingle --without-heartbeat`), default prefetch multiplier 4, acks early (default).
- **rq**: Redis db 15, `rq worker --burst`, rq's default `Worker` (forks a work horse per job).
- **Procrastinate 3**: `PsycopgConnector`, `procrastinate worker --one-shot` per process with its defaults
  (concurrency 1, LISTEN/NOTIFY, 5 s polling fallback).
- Celery and rq tasks append `index start end` to a Redis list (`bench:runs`) so duplicates can be counted; their
  stores' own records (Celery result keys, rq's finished registry) are checked too. Procrastinate runs are read
  from its `procrastinate_events`/`procrastinate_jobs`, botfactory's from `event_history`/`scheduled_event`.
"""


def sections(ctx: Context) -> list[tuple[str, str]]:
    return [("How the systems were configured", CONFIG), *ctx.sections]

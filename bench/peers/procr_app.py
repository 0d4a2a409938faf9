"""The Procrastinate app of the bench (``procrastinate --app=bench.peers.procr_app.app worker``). Its database
comes from ``BENCH_PROCRASTINATE_DSN``; Procrastinate records every job's transitions in ``procrastinate_events``
itself, so the task needs no log of its own."""

from __future__ import annotations

import os

from procrastinate import App, PsycopgConnector

app = App(connector=PsycopgConnector(conninfo=os.environ.get("BENCH_PROCRASTINATE_DSN", "")))


@app.task(name="bench.noop", queue="bench")
def noop(index: int) -> None:
    return None

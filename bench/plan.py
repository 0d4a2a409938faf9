"""How much each workload measures: ``make bench`` (full) and ``make bench-quick``.

Peers whose cost is one round trip or one commit per job (APScheduler's SQLite store, Celery, rq, Procrastinate's
``defer``) are measured on fewer jobs than botfactory: their per-job cost does not depend on how many jobs there
are, and at their speed 10,000 jobs would take minutes per run. Each row of the table says the n it used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import WORK


@dataclass
class Plan:
    quick: bool
    runs: int  # rounds for botfactory and for fast peers (median of these)
    slow_runs: int  # rounds for slow peers
    large_runs: int  # rounds for the 100,000-sized cases (minutes each on SQLite)
    schedule_sizes: list[int]
    schedule_peer_n: dict[str, int]  # per slow peer, the n measured
    dispatch_n: int
    dispatch_peer_n: dict[str, int]
    dispatch_procs: list[int]
    # Also measure one botfactory worker with this fixed prefetch (reference for the default, adaptive one).
    dispatch_prefetch_reference: int | None = None
    latency_runs: int = 1
    latency_n: int = 200
    latency_window: float = 10.0
    backlog_n: int = 100_000
    backlog_due: int = 2_000
    bot_sizes: list[int] = field(default_factory=lambda: [10_000])
    c7n_n: int = 0
    timeout: float = 300.0  # seconds any one measurement may take before it is killed
    only: set[str] | None = None
    work: Path = WORK

    def wants(self, workload: str) -> bool:
        return self.only is None or workload in self.only


def quick_plan() -> Plan:
    """About 100 s on an idle 2-core machine: one round, small peer samples, one worker process for dispatch."""
    return Plan(
        quick=True,
        runs=1,
        slow_runs=1,
        large_runs=1,
        schedule_sizes=[10_000],
        schedule_peer_n={"aps-sqlite": 150, "celery": 1_000, "rq": 1_000, "procr-defer": 300},
        dispatch_n=2_000,
        dispatch_peer_n={"aps-sqlite": 60, "aps-memory": 2_000, "celery": 300, "rq": 50, "procrastinate": 150},
        dispatch_procs=[1],
        backlog_n=100_000,
        backlog_due=500,
        bot_sizes=[10_000],
        c7n_n=0,
        timeout=90.0,
    )


def full_plan() -> Plan:
    return Plan(
        quick=False,
        runs=3,
        slow_runs=2,
        large_runs=2,
        latency_runs=3,
        schedule_sizes=[10_000, 100_000],
        schedule_peer_n={"aps-sqlite": 300, "celery": 3_000, "rq": 3_000, "procr-defer": 600},
        dispatch_n=10_000,
        dispatch_peer_n={
            "aps-sqlite": 300,
            "aps-memory": 10_000,
            "celery": 3_000,
            "rq": 200,
            "procrastinate": 800,
        },
        dispatch_procs=[1, 4],
        dispatch_prefetch_reference=0,
        backlog_n=1_000_000,
        bot_sizes=[10_000, 100_000],
        c7n_n=1_000,
        timeout=600.0,
    )

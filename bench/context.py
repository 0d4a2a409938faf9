"""What workloads share during one run: the plan, the cases measured, the rows produced, service status."""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import Case
from bench.plan import Plan
from bench.report import Row

log = logging.getLogger("bench")
_counter = itertools.count()


@dataclass
class Context:
    plan: Plan
    postgres_error: str | None = None
    redis_error: str | None = None
    cases: list[Case] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    sections: list[tuple[str, str]] = field(default_factory=list)
    pg_databases: set[str] = field(default_factory=set)

    def sqlite_path(self, stem: str) -> Path:
        """A fresh SQLite file (with no WAL leftovers) under the bench's work folder."""
        self.plan.work.mkdir(parents=True, exist_ok=True)
        path = self.plan.work / f"{stem}-{next(_counter)}.db"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return path

    def sqlite_url(self, stem: str) -> str:
        return f"sqlite:///{self.sqlite_path(stem)}"

    def pg_database(self, name: str) -> str:
        """Create (again) the PostgreSQL database ``name`` (``bench_*``); dropped at the end of the run."""
        from bench.services import pg_recreate

        if self.postgres_error:
            raise RuntimeError(f"PostgreSQL unavailable: {self.postgres_error}")
        url = pg_recreate(name)
        self.pg_databases.add(name)
        return url

    def case(self, key: str, label: str, fn: Any, runs: int | None = None) -> Case:
        case = Case(key, label, fn, runs)
        self.cases.append(case)
        return case

    def failed_case(self, key: str, label: str, reason: str) -> Case:
        """A case that could not run at all (service missing, peer not installable): reported, not measured."""
        case = self.case(key, label, lambda: {})
        case.errors.append(reason)
        return case

    def add(self, row: Row) -> None:
        self.rows.append(row)
        log.info(
            "ROW %s | %s %s vs %s %s | ratio %s | %s",
            row.workload,
            row.bf_label,
            row.bf_value,
            row.peer_label,
            row.peer_value,
            f"{row.ratio:.3g}" if row.ratio else "—",
            row.status,
        )

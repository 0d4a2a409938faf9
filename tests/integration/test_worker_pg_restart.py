"""PostgreSQL restarted under running workers: they reconnect and finish, every event exactly once.

The test owns a throwaway cluster (``initdb`` on a free port, as the postgres user, in a folder under /tmp)
and never touches the shared server (DESIGN §9 "Restart tests").
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from botfactory.clock import get_clock
from botfactory.db import Database
from botfactory.db.migrate import upgrade
from botfactory.db.models import event_history as h
from botfactory.events.registry import EventTypeRegistry
from tests.fixtures.databases import unavailable
from tests.integration.worker_support import ROOT, register, schedule, states, subprocess_env, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240), pytest.mark.xdist_group("pg-restart")]

PG_BIN = Path(os.environ.get("BOTFACTORY_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """A PostgreSQL cluster of our own, run as the postgres user (initdb and pg_ctl refuse root)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="bf-pg-restart-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.log = self.root / "server.log"
        shutil.chown(self.root, "postgres", "postgres")

    def _as_postgres(self, *args: str, timeout: float = 60) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    def init(self) -> None:
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), action, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", *extra
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        try:
            self.pg_ctl("stop", "-m", "immediate")
        except (subprocess.SubprocessError, OSError):
            pass
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        unavailable(f"no PostgreSQL binaries in {PG_BIN} (or no runuser) for a throwaway cluster")
    made = Cluster()
    try:
        made.init()
        made.pg_ctl("start")
        yield made
    finally:
        made.remove()


def test_workers_reconnect_after_a_postgres_restart_and_finish(cluster: Cluster) -> None:
    admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE botfactory"))
    admin.dispose()
    db = Database(cluster.url("botfactory"))
    upgrade(db)
    reg = register(EventTypeRegistry())
    ids = schedule(db, reg, "test.sleep", 2000, when=get_clock().now() - timedelta(seconds=1))
    url = db.url.render_as_string(hide_password=False)
    args = ["worker", "--db", url, "--concurrency", "4", "--lease", "3", "--poll", "0.2"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.integration.worker_support", *args],
            cwd=ROOT,
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:

        def successes() -> int:
            with db.read() as conn:
                return int(conn.execute(select(func.count()).select_from(h).where(h.c.status == "SUCCESS")).scalar())

        wait_until(lambda: successes() >= 200, timeout=60, what="the run to get going")
        db.dispose()
        cluster.pg_ctl("restart", "-m", "fast")
        assert successes() < len(ids), "the run ended before the restart: nothing was tested"
        wait_until(lambda: states(db) == {"succeeded": len(ids)}, timeout=120, interval=0.2, what="every event")
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        logs = []
        for proc in procs:
            out, err = proc.communicate(timeout=30)
            assert proc.returncode == 0, err[-4000:]
            logs.append(err)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    with db.read() as conn:
        per_event = dict(
            conn.execute(select(h.c.event_id, func.count()).where(h.c.status == "SUCCESS").group_by(h.c.event_id)).all()
        )
    db.dispose()
    assert set(per_event) == set(ids) and set(per_event.values()) == {1}
    assert any("retrying" in log for log in logs), "no worker noticed the restart"

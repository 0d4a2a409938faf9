"""The machine's services as the bench uses them, and what the machine is.

PostgreSQL at 127.0.0.1:5432 (user postgres, trust): the bench creates and drops only databases named
``bench_*``. Redis at 127.0.0.1:6379: Celery uses db 14 and rq db 15; the bench FLUSHDBs only those two.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from importlib import metadata
from typing import Any

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_DB = {"celery": 14, "rq": 15}
DB_PREFIX = "bench_"


def pg_url(name: str, driver: str = "postgresql") -> str:
    _check_name(name)
    return f"{driver}://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def pg_dsn(name: str) -> str:
    _check_name(name)
    return f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname={name}"


def _check_name(name: str) -> None:
    if not name.startswith(DB_PREFIX) or not name.replace("_", "").isalnum():
        raise ValueError(f"the bench only touches databases named {DB_PREFIX}*: {name!r}")


def _admin() -> Any:
    import psycopg

    return psycopg.connect(
        f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname=postgres", autocommit=True, connect_timeout=5
    )


def pg_recreate(name: str) -> str:
    """Drop (if there) and create ``name``; returns its SQLAlchemy URL."""
    _check_name(name)
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_url(name)


def pg_drop(name: str) -> None:
    _check_name(name)
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        with _admin() as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def redis_client(peer: str) -> Any:
    import redis

    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB[peer], socket_timeout=30)


def redis_url(peer: str) -> str:
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB[peer]}"


def redis_flush(peer: str) -> None:
    """FLUSHDB of the peer's own database number, nothing else."""
    redis_client(peer).flushdb()


def redis_available() -> str | None:
    try:
        redis_client("celery").ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _meminfo_gib() -> float | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def machine() -> dict[str, Any]:
    """What the numbers were measured on, gathered at run time."""
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": _meminfo_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    try:
        with _admin() as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["postgresql"] = row[0] if row else None
            info["postgresql_settings"] = {
                name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
                for name in ("shared_buffers", "synchronous_commit", "fsync", "max_connections")
            }
    except Exception as exc:
        info["postgresql"] = f"unavailable: {exc}"
    try:
        info["redis"] = redis_client("celery").info("server").get("redis_version")
    except Exception as exc:
        info["redis"] = f"unavailable: {exc}"
    try:
        info["git_commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], capture_output=True, text=True, timeout=5, check=False
        ).stdout
        # Several engineers work in this tree: say when src/ differs from the commit.
        info["src_changed_files"] = len([line for line in status.splitlines() if line.strip()])
    except OSError:
        info["git_commit"] = None
    info["packages"] = {
        dist: _version(dist)
        for dist in (
            "botfactory",
            "SQLAlchemy",
            "psycopg",
            "APScheduler",
            "celery",
            "kombu",
            "redis",
            "rq",
            "procrastinate",
            "c7n",
            "moto",
            "boto3",
        )
    }
    return info

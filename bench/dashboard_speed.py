"""Dashboard and API speed at scale: 1,000,000 history rows and 100,000 pending events on PostgreSQL.

    .venv/bin/python bench/dashboard_speed.py                  # the issue's sizes, database bench_dashboard
    .venv/bin/python bench/dashboard_speed.py --history 100000 --pending 10000 --keep

The database is filled with COPY (about a minute for the full size), vacuumed and analysed as autovacuum would
leave it, then the app runs under uvicorn on a loopback port and each page or endpoint is fetched over HTTP with a
signed-in session (pages) or a bearer token (API): a few warm-up requests, then ``--rounds`` timed ones. The
target (issue 7) is that the overview and history pages answer in under 200 ms.

History spans 90 days (the default retention) over 40 event types, 50 bots and 5 accounts; pending events are
due over the next 30 days, a few hundred of them overdue; 20,000 finished events sit beside them.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from bench import services  # noqa: E402
from botfactory.access import TokenStore  # noqa: E402
from botfactory.api import create_app  # noqa: E402
from botfactory.bots.store import BotStore  # noqa: E402
from botfactory.builtins import install_builtins  # noqa: E402
from botfactory.clouds.accounts import AccountStore  # noqa: E402
from botfactory.db import Database  # noqa: E402
from botfactory.db.migrate import upgrade  # noqa: E402
from botfactory.events.store import EventStore  # noqa: E402

DB_NAME = "bench_dashboard"
TARGET_MS = 200.0
STATUSES = (("SUCCESS", 0.86), ("ERROR", 0.07), ("SKIPPED", 0.04), ("TIMEOUT", 0.02), ("MISSED", 0.01))
EVENT_COLUMNS = (
    "event_type, description, state, schedule, next_run_at, occurrence_at, attempt, max_attempts, retry_backoff, "
    "bot_id, account_id, action_data, revalidate, created_at, created_by, last_status, run_count"
)
HISTORY_COLUMNS = (
    "event_id, event_type, bot_id, account_id, resource_id, scheduled_for, started_at, finished_at, status, attempt, "
    "worker, result_data"
)


def _pick_status(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for status, share in STATUSES:
        total += share
        if roll < total:
            return status
    return "SUCCESS"


def fill(db: Database, *, history: int, pending: int, finished: int, seed: int = 7) -> dict[str, Any]:
    """Accounts, bots, workers through the services; events and history by COPY (what matters is the size)."""
    install_builtins()
    rng = random.Random(seed)
    accounts = [AccountStore(db).add(f"account-{n}", "aws", {"regions": ["us-east-1"]}) for n in range(5)]
    bot_store = BotStore(db)
    bots = [
        bot_store.save(
            {
                "name": f"bot {n}",
                "instructions": {
                    "resource_types": ["instance"],
                    "filters": [{"name": "divvy.filter.tag_absent", "config": {"tag_key": f"Tag{n}"}}],
                    "actions": [],
                },
            }
        )
        for n in range(50)
    ]
    types = [f"bench.type_{n:02d}" for n in range(38)] + ["divvy.stop_resource", "divvy.block_public_access"]
    store = EventStore(db)
    for n in range(3):
        # Workers handle every type but the last five: their pending events "wait for a handler".
        store.register_worker(f"bench-{n}:{1000 + n}", host=f"bench-{n}", pid=1000 + n, concurrency=8,
                              event_types=types[:-5])  # fmt: skip
    now = datetime.now(UTC)
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        started = time.monotonic()
        with cur.copy(f"COPY scheduled_event ({EVENT_COLUMNS}) FROM STDIN") as copy:
            for n in range(pending + finished):
                is_pending = n < pending
                due = now + timedelta(seconds=rng.uniform(-600, 30 * 86400)) if is_pending else None
                bot = rng.choice(bots)
                account = rng.choice(accounts)
                copy.write_row(
                    (
                        rng.choice(types),
                        f"bench event {n}",
                        "pending" if is_pending else rng.choice(("succeeded", "failed", "cancelled", "skipped")),
                        json.dumps({"type": "once", "version": 1, "when": (due or now).isoformat()}),
                        due,
                        due,
                        0,
                        3,
                        10.0,
                        str(bot.id),
                        str(account.id),
                        "{}",
                        False,
                        now - timedelta(days=1),
                        bot.resource_id,
                        None if is_pending else "SUCCESS",
                        0 if is_pending else 1,
                    )
                )
        events_seconds = time.monotonic() - started
        cur.execute("SELECT min(id), max(id) FROM scheduled_event")
        first_id, last_id = cur.fetchone()
        started = time.monotonic()
        with cur.copy("COPY scheduled_event_resource (event_id, position, resource_id) FROM STDIN") as copy:
            for event_id in range(first_id, last_id + 1):
                copy.write_row((event_id, 0, f"instance:{1 + event_id % 5}:us-east-1:i-{event_id:08x}:"))
        started = time.monotonic()
        span = 90 * 86400
        with cur.copy(f"COPY event_history ({HISTORY_COLUMNS}) FROM STDIN") as copy:
            # Oldest first, so ids grow with finish time as they do when workers write history.
            offsets = sorted((rng.uniform(0, span) for _ in range(history)), reverse=True)
            for n, back in enumerate(offsets):
                finished_at = now - timedelta(seconds=back)
                bot = bots[n % len(bots)]
                status = _pick_status(rng)
                copy.write_row(
                    (
                        first_id + n % max(1, last_id - first_id + 1),
                        types[n % len(types)],
                        str(bot.id),
                        str(accounts[n % len(accounts)].id),
                        f"instance:1:us-east-1:i-{n:08x}:",
                        finished_at - timedelta(seconds=5),
                        finished_at - timedelta(seconds=1),
                        finished_at,
                        status,
                        1 + n % 7 // 6,  # a few second attempts keep (event, occurrence, attempt) unique
                        "bench-0:1000",
                        json.dumps({"ok": status == "SUCCESS", "n": n}),
                    )
                )
        history_seconds = time.monotonic() - started
        raw.commit()
    finally:
        raw.close()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    return {
        "events_copy_s": round(events_seconds, 1),
        "history_copy_s": round(history_seconds, 1),
        "bot_id": str(bots[3].id),
        "event_type": types[3],
        "account_id": str(accounts[2].id),
    }


def serve(db: Database) -> tuple[uvicorn.Server, threading.Thread, str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("the server did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def signed_in(base: str, token: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    form = client.get("/sign-in").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    answer = client.post("/sign-in", data={"token": token, "csrf": csrf, "next": "/"})
    if answer.status_code != 303:
        raise SystemExit(f"signing in failed: {answer.status_code}")
    return client


def time_requests(client: httpx.Client, path: str, *, rounds: int, warmup: int = 3, **kwargs: Any) -> dict[str, Any]:
    for _ in range(warmup):
        client.get(path, **kwargs).raise_for_status()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = client.get(path, **kwargs)
        samples.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    samples.sort()
    return {
        "path": path,
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 1),
        "max_ms": round(samples[-1], 1),
        "bytes": len(answer.content),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--finished", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the database (default: drop it at the end)")
    parser.add_argument("--reuse", action="store_true", help="measure an existing filled database (with --keep)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "dashboard_speed.json"))
    args = parser.parse_args(argv)
    problem = services.pg_available()
    if problem:
        raise SystemExit(f"PostgreSQL is needed: {problem}")
    url = services.pg_url(DB_NAME) if args.reuse else services.pg_recreate(DB_NAME)
    db = Database(url)
    try:
        upgrade(db)
        if args.reuse:
            install_builtins()
            info = json.loads(Path(args.out).read_text())["fill"]
        else:
            started = time.monotonic()
            info = fill(db, history=args.history, pending=args.pending, finished=args.finished)
            info["fill_s"] = round(time.monotonic() - started, 1)
            print(f"filled in {info['fill_s']} s ({args.history:,} history rows, {args.pending:,} pending)", flush=True)
        token = TokenStore(db).create("bench", "viewer")[1]
        server, thread, base = serve(db)
        try:
            pages = signed_in(base, token)
            # The first overview counts every day of the chart; later ones only today (closed days are kept).
            started = time.perf_counter()
            pages.get("/").raise_for_status()
            cold_ms = round((time.perf_counter() - started) * 1000, 1)
            print(f"{'overview page, first load':34} {cold_ms:7.1f} ms", flush=True)
            api = httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"})
            deep = EventStore(db).list_history(limit=1)[0].id - args.history // 2
            bot, etype, acct = info["bot_id"], info["event_type"], info["account_id"]
            cases = [
                ("overview page", pages, "/"),
                ("history page", pages, "/history"),
                ("history page, bot + type", pages, f"/history?bot_id={bot}&event_type={etype}"),
                ("history page, account + status", pages, f"/history?account_id={acct}&status=ERROR"),
                ("history page, deep keyset", pages, f"/history?before_id={deep}"),
                ("events page (pending)", pages, "/events"),
                ("API history", api, "/api/v1/history?limit=100"),
                ("API history, bot + type", api, f"/api/v1/history?bot_id={bot}&event_type={etype}"),
                ("API history, deep keyset", api, f"/api/v1/history?before_id={deep}&limit=100"),
                ("API stats", api, "/api/v1/stats"),
                ("metrics", api, "/metrics"),
            ]
            results = []
            for name, client, path in cases:
                row = {"case": name, **time_requests(client, path, rounds=args.rounds)}
                results.append(row)
                print(f"{name:34} p50 {row['p50_ms']:7.1f} ms   p95 {row['p95_ms']:7.1f} ms   max {row['max_ms']:7.1f}",
                      flush=True)  # fmt: skip
        finally:
            server.should_exit = True
            thread.join(10)
        report = {
            "when": datetime.now(UTC).isoformat(),
            "sizes": {"history": args.history, "pending": args.pending, "finished": args.finished},
            "rounds": args.rounds,
            "target_ms": TARGET_MS,
            "machine": services.machine(),
            "fill": info,
            "overview_first_load_ms": cold_ms,
            "results": results,
        }
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
        slow = [
            r["case"] for r in results if r["case"].startswith(("overview", "history page")) and r["p95_ms"] > TARGET_MS
        ]
        print("overview and history pages under 200 ms at p95" if not slow else f"over 200 ms: {slow}")
        return 1 if slow else 0
    finally:
        db.dispose()
        if not args.keep:
            services.pg_drop(DB_NAME)


if __name__ == "__main__":
    raise SystemExit(main())

"""Harvest speed: resources/s harvested from the emulator, for accounts of 1,000 and 10,000 instances.

    .venv/bin/python bench/harvest_speed.py                    # 1,000 and 10,000 instances, SQLite temp file
    .venv/bin/python bench/harvest_speed.py --instances 500 --db postgresql://postgres@127.0.0.1/bf_bench

For each size the emulator runs in its own process (``botfactory emulator --port 0 --seed N``, as a user would
run it), seeded with N instances over two regions plus the demo's other resources. Measured in this process:

* raw: plain boto3 paging through ``describe_instances`` of both regions, nothing else (moto's own speed: its
  serializer costs ~5 ms per instance, so this is the ceiling for instances);
* first harvest: every resource type, every region, all stored as created;
* second harvest: the same, now all unchanged (the steady state of the hourly harvest).

resources/s = resources seen / harvest wall time. "vs raw" divides it by the raw describe rate: every resource a
harvest reads costs moto about what an instance costs (volumes are as many as instances), so 100% would mean
the harvest adds nothing to moto's own cost.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from botfactory.clouds.accounts import AccountStore  # noqa: E402
from botfactory.clouds.aws.emulator import endpoint_clients  # noqa: E402
from botfactory.clouds.aws.harvest import harvest_account  # noqa: E402
from botfactory.clouds.aws.seed import DEMO_REGIONS  # noqa: E402
from botfactory.db import Database  # noqa: E402
from botfactory.db.migrate import upgrade  # noqa: E402
from botfactory.resources.store import ResourceStore  # noqa: E402

SEED_LIMIT = 900.0  # seconds: moto creates ~100-250 instances/s


def start_emulator(instances: int) -> tuple[subprocess.Popen[str], str, float]:
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from botfactory.cli import main; main()", "emulator", "--port", "0",
         "--seed", str(instances)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until seeding is done and the port is open
    if not line.startswith("Emulator endpoint: "):
        proc.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    return proc, line.split(": ", 1)[1].strip(), time.monotonic() - started


def raw_describe(endpoint: str) -> tuple[int, float]:
    count, started = 0, time.monotonic()
    for region in DEMO_REGIONS:
        ec2 = endpoint_clients(endpoint)("ec2", region)
        for page in ec2.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 500}):
            count += sum(len(r["Instances"]) for r in page["Reservations"])
    return count, time.monotonic() - started


def measure(instances: int, db_url: str | None) -> dict[str, Any]:
    proc, endpoint, seed_seconds = start_emulator(instances)
    workdir = tempfile.mkdtemp(prefix="bf-harvest-bench-")
    db = Database(db_url or f"sqlite:///{workdir}/bench.db")
    try:
        upgrade(db)
        accounts = AccountStore(db)
        existing = accounts.find("bench")
        if existing is not None:
            accounts.remove(existing.id)
        account = accounts.add("bench", "aws", {"endpoint_url": endpoint, "regions": list(DEMO_REGIONS)})
        store = ResourceStore(db)
        raw_count, raw_seconds = raw_describe(endpoint)
        first = harvest_account(account, store)
        second = harvest_account(account, store)
        if first.errors or second.errors:
            raise SystemExit(f"harvest errors: {[e.to_dict() for e in first.errors + second.errors][:3]}")
        return {
            "instances": instances,
            "seed_seconds": seed_seconds,
            "raw_instances_per_s": raw_count / raw_seconds,
            "first": (first.total, first.seconds, first.counts["instance"].seen),
            "second": (second.total, second.seconds, second.counts["instance"].seen),
        }
    finally:
        db.dispose()
        proc.terminate()
        proc.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, action="append", help="instance counts (repeatable) [1000, 10000]")
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    print("| instances | seed s | raw describe inst/s | harvest | resources | s | resources/s | instances/s | vs raw |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in args.instances or [1000, 10000]:
        row = measure(n, args.db)
        raw = row["raw_instances_per_s"]
        for label in ("first", "second"):
            total, seconds, inst = row[label]
            print(
                f"| {n:,} | {row['seed_seconds']:.0f} | {raw:.0f} | {label} | {total:,} | {seconds:.1f} | "
                f"{total / seconds:.0f} | {inst / seconds:.0f} | {total / seconds / raw:.0%} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

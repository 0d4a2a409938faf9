"""``python -m bench [--quick] [--only schedule,dispatch,...]``: run the workloads, write results/latest.{md,json}."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import shutil
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

from bench import services
from bench.context import Context
from bench.plan import full_plan, quick_plan
from bench.report import write

WORKLOADS = ("schedule", "dispatch", "latency", "backlog", "bots", "extras")
log = logging.getLogger("bench")


def _drop(name: str) -> None:
    try:
        services.pg_drop(name)
    except Exception as exc:
        log.warning("could not drop %s: %s", name, exc)


def _cleanup(ctx: Context) -> None:
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(_drop, sorted(ctx.pg_databases)))
    if not ctx.redis_error:
        for peer in services.REDIS_DB:
            try:
                services.redis_flush(peer)
            except Exception as exc:
                log.warning("could not flush redis db of %s: %s", peer, exc)
    shutil.rmtree(ctx.plan.work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the < 2 minute subset (make bench-quick)")
    parser.add_argument("--only", help=f"comma-separated workloads of {', '.join(WORKLOADS)}")
    parser.add_argument("--runs", type=int, help="rounds per case (overrides the plan)")
    parser.add_argument("--out", help="results folder (default bench/results)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    plan = quick_plan() if args.quick else full_plan()
    if args.runs:
        plan.runs = plan.slow_runs = args.runs
    if args.only:
        plan.only = {name.strip() for name in args.only.split(",") if name.strip()}
        unknown = plan.only - set(WORKLOADS)
        if unknown:
            parser.error(f"unknown workload(s): {sorted(unknown)}")
    started = time.monotonic()
    load_start = os.getloadavg()
    ctx = Context(plan, postgres_error=services.pg_available(), redis_error=services.redis_available())
    for what, error in (("PostgreSQL", ctx.postgres_error), ("Redis", ctx.redis_error)):
        if error:
            log.warning("%s unavailable (%s): its rows are reported as not measured", what, error)
    machine = services.machine()
    try:
        for name in WORKLOADS:
            if not plan.wants(name):
                continue
            log.info("== %s", name)
            begun = time.monotonic()
            try:
                importlib.import_module(f"bench.workloads.{name}").run(ctx)
            except Exception as exc:
                log.error("workload %s failed: %s", name, exc)
                ctx.sections.append((f"{name}: failed", f"```\n{traceback.format_exc()[-3000:]}\n```"))
            log.info("== %s took %.1f s", name, time.monotonic() - begun)
    finally:
        begun = time.monotonic()
        _cleanup(ctx)
        log.info("clean-up took %.1f s", time.monotonic() - begun)
    from bench.workloads import notes

    meta = {
        "quick": plan.quick,
        "seconds": time.monotonic() - started,
        "machine": machine,
        "load": {"start": [round(x, 2) for x in load_start], "end": [round(x, 2) for x in os.getloadavg()]},
        "plan": {k: v for k, v in vars(plan).items() if k not in ("work", "only")},
        "sections": notes.sections(ctx),
    }
    path = write(ctx.rows, ctx.cases, meta, services_dir(args.out))
    missed = [row for row in ctx.rows if row.status == "MISSED"]
    log.info("wrote %s in %.0f s: %d rows, %d targets missed", path, meta["seconds"], len(ctx.rows), len(missed))
    return 0


def services_dir(out: str | None):  # type: ignore[no-untyped-def]
    from pathlib import Path

    from bench.report import RESULTS

    return Path(out) if out else RESULTS


if __name__ == "__main__":
    sys.exit(main())

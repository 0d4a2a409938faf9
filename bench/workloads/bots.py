"""*bots*: one bot — "stop instances without an Owner tag one hour later" (``divvy.filter.tag_absent`` +
``divvy.action.scheduled_stop``) — over 10,000 and 100,000 stored instances (half untagged), timed as a dry run
(evaluation only) and a real run (evaluation + one scheduled event per match). Reference: Cloud Custodian's
``mark-for-op`` over the instances of an emulated account (moto server on loopback), against botfactory's
harvest + the same bot over the same instances. Resources per second; higher is better.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from bench.context import Context
from bench.harness import Case, PeerFailed, Proc, alternate, call, spawn, wait_for
from bench.report import compare, solo

NAME = "bots"
REGIONS = ["us-east-1", "us-west-2"]
WHY_SMALL = (
    "c7n over {n:,} emulated instances only: moto creates ~100 instances/s and serialises ~5 ms per described "
    "instance, so 100,000 instances would take ~17 min to seed and ~8 min per describe pass — the emulator, not "
    "c7n or botfactory, would be measured"
)


def start_emulator(n: int, timeout: float) -> tuple[Proc, str]:
    """``botfactory emulator --port 0 --seed n`` (its port opens once seeding is done)."""
    argv = [
        sys.executable,
        "-c",
        "from botfactory.cli import main; main()",
        "emulator",
        "--port",
        "0",
        "--seed",
        str(n),
    ]
    proc = spawn("emulator", argv)
    endpoint: list[str] = []

    def ready() -> bool:
        if not proc.alive():
            raise PeerFailed(f"the emulator exited: {proc.tail()}")
        for line in proc.out.read_text(errors="replace").splitlines():
            if line.startswith("Emulator endpoint: "):
                endpoint.append(line.split(": ", 1)[1].strip())
                return True
        return False

    try:
        wait_for(ready, time.monotonic() + timeout, f"the emulator to seed {n} instances", every=0.5)
    except Exception:
        proc.kill()
        raise
    return proc, endpoint[0]


def _stored(ctx: Context, n: int, databases: list[tuple[str, Any]]) -> None:
    cases: list[Case] = []
    for db_label, url in databases:
        cases.append(
            ctx.case(
                f"{NAME}-{n}-{db_label}",
                f"botfactory bot engine, {db_label}",
                lambda url=url: call("bench.peers.bf_bots:evaluate", {"url": url(), "n": n}, ctx.plan.timeout),
            )
        )
    alternate(cases, ctx.plan.runs if n <= 10_000 else ctx.plan.large_runs)
    for case in cases:
        label = f"bots: one bot over {n:,} stored instances"
        ctx.add(solo(f"{label}, real run", "s", case, value_key="seconds", higher_is_better=False,
                     note="evaluation + one scheduled stop per match (half the instances)"))  # fmt: skip
        ctx.add(solo(f"{label}, dry run", "s", case, value_key="dry_run_seconds", higher_is_better=False,
                     note="evaluation only"))  # fmt: skip


def _custodian(ctx: Context, n: int) -> None:
    from bench.peers.c7n_peer import untag_half

    emulator, endpoint = start_emulator(n, ctx.plan.timeout)
    try:
        untagged = untag_half(endpoint, REGIONS)
        env = {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        env["AWS_DEFAULT_REGION"] = REGIONS[0]
        c7n = ctx.case(
            f"{NAME}-c7n-{n}",
            "Cloud Custodian mark-for-op (describe, filter, tag)",
            lambda: call("bench.peers.c7n_peer:mark_for_op", {"regions": REGIONS, "n": n}, ctx.plan.timeout, env),
            ctx.plan.slow_runs,
        )
        bf = ctx.case(
            f"{NAME}-bf-emulated-{n}",
            "botfactory harvest + bot (SQLite)",
            lambda: call(
                "bench.peers.bf_bots:harvest_and_run",
                {"url": ctx.sqlite_url("bots-emu"), "endpoint": endpoint, "regions": REGIONS},
                ctx.plan.timeout,
            ),
            ctx.plan.slow_runs,
        )
        alternate([bf, c7n], ctx.plan.slow_runs)
    finally:
        emulator.terminate()
    note = (
        f"{untagged:,} instances lack Owner; matched: botfactory {bf.last('matches')}, c7n {c7n.last('matches')}; "
        + WHY_SMALL.format(n=n)
    )
    ctx.add(compare(f"bots: mark untagged instances for a stop, {n:,} emulated instances", "resources/s", bf, c7n,
                    note=note))  # fmt: skip


def run(ctx: Context) -> None:
    databases: list[tuple[str, Any]] = []
    if not ctx.plan.quick or ctx.postgres_error:
        databases.append(("SQLite", lambda: ctx.sqlite_url("bots")))
    if not ctx.postgres_error:
        databases.append(("PostgreSQL", lambda: ctx.pg_database("bench_bots")))
    for n in ctx.plan.bot_sizes:
        _stored(ctx, n, databases)
    if ctx.plan.c7n_n:
        _custodian(ctx, ctx.plan.c7n_n)
    else:
        ctx.sections.append(
            (
                "bots: Cloud Custodian",
                "Quick mode skips the c7n reference (seeding the emulator alone takes longer "
                "than the quick budget); `make bench` runs it.",
            )  # fmt: skip
        )

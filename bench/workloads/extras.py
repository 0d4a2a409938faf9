"""Other engineers' single-purpose scripts in ``bench/``, run as rows of the same table when they are present:

* ``harvest_speed.py`` (cloud layer, issue 4): resources/s harvested from the emulator, against moto's own raw
  ``describe_instances`` speed (full mode only, 1,000 instances: seeding the emulator takes ~10 s per 1,000);
* ``dashboard_speed.py`` (API layer, issue 7): overview and history page times (p95) with 1,000,000 history rows
  and 100,000 pending events on PostgreSQL against the 200 ms target (full mode only: filling takes ~1 min).

``worker_speed.py`` (workers layer, issue 3) is a quick in-process probe of the same figures as *dispatch* and
*latency*; the bench measures those in worker processes instead and does not run it.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

from bench.context import Context
from bench.harness import Case, spawn
from bench.report import Row

HERE = Path(__file__).resolve().parent.parent
HARVEST_ROW = re.compile(
    r"^\|\s*([\d,]+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(first|second)\s*\|\s*([\d,]+)\s*\|\s*([\d.]+)\s*\|"
    r"\s*(\d+)\s*\|\s*(\d+)\s*\|"
)


def _script(ctx: Context, name: str, args: list[str], timeout: float) -> str:
    proc = spawn(name, [sys.executable, str(HERE / name), *args])
    proc.wait(time.monotonic() + timeout)
    if proc.popen.returncode != 0:
        raise RuntimeError(f"{name} exited {proc.popen.returncode}: {proc.tail()}")
    return proc.out.read_text(errors="replace")


def harvest(ctx: Context, instances: int) -> None:
    case = ctx.case("extras-harvest", f"harvest_speed.py --instances {instances}", lambda: {})
    try:
        out = _script(ctx, "harvest_speed.py", ["--instances", str(instances)], ctx.plan.timeout)
    except Exception as exc:
        case.errors.append(f"{type(exc).__name__}: {exc}"[:2000])
        ctx.sections.append(("harvest_speed.py failed", str(exc)[:2000]))
        return
    for line in out.splitlines():
        match = HARVEST_ROW.match(line)
        if not match:
            continue
        n, _seed, raw, which, total, seconds, per_s, inst_per_s = match.groups()
        case.results.append({"value": float(inst_per_s), "n": int(n.replace(",", "")), "harvest": which,
                             "resources": int(total.replace(",", "")), "seconds": float(seconds),
                             "resources_per_s": float(per_s), "raw_describe_per_s": float(raw)})  # fmt: skip
        ctx.add(Row(f"harvest {n} emulated instances ({which} harvest)", "instances/s", True,
                    "botfactory harvest (all types)", float(inst_per_s), "moto raw describe_instances",
                    float(raw), note=f"{total} resources in {seconds} s = {per_s} resources/s; ratio = share of "
                    "moto's own describe speed", bf_n=int(n.replace(",", ""))))  # fmt: skip


def dashboard(ctx: Context) -> None:
    """Run ``dashboard_speed.py`` (it fills its own ``bench_dashboard`` database) and turn its JSON into rows:
    p95 of each page against the 200 ms target."""
    script = HERE / "dashboard_speed.py"
    if not script.exists():
        ctx.sections.append(("dashboard speed", "bench/dashboard_speed.py is not there yet: no dashboard row."))
        return
    out = ctx.plan.work / "dashboard_speed.json"
    case: Case = ctx.case("extras-dashboard", "botfactory API/dashboard (dashboard_speed.py)", lambda: {})
    proc = spawn("dashboard_speed.py", [sys.executable, str(script), "--out", str(out)])
    try:
        proc.wait(time.monotonic() + ctx.plan.timeout)  # exit 1 means "a page missed 200 ms": still a result
        report = json.loads(out.read_text())
    except Exception as exc:
        case.errors.append(f"{type(exc).__name__}: {exc}"[:2000])
        ctx.sections.append(("dashboard_speed.py failed", f"{exc}"[:2000]))
        return
    sizes = report.get("sizes", {})
    what = f"{sizes.get('history', 0):,} history rows, {sizes.get('pending', 0):,} pending, PostgreSQL"
    target = float(report.get("target_ms", 200))
    for result in report.get("results", []):
        case.results.append({"value": result["p95_ms"], **result})
        page = str(result["case"])
        aimed = page.startswith(("overview", "history page"))
        ctx.add(Row(f"dashboard: {page} ({what})", "ms (p95)", False, "botfactory API/dashboard",
                    float(result["p95_ms"]), f"target {target:g} ms", target, target=1.0 if aimed else None,
                    target_text=f"≤ {target:g} ms" if aimed else "", note=f"p50 {result['p50_ms']:.1f} ms, "
                    f"max {result['max_ms']:.1f} ms over {report.get('rounds')} requests"))  # fmt: skip


def run(ctx: Context) -> None:
    if not ctx.plan.quick and (HERE / "harvest_speed.py").exists():
        harvest(ctx, 1_000)
    if not ctx.plan.quick and not ctx.postgres_error:
        dashboard(ctx)

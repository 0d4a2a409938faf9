"""Running measurements: child processes with deadlines, alternation of cases, medians.

Every measurement that could hang runs in its own process group with a deadline; a peer past its deadline is
killed (the whole group: Celery's prefork children too) and reported as hung, never waited on forever.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("bench")

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.gettempdir()) / f"botfactory-bench-{os.getpid()}"


class PeerFailed(RuntimeError):
    """A measurement did not produce a result: it failed, hung past its deadline, or lost events."""


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("PYTHONUNBUFFERED", "1")
    # Loopback only: no proxy may route a peer's traffic elsewhere.
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra or {})
    return env


@dataclass
class Proc:
    """A process started by the bench, in its own process group so it can be killed with its children."""

    name: str
    popen: subprocess.Popen[bytes]
    out: Path
    err: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait(self, deadline: float) -> int:
        """Wait until the process ends or the monotonic ``deadline``; past it, kill the group and raise."""
        while self.alive():
            if time.monotonic() >= deadline:
                self.kill()
                raise PeerFailed(f"{self.name}: still running at its deadline; killed. stderr: {self.tail()}")
            time.sleep(0.02)
        return int(self.popen.returncode)

    def terminate(self, grace: float = 10.0) -> None:
        """SIGTERM the group, then SIGKILL what is left after ``grace`` seconds."""
        if not self.alive():
            return
        try:
            os.killpg(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        end = time.monotonic() + grace
        while self.alive() and time.monotonic() < end:
            time.sleep(0.05)
        self.kill()

    def kill(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            log.warning("%s (pid %s) did not die after SIGKILL", self.name, self.pid)

    def tail(self, chars: int = 1500) -> str:
        try:
            return self.err.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def result(self) -> dict[str, Any]:
        """The JSON document the child printed last on stdout."""
        lines = [line for line in self.out.read_text(errors="replace").splitlines() if line.strip()]
        if self.popen.returncode != 0 or not lines:
            raise PeerFailed(f"{self.name}: exit {self.popen.returncode}. stderr: {self.tail()}")
        return json.loads(lines[-1])


def spawn(name: str, argv: Sequence[str], env: dict[str, str] | None = None) -> Proc:
    WORK.mkdir(parents=True, exist_ok=True)
    stem = f"{name}-{time.monotonic_ns()}".replace("/", "_").replace(" ", "_")
    out, err = WORK / f"{stem}.out", WORK / f"{stem}.err"
    with out.open("wb") as fo, err.open("wb") as fe:
        popen = subprocess.Popen(
            list(argv), stdout=fo, stderr=fe, stdin=subprocess.DEVNULL, env=child_env(env), start_new_session=True
        )
    return Proc(name, popen, out, err)


def spawn_call(name: str, target: str, params: dict[str, Any], env: dict[str, str] | None = None) -> Proc:
    """Run ``module:function(params)`` in a fresh interpreter (see ``bench.child``)."""
    return spawn(name, [sys.executable, "-m", "bench.child", target, json.dumps(params)], env)


def call(target: str, params: dict[str, Any], timeout: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    """``spawn_call`` and wait for its JSON result, ``timeout`` seconds at most."""
    proc = spawn_call(target.rsplit(":", 1)[-1], target, params, env)
    proc.wait(time.monotonic() + timeout)
    return proc.result()


def wait_for(check: Callable[[], bool], deadline: float, what: str, every: float = 0.05) -> None:
    while not check():
        if time.monotonic() >= deadline:
            raise PeerFailed(f"timed out waiting for {what}")
        time.sleep(every)


# -- cases, alternation, statistics -----------------------------------------------------------------------------


@dataclass
class Case:
    """One thing measured repeatedly. ``fn`` returns a dict holding at least ``value``."""

    key: str
    label: str
    fn: Callable[[], dict[str, Any]]
    runs: int | None = None  # fewer runs for slow peers; None = the plan's number
    results: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def values(self) -> list[float]:
        return [float(r["value"]) for r in self.results]

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.results else None

    def median_of(self, key: str) -> float | None:
        found = [float(r[key]) for r in self.results if r.get(key) is not None]
        return statistics.median(found) if found else None

    def last(self, key: str, default: Any = None) -> Any:
        for result in reversed(self.results):
            if key in result:
                return result[key]
        return default

    def summary(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "median": self.median,
            "values": self.values,
            "runs": self.results,
            "errors": self.errors,
        }


def alternate(cases: Iterable[Case], runs: int, settle: float = 0.2) -> None:
    """Run every case once per round, round after round, so drift (caches, thermal, other load) hits all alike.
    A case that fails records the error and is not retried in later rounds."""
    cases = list(cases)
    for round_no in range(runs):
        for case in cases:
            if case.errors or round_no >= (case.runs or runs):
                continue
            started = time.monotonic()
            load = os.getloadavg()[0]
            try:
                result = case.fn()
            except Exception as exc:
                log.warning("  %s: FAILED: %s", case.label, exc)
                case.errors.append(f"{type(exc).__name__}: {exc}"[:2000])
                continue
            result.setdefault("load1", load)  # the machine's 1-minute load when the run began
            case.results.append(result)
            log.info("  %-58s %s  (%.1f s)", case.label, _fmt(result), time.monotonic() - started)
            time.sleep(settle)


def _fmt(result: dict[str, Any]) -> str:
    extra = {k: v for k, v in result.items() if k in ("n", "duplicates", "missed", "p99_ms")}
    return f"value={result['value']:.4g} {extra if extra else ''}"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]

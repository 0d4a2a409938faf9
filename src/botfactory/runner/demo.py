"""``botfactory run --demo``: a seeded AWS emulator, an account pointing at it, the example bots.

Everything here is idempotent by name, so a second start on the same database finds the account and the bots it
made the first time instead of adding copies. The emulator keeps its state in memory: each start seeds it anew
(new instance ids); the first harvest then marks the previous run's resources destroyed, and their pending bot
events end ``skipped`` when they come due (the bots layer re-validates them).
"""

from __future__ import annotations

import ctypes
import json
import logging
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botfactory.bots.store import BotStore
from botfactory.clouds.accounts import Account, AccountStore
from botfactory.clouds.base import get_provider
from botfactory.clouds.harvesting import schedule_harvest
from botfactory.db import Database
from botfactory.errors import ConfigurationError
from botfactory.events.store import EventFilter, EventStore
from botfactory.resources.store import ResourceStore

log = logging.getLogger(__name__)

DEMO_ACCOUNT = "demo"
DEMO_REGIONS = ["us-east-1", "us-west-2"]
ENDPOINT_LINE = "Emulator endpoint: "
_PR_SET_PDEATHSIG = 1
# Shipped with the package, so `botfactory run --demo` works from an installed wheel; examples/bots in a checkout
# is a link to this folder.
BOTS_DIR = Path(__file__).resolve().parent / "demo_bots"


def _load_prctl() -> object | None:
    # Resolved here, in the parent: the child between fork and exec should do as little as possible.
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_prctl = _load_prctl()


def _die_with_parent() -> None:
    """In the child before exec: ask Linux for SIGTERM when the parent dies, so even a ``kill -9`` of
    ``botfactory run`` leaves no emulator behind (elsewhere the parent's own shutdown stops it). ``botfactory
    run`` starts the emulator before it starts any thread, as ``preexec_fn`` requires."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))  # type: ignore[operator]


class EmulatorProcess:
    """``botfactory emulator`` in a child process: moto's request handling stays off our interpreter's GIL."""

    def __init__(self, *, seed: str = "demo", log_path: Path | None = None) -> None:
        self.seed = seed
        self.log_path = log_path
        self.endpoint_url: str | None = None
        self._proc: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 120.0) -> str:
        cmd = [sys.executable, "-m", "botfactory", "emulator", "--port", "0", "--seed", self.seed]
        if self.log_path:
            cmd += ["--log-file", str(self.log_path)]
        self._proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, preexec_fn=_die_with_parent
        )
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            assert self._proc is not None and self._proc.stdout is not None
            for line in self._proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, name="emulator-stdout", daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                raise ConfigurationError(f"the AWS emulator exited early (code {self._proc.wait()})")
            if line.startswith(ENDPOINT_LINE):
                self.endpoint_url = line[len(ENDPOINT_LINE) :].strip()
                return self.endpoint_url
        self.stop()
        raise TimeoutError(f"the AWS emulator was not ready within {timeout:.0f} s")

    def stop(self, timeout: float = 5.0) -> None:
        if self._proc is None or self._proc.poll() is not None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout)


@dataclass
class DemoSetup:
    account: Account
    bots: list[Any]
    resources: int
    created_bots: int


def ensure_demo_account(db: Database, endpoint_url: str) -> Account:
    accounts = AccountStore(db)
    existing = accounts.find(DEMO_ACCOUNT)
    settings = {"endpoint_url": endpoint_url, "regions": DEMO_REGIONS}
    if existing is None:
        account = accounts.add(DEMO_ACCOUNT, "aws", settings)
    else:
        account = accounts.update_settings(existing.id, {**existing.settings, **settings})
    schedule_harvest(db, account, every_minutes=5)
    return account


def demo_bot_documents(delay_hours: float | None) -> list[dict[str, Any]]:
    """The example bots; ``delay_hours`` replaces the ``hours`` of their delayed actions (tests use seconds)."""
    documents = []
    for path in sorted(BOTS_DIR.glob("*.json")):
        document = json.loads(path.read_text())
        if delay_hours is not None:
            for action in document.get("instructions", {}).get("actions", []):
                if "hours" in action.get("config", {}):
                    action["config"]["hours"] = delay_hours
        documents.append(document)
    return documents


def setup_demo(db: Database, endpoint_url: str, *, delay_hours: float | None = None) -> DemoSetup:
    account = ensure_demo_account(db, endpoint_url)
    harvest = get_provider(account.provider).harvest(account, ResourceStore(db))
    for error in harvest.errors:
        log.warning("demo harvest: %s", error.message)
    bots, created = [], 0
    store = BotStore(db)
    for document in demo_bot_documents(delay_hours):
        bot, was_created = store.import_bot(document)
        bots.append(bot)
        created += int(was_created)
    return DemoSetup(account, bots, harvest.total, created)


def run_bots_now(db: Database, bots: list[Any]) -> int:
    """Make each bot's pending run event due now, so the demo acts at once instead of at the next interval."""
    events = EventStore(db)
    started = 0
    for bot in bots:
        flt = EventFilter(bot_id=str(bot.id), event_types=["botfactory.run_bot"], states=["pending"])
        for event in events.list_events(flt, limit=1):
            events.run_event_now(event.id)
            started += 1
    return started

"""``botfactory run --demo`` as a new user meets it: one command, the whole loop working, a clean Ctrl-C, and a
second start that resumes instead of duplicating (issue #8)."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

DEMO_DELAY_SECONDS = 3
REGIONS = ("us-east-1", "us-west-2")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunProcess:
    """``botfactory run --demo`` in a child process, its stdout read line by line with bounded waits."""

    def __init__(self, db_path: Path, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOTFACTORY_")}
        self.port = port
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "botfactory",
                "run",
                "--demo",
                "--port",
                str(port),
                "--db",
                f"sqlite:///{db_path}",
                "--demo-delay",
                str(DEMO_DELAY_SECONDS),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.values: dict[str, str] = {}

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for_line(self, prefix: str, timeout: float = 120.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.proc.poll() is None, f"botfactory run exited early with {self.proc.returncode}"
                continue
            if line.startswith(prefix):
                return line[len(prefix) :].strip()
        raise AssertionError(f"no line starting {prefix!r} within {timeout} s")

    def stop(self, timeout: float = 10.0) -> tuple[int, float]:
        started = time.monotonic()
        self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise AssertionError(f"botfactory run did not stop within {timeout} s of SIGINT") from None
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


def wait_until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; last: {last!r}")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Callable[[], RunProcess]]:
    started: list[RunProcess] = []

    def start() -> RunProcess:
        run = RunProcess(tmp_path / "botfactory.db", free_port())
        started.append(run)
        run.values["endpoint"] = run.wait_for_line("Emulator endpoint: ")
        run.values["dashboard"] = run.wait_for_line("Dashboard: ")
        run.values["token"] = run.wait_for_line("Admin token: ")
        return run

    yield start
    for run in started:
        run.kill()


def api(run: RunProcess) -> httpx.Client:
    return httpx.Client(
        base_url=f"http://127.0.0.1:{run.port}", headers={"Authorization": f"Bearer {run.values['token']}"}, timeout=10
    )


def aws(run: RunProcess, service: str, region: str) -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=run.values["endpoint"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def instances(run: RunProcess) -> list[dict[str, Any]]:
    found = []
    for region in REGIONS:
        pages = aws(run, "ec2", region).get_paginator("describe_instances").paginate()
        for page in pages:
            for reservation in page["Reservations"]:
                for instance in reservation["Instances"]:
                    tags = {t["Key"]: t["Value"] for t in instance.get("Tags", [])}
                    found.append({"id": instance["InstanceId"], "state": instance["State"]["Name"], "tags": tags})
    return found


def bucket_blocked(run: RunProcess, name: str) -> bool:
    s3 = aws(run, "s3", "us-east-1")
    try:
        config = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
    except ClientError:
        return False
    return all(config.values())


def test_demo_runs_the_whole_loop_stops_cleanly_and_resumes(demo: Callable[[], RunProcess]) -> None:
    run = demo()
    client = api(run)
    assert client.get("/healthz").status_code == 200
    assert httpx.get(run.values["dashboard"], follow_redirects=True, timeout=10).status_code == 200

    bots = client.get("/api/v1/bots").json()
    names = {bot["name"] for bot in bots["items"]}
    assert "Stop instances without an Owner tag" in names and "Block public buckets" in names

    untagged = [i for i in instances(run) if "Owner" not in i["tags"]]
    assert len(untagged) >= 8

    def stops_succeeded() -> bool:
        stats = client.get("/api/v1/stats").json()
        return stats["events_by_type"].get("divvy.stop_resource", {}).get("succeeded", 0) >= len(untagged)

    wait_until(stops_succeeded, 120, "the delayed stop events to succeed")
    history = client.get("/api/v1/history", params={"event_type": "divvy.stop_resource", "limit": 500}).json()
    assert {h["status"] for h in history["items"]} == {"SUCCESS"}

    # The cloud itself, read through boto3: every untagged instance stopped, the owned ones untouched.
    after = {i["id"]: i for i in instances(run)}
    assert all(after[i["id"]]["state"] == "stopped" for i in untagged)
    assert any(i["state"] == "running" for i in after.values() if "Owner" in i["tags"])
    wait_until(lambda: bucket_blocked(run, "botfactory-demo-public-acl"), 60, "the public bucket to be blocked")

    accounts_before = client.get("/api/v1/accounts").json()["total"]
    bots_before = sorted((b["id"], b["name"]) for b in bots["items"])
    code, seconds = run.stop()
    assert code == 0 and seconds < 10

    second = demo()
    client = api(second)
    assert client.get("/api/v1/accounts").json()["total"] == accounts_before == 1
    assert sorted((b["id"], b["name"]) for b in client.get("/api/v1/bots").json()["items"]) == bots_before
    # One request, so one snapshot: a run event that goes pending -> running -> pending between two requests
    # would otherwise be counted twice or not at all.
    live = client.get(
        "/api/v1/events",
        params={"event_type": "botfactory.run_bot", "state": ["pending", "running"], "limit": 100},
    ).json()
    assert sorted(int(e["bot_id"]) for e in live["items"]) == [bot_id for bot_id, _ in bots_before], (
        "one live run event per bot, not copies"
    )
    code, seconds = second.stop()
    assert code == 0 and seconds < 10

"""``botfactory emulator`` in a subprocess: its port opens only once seeding is done, SIGINT stops it with 0.

Also the seeds themselves, against the shared test server.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from botfactory.clouds.aws.emulator import Emulator, endpoint_clients, parse_seed
from botfactory.clouds.aws.seed import fast_moto_lookups, run_instances, seed_scaled

STARTUP_LIMIT = 120.0  # seconds: seeding the demo takes a few, many more on a busy machine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_port_opens_only_after_seeding_and_sigint_exits_0(tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "moto.log"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from botfactory.cli import main; main()", "emulator", "--port", str(port),
         "--seed", "demo", "--log-file", str(log)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTUP_LIMIT
        while not _accepts(port):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the emulator did not open its port in time"
            time.sleep(0.05)
        # The very first thing a client can see is the complete seed.
        ec2 = endpoint_clients(f"http://127.0.0.1:{port}")("ec2", "us-east-1")
        found = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
        untagged = [i for i in found if "Owner" not in {t["Key"] for t in i.get("Tags", [])}]
        assert len(found) == 15 and len(untagged) >= 8
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == f"Emulator endpoint: http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, err
    assert "Emulator stopped." in err
    assert "HTTP/1.1" not in err and log.read_text().count("HTTP/1.1") >= 1  # moto's request log went to the file


def test_busy_port_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        emulator = Emulator(busy.getsockname()[1], seed=None)
        with pytest.raises(OSError, match="in use"):
            emulator.start()  # raises instead of hanging (moto's own server would wait forever)


def test_parse_seed() -> None:
    assert parse_seed("demo") == "demo" and parse_seed("none") is None and parse_seed("250") == 250
    for bad in ("lots", "-1"):
        with pytest.raises(ValueError, match="seed"):
            parse_seed(bad)


def test_scaled_seed_splits_instances_over_both_regions(aws_clients: Callable[..., Any]) -> None:
    summary = seed_scaled(aws_clients, 31)
    assert summary.instance_count == 31
    assert {r: len(ids) for r, ids in summary.instances.items()} == {"us-east-1": 16, "us-west-2": 15}
    found = aws_clients("ec2", "us-west-2").describe_instances()["Reservations"]
    assert sum(len(r["Instances"]) for r in found) == 15
    assert summary.buckets and summary.users and summary.topics and summary.queues


def test_fast_lookups_while_seeding_are_removed_afterwards(aws_clients: Callable[..., Any]) -> None:
    from moto.ec2.models.instances import InstanceBackend

    original = InstanceBackend.get_instance
    with fast_moto_lookups():
        assert InstanceBackend.get_instance is not original
        ids = run_instances(aws_clients, "us-east-1", 3, Owner="x")
    assert InstanceBackend.get_instance is original
    ec2 = aws_clients("ec2", "us-east-1")
    found = [i for r in ec2.describe_instances(InstanceIds=ids)["Reservations"] for i in r["Instances"]]
    assert sorted(i["InstanceId"] for i in found) == sorted(ids)
    roots = [m["Ebs"]["VolumeId"] for i in found for m in i["BlockDeviceMappings"]]
    assert len(ec2.describe_volumes(VolumeIds=roots)["Volumes"]) == 3  # each got its root volume

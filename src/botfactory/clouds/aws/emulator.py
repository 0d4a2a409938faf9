"""A local AWS: moto's server on loopback, seeded before its port opens.

Seeding runs first, in this process, through moto's in-process mock (``mock_aws``) with the same boto3 calls a
client would make; only then does the HTTP server bind its port. So whoever connects sees a complete account,
never a half-seeded one, and ``port=0`` picks a free port that is reported once it is real. State lives in
memory: a restart re-seeds with new ids. moto's request log goes to a file (or nowhere), never the terminal.
"""

from __future__ import annotations

import errno
import logging
import urllib.request
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from botfactory.clouds.aws.seed import SeedSummary, fast_moto_lookups, seed_demo, seed_scaled

HOST = "127.0.0.1"
TEST_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
_QUIET_LOGGERS = ("werkzeug", "moto")


def route_logs(log_path: str | Path | None) -> None:
    """Send moto's and werkzeug's logs to ``log_path`` (None: drop them). werkzeug would otherwise add a handler
    to stderr on its first request."""
    handler: logging.Handler
    if log_path is None:
        handler = logging.NullHandler()
    else:
        handler = logging.FileHandler(log_path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    for name in _QUIET_LOGGERS:
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        logger.addHandler(handler)
        # Without a file nobody reads the per-request lines: do not even format them.
        logger.setLevel(logging.INFO if log_path is not None else logging.WARNING)
        logger.propagate = False


def parse_seed(value: str | int | None) -> str | int | None:
    """``demo``, ``none`` or a number of instances."""
    if value is None or value == "" or str(value).lower() == "none":
        return None
    if str(value).lower() == "demo":
        return "demo"
    try:
        count = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"seed must be 'demo', 'none' or a number of instances, not {value!r}") from None
    if count < 0:
        raise ValueError("seed: the number of instances must be >= 0")
    return count


def endpoint_clients(endpoint_url: str) -> Any:
    """A client factory for a running moto server (the test fixture seeds this way)."""
    config = Config(s3={"addressing_style": "path"}, retries={"mode": "standard", "max_attempts": 3})

    def make(service: str, region: str) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=endpoint_url, config=config, **TEST_KEYS)

    return make


def _mock_clients(service: str, region: str) -> Any:
    return boto3.client(service, region_name=region, **TEST_KEYS)


def seed_in_process(seed: str | int | None) -> SeedSummary | None:
    """Seed moto's in-process backends without any open port (``mock_aws`` intercepts boto3's HTTP)."""
    kind = parse_seed(seed)
    if kind is None:
        return None
    from moto import mock_aws

    mock = mock_aws()
    mock.start(reset=False)
    try:
        with fast_moto_lookups():
            return seed_demo(_mock_clients) if kind == "demo" else seed_scaled(_mock_clients, int(kind))
    finally:
        mock.stop(remove_data=False)  # keep what was seeded for the server


def _server_class() -> type:
    from threading import Thread

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server

    class LoopbackMotoServer(ThreadedMotoServer):
        """moto's ThreadedMotoServer, binding in ``start()`` itself: moto binds inside its thread, where a busy
        port kills the thread and leaves ``start()`` waiting forever."""

        def start(self) -> None:
            app = DomainDispatcherApplication(create_backend_app)
            try:
                self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
            except SystemExit:  # werkzeug exits on a port in use (after saying so on stderr)
                raise OSError(errno.EADDRINUSE, f"port {self._port} is in use") from None
            self._thread = Thread(target=self._server.serve_forever, daemon=True, name="moto-server")
            self._thread.start()
            self._server_ready_event.set()

    return LoopbackMotoServer


class Emulator:
    """``with Emulator(port=0, seed="demo") as emu: emu.endpoint_url``."""

    def __init__(self, port: int = 0, *, seed: str | int | None = "demo", log_path: str | Path | None = None) -> None:
        self.port = port
        self.seed = parse_seed(seed)
        self.log_path = log_path
        self.summary: SeedSummary | None = None
        self._server: Any = None

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    def start(self) -> str:
        """Seed, then open the port; returns the endpoint URL. A busy port raises OSError."""
        route_logs(self.log_path)
        self.summary = seed_in_process(self.seed)
        server = _server_class()(ip_address=HOST, port=self.port, verbose=False)
        server.start()
        self._server = server
        return self.endpoint_url

    def reset(self) -> None:
        """Forget every resource (moto's reset API)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

"""The long-running parts of ``botfactory run`` and how they start and stop together.

uvicorn runs on a thread of its own: off the main thread it installs no signal handlers, so Ctrl-C reaches
ours, which stops the workers and the server together (DESIGN §9 "`botfactory run` shutdown").
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from botfactory.db import Database
from botfactory.events.worker import Worker

log = logging.getLogger(__name__)


@dataclass
class AllInOne:
    db: Database
    host: str = "127.0.0.1"
    port: int = 8000
    concurrency: int = 4
    plugins: Any = None
    grace: float = 5.0
    worker: Worker | None = field(default=None, init=False)
    _server: uvicorn.Server | None = field(default=None, init=False)
    _server_thread: threading.Thread | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, *, ready_timeout: float = 30.0) -> None:
        from botfactory.api.app import create_app

        self.worker = Worker(self.db, concurrency=self.concurrency, grace=self.grace).start()
        app = create_app(self.db, plugins=self.plugins)
        config = uvicorn.Config(
            app, host=self.host, port=self.port, log_level="warning", access_log=False, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._server_thread = threading.Thread(target=self._server.run, name="api-server", daemon=True)
        self._server_thread.start()
        deadline = time.monotonic() + ready_timeout
        while not self._server.started:
            if not self._server_thread.is_alive():
                raise OSError(f"the API server could not start on {self.host}:{self.port} (port in use?)")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the API server did not start within {ready_timeout:.0f} s")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop claiming, give running jobs ``grace`` seconds, close the server. Bounded: about grace + 3 s."""
        if self.worker is not None:
            self.worker.request_stop(self.grace)
        if self._server is not None:
            self._server.should_exit = True
        if self.worker is not None:
            self.worker.stop(self.grace)
        if self._server_thread is not None:
            self._server_thread.join(3.0)
            if self._server_thread.is_alive():
                self._server.force_exit = True  # type: ignore[union-attr]
                self._server_thread.join(1.0)

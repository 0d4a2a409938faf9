"""The dashboard in a real browser (Debian's Chromium through Playwright): sign in, look at the overview, filter
history by bot and event type, cancel a pending event and see it cancelled, with a screenshot of every page in
``test-artifacts/``. The server is uvicorn on a free loopback port, in a thread of this test process."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from botfactory.access import TokenStore
from botfactory.api import create_app
from botfactory.db import Database
from botfactory.events.store import EventStore
from botfactory.plugins.manager import PluginManager
from tests.acceptance._api_support import Seeded, seed

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (make test does)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _plugins(root: Path) -> Path:
    """One working plugin and one that fails to import, so the plugins page has something to show."""
    good = root / "report_tools"
    good.mkdir(parents=True)
    (good / "plugin.py").write_text(
        "from botfactory.events import ScheduledEventJob, registry\n\n"
        "@registry.register('report_tools.digest')\n"
        "class Digest(ScheduledEventJob):\n"
        "    def run(self):\n"
        "        return 'sent'\n"
    )
    broken = root / "broken_plugin"
    broken.mkdir()
    (broken / "plugin.py").write_text("raise RuntimeError('this plugin is broken on purpose')\n")
    return root


@pytest.fixture
def server(sqlite_database: Database, tmp_path: Path) -> Iterator[tuple[str, Seeded, str]]:
    data = seed(sqlite_database)
    _, token = TokenStore(sqlite_database).create("browser", "editor")
    plugins = PluginManager(sqlite_database, [_plugins(tmp_path / "plugins")])
    plugins.start()
    port = _free_port()
    app = create_app(sqlite_database, plugins=plugins)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the dashboard server did not start within 15 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", data, token
    finally:
        uv.should_exit = True
        thread.join(10)
        plugins.unload_all()


def test_sign_in_overview_filter_history_and_cancel(server: tuple[str, Seeded, str], sqlite_database: Database) -> None:
    base, data, token = server
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 1000}, timezone_id="Europe/Berlin")
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.on("dialog", lambda dialog: dialog.accept())

            def shot(name: str) -> None:
                page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"), full_page=True)

            # Signing in: the overview redirects there first.
            page.goto(base + "/")
            assert page.url.startswith(base + "/sign-in")
            shot("sign-in")
            page.fill("#token", "bf_not-a-real-token-at-all-000")
            page.click("button[type=submit]")
            assert "not valid" in page.inner_text(".flash")
            page.fill("#token", token)
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")

            # Overview: counts, the chart, upcoming events, workers, events waiting for a handler.
            assert page.inner_text("h1") == "Overview"
            assert page.locator("svg.chart rect").count() > 10
            assert page.locator("svg.timeline circle").count() >= 3
            assert "worker-1:4242" in page.inner_text("main")
            waiting = page.locator("section", has_text="Waiting for a handler").inner_text()
            assert "test.report" in waiting
            shot("overview")

            # Times show in the browser's zone (Berlin), with UTC on hover.
            page.goto(base + "/history")
            first_time = page.locator("time").first
            assert re.search(r"CES?T|GMT\+\d", first_time.inner_text())
            assert first_time.get_attribute("title").endswith("UTC")

            # History filtered by bot and event type.
            bot_id = data.bot_ids[0]
            page.select_option("select[name=bot_id]", str(bot_id))
            page.fill("input[name=event_type]", "divvy.stop_resource")
            page.click("form.filters button[type=submit]")
            page.wait_for_url(re.compile(r".*/history\?.*bot_id=.*"))
            rows = page.locator("table.data tbody tr")
            assert rows.count() > 0
            for i in range(rows.count()):
                cells = rows.nth(i).locator("td")
                assert cells.nth(4).inner_text() == "divvy.stop_resource"
                assert cells.nth(5).inner_text() == "Stop untagged instances"
            shot("history")
            rows.first.locator("td a").first.click()
            assert "Result data" in page.inner_text("main")
            shot("history-detail")

            # Cancel a pending event from the events page and see it cancelled.
            store = EventStore(sqlite_database)
            target = next(e for e in store.list_events() if e.state == "pending" and e.event_type == "test.report")
            page.goto(base + "/events?state=pending")
            shot("events")
            page.locator(f"#event-{target.id} button", has_text="Cancel").click()
            page.wait_for_url(re.compile(r".*/events.*"))
            assert f"Event {target.id} cancelled" in page.inner_text(".flash")
            assert page.locator(f"#event-{target.id}").count() == 0  # gone from the pending list
            page.goto(base + f"/events?state=cancelled&event_type={target.event_type}")
            assert page.locator(f"#event-{target.id} .badge").first.inner_text() == "cancelled"
            assert store.get_event(target.id).state == "cancelled"
            page.goto(base + f"/events/{target.id}")
            shot("event-detail")

            # The remaining pages render.
            for name, path, heading in (
                ("bots", "/bots", "Bots"),
                ("bot-detail", f"/bots/{bot_id}", "Stop untagged instances"),
                ("resources", "/resources", "Resources"),
                ("plugins", "/plugins", "Plugins"),  # report_tools loaded, broken_plugin with its error
                ("workers", "/workers", "Workers"),
            ):
                page.goto(base + path)
                assert heading in page.inner_text("h1")
                if name == "plugins":
                    assert "report_tools.digest" in page.inner_text("main")
                    assert "broken on purpose" in page.inner_text("main")
                shot(name)
        finally:
            browser.close()

"""Access control: every endpoint answers 401 without a valid token and 403 below its role, and lets the roles
that may call it through; changes land in the audit log without secrets; the ``tokens`` CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from botfactory.access import AuditLog, TokenStore
from botfactory.cli import cli
from botfactory.db import Database
from botfactory.plugins.manager import PluginManager
from tests.acceptance._api_support import Api, Seeded, make_api, seed

ORDER = ("viewer", "editor", "admin")
PLUGIN = """
from botfactory.events import ScheduledEventJob, registry

@registry.register("apitest.job")
class Job(ScheduledEventJob):
    def run(self):
        return "ran"
"""


@pytest.fixture
def sqlite_api(sqlite_database: Database) -> Iterator[Api]:
    yield from make_api(sqlite_database)


@pytest.fixture
def plugins_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "plugins" / "apitest"
    folder.mkdir(parents=True)
    (folder / "plugin.py").write_text(PLUGIN)
    return folder.parent


@pytest.fixture
def world(sqlite_database: Database, plugins_dir: Path) -> Iterator[tuple[Api, Seeded]]:
    data = seed(sqlite_database)
    manager = PluginManager(sqlite_database, [plugins_dir])
    manager.start()
    try:
        yield from ((api, data) for api in make_api(sqlite_database, plugins=manager))
    finally:
        manager.unload_all()


def endpoints(data: Seeded) -> list[tuple[str, str, str, Any]]:
    """(method, path, lowest role allowed, JSON body) for every endpoint under /api/v1."""
    event, bot, account = data.event_ids[-1], data.bot_ids[0], data.account_id
    history = data.history_ids[0]
    resource = data.resource_ids[0]
    new_event = {"event_type": "test.report", "when": "2031-01-01T00:00:00Z", "action_data": {"message": "x"}}
    new_bot = {
        "name": "role-check bot",
        "instructions": {
            "resource_types": ["instance"],
            "filters": [{"name": "divvy.filter.tag_absent", "config": {"tag_key": "Team"}}],
            "actions": [],
        },
    }
    return [
        ("GET", "/api/v1/events", "viewer", None),
        ("POST", "/api/v1/events", "editor", new_event),
        ("GET", f"/api/v1/events/{event}", "viewer", None),
        ("POST", f"/api/v1/events/{event}/run-now", "editor", None),
        ("POST", f"/api/v1/events/{event}/cancel", "editor", None),
        ("POST", "/api/v1/events/cancel", "editor", {"event_type": ["nothing.matches"]}),
        ("GET", "/api/v1/history", "viewer", None),
        ("GET", "/api/v1/history?format=csv", "viewer", None),
        ("GET", f"/api/v1/history/{history}", "viewer", None),
        ("GET", "/api/v1/stats", "viewer", None),
        ("GET", "/api/v1/workers", "viewer", None),
        ("GET", "/api/v1/bots", "viewer", None),
        ("POST", "/api/v1/bots", "editor", new_bot),
        ("GET", f"/api/v1/bots/{bot}", "viewer", None),
        ("PUT", f"/api/v1/bots/{bot}", "editor", None),  # body filled in from the export below
        ("POST", f"/api/v1/bots/{bot}/run?dry_run=true", "editor", None),
        ("POST", f"/api/v1/bots/{bot}/run", "editor", None),
        ("POST", f"/api/v1/bots/{bot}/pause", "editor", None),
        ("POST", f"/api/v1/bots/{bot}/resume", "editor", None),
        ("POST", f"/api/v1/bots/{bot}/archive", "editor", None),
        ("GET", f"/api/v1/bots/{bot}/export", "viewer", None),
        ("GET", f"/api/v1/bots/{bot}/runs", "viewer", None),
        ("GET", "/api/v1/resources", "viewer", None),
        ("GET", f"/api/v1/resources/{resource}", "viewer", None),
        ("GET", "/api/v1/accounts", "viewer", None),
        ("POST", "/api/v1/accounts", "admin", {"name": "staging", "settings": {"regions": ["eu-west-1"]}}),
        ("GET", f"/api/v1/accounts/{account}", "viewer", None),
        ("PUT", f"/api/v1/accounts/{account}/settings", "admin", {"settings": {"regions": ["us-east-1"]}}),
        ("GET", "/api/v1/plugins", "viewer", None),
        ("GET", "/api/v1/plugins/apitest", "viewer", None),
        ("POST", "/api/v1/plugins/apitest/disable", "admin", None),
        ("POST", "/api/v1/plugins/apitest/enable", "admin", None),
        ("POST", "/api/v1/plugins/apitest/reload", "admin", None),
        ("GET", "/api/v1/me", "viewer", None),
        ("GET", "/api/v1/tokens", "admin", None),
        ("POST", "/api/v1/tokens", "admin", {"name": "ci", "role": "viewer"}),
        ("GET", "/api/v1/audit", "admin", None),
        ("DELETE", f"/api/v1/accounts/{account}", "admin", None),
        ("POST", "/api/v1/tokens/1/revoke", "admin", None),  # token 1 is the viewer's: revoked last
    ]


def _call(api: Api, method: str, path: str, headers: dict[str, str], body: Any) -> Any:
    return api.client.request(method, path, headers=headers, json=body)


def test_every_endpoint_with_every_role(world: tuple[Api, Seeded]) -> None:
    api, data = world
    export = api.get(f"/api/v1/bots/{data.bot_ids[0]}/export").json()
    allowed_calls = 0
    for method, path, lowest, body in endpoints(data):
        if method == "PUT" and "/bots/" in path:
            body = {**export, "description": "changed through the API"}
        # No token, a malformed header, an unknown token: 401 with a JSON message and a Bearer challenge.
        for headers in ({}, {"Authorization": "Basic dXNlcjpwdw=="}, {"Authorization": "Bearer bf_" + "x" * 43}):
            answer = _call(api, method, path, headers, body)
            assert answer.status_code == 401, (method, path, headers, answer.text)
            assert answer.json()["error"] == "unauthorized" and answer.json()["message"]
            assert answer.headers["www-authenticate"] == "Bearer"
        for role in ORDER:
            answer = _call(api, method, path, api.headers(role), body)
            if ORDER.index(role) < ORDER.index(lowest):
                assert answer.status_code == 403, (method, path, role, answer.text)
                assert answer.json()["error"] == "forbidden"
                assert lowest in answer.json()["message"]
                continue
            # Allowed: never 401/403, never a server error. Repeated actions may conflict (409), that is fine.
            assert answer.status_code in (200, 201, 409), (method, path, role, answer.status_code, answer.text)
            allowed_calls += 1
            if role == lowest:
                # One successful call per endpoint is enough; later roles repeat an action already done.
                break
    assert allowed_calls >= len(endpoints(data))


def test_health_metrics_and_sign_in_need_no_token(sqlite_api: Api) -> None:
    client = sqlite_api.client
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    assert client.get("/metrics").status_code == 200
    assert client.get("/sign-in").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_revoked_token_stops_working(sqlite_api: Api) -> None:
    api = sqlite_api
    created = api.post("/api/v1/tokens", role="admin", json={"name": "temp", "role": "editor"})
    assert created.status_code == 201
    token, token_id = created.json()["token"], created.json()["id"]
    headers = {"Authorization": f"Bearer {token}"}
    me = api.client.get("/api/v1/me", headers=headers).json()
    assert me == {"token_id": token_id, "name": "temp", "role": "editor"}
    listed = api.get("/api/v1/tokens", role="admin").json()
    assert all("token" not in item and "token_hash" not in item for item in listed["items"])
    assert api.post(f"/api/v1/tokens/{token_id}/revoke", role="admin").json()["active"] is False
    assert api.client.get("/api/v1/me", headers=headers).status_code == 401


def test_changes_are_audited_without_secrets(sqlite_api: Api) -> None:
    api = sqlite_api
    created = api.post("/api/v1/tokens", role="admin", json={"name": "robot", "role": "viewer"}).json()
    event = api.post(
        "/api/v1/events",
        json={"event_type": "test.report", "when": "2031-01-01T00:00:00Z", "action_data": {"message": "m"}},
    ).json()
    api.post(f"/api/v1/events/{event['id']}/cancel")
    entries = api.get("/api/v1/audit", role="admin").json()["items"]
    actions = [(e["action"], e["target"], e["actor"]) for e in entries]
    assert ("event.cancel", f"event:{event['id']}", "token:2:editor-user") in actions
    assert ("event.create", f"event:{event['id']}", "token:2:editor-user") in actions
    assert ("token.create", f"token:{created['id']}", "token:3:admin-user") in actions
    assert created["token"] not in json.dumps(entries)
    # The audit log scrubs secret-looking keys whatever a caller passes.
    AuditLog(api.db).record("test", "x.y", None, {"password": "hunter2", "nested": {"api_token": "t"}, "ok": 1})
    last = AuditLog(api.db).list(limit=1)[0]
    assert last.details == {"password": "***", "nested": {"api_token": "***"}, "ok": 1}


def test_tokens_cli_prints_only_the_token(sqlite_database: Database) -> None:
    url = sqlite_database.url.render_as_string(hide_password=False)
    runner = CliRunner()
    created = runner.invoke(cli, ["tokens", "create", "--name", "ops", "--role", "admin", "--db", url])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert token.startswith("bf_") and "\n" not in token and len(token) > 40
    record = TokenStore(sqlite_database).verify(token)
    assert record is not None and record.role == "admin" and record.name == "ops"
    listed = runner.invoke(cli, ["tokens", "list", "--json", "--db", url])
    rows = json.loads(listed.stdout)
    assert [(r["name"], r["role"], r["active"]) for r in rows] == [("ops", "admin", True)]
    assert token not in listed.stdout
    revoked = runner.invoke(cli, ["tokens", "revoke", str(rows[0]["id"]), "--json", "--db", url])
    assert json.loads(revoked.stdout)["active"] is False
    assert TokenStore(sqlite_database).verify(token) is None
    assert runner.invoke(cli, ["tokens", "create", "--name", "x", "--role", "root", "--db", url]).exit_code != 0
    actions = [e.action for e in AuditLog(sqlite_database).list()]
    assert actions == ["token.revoke", "token.create"]


def test_server_command_serves_and_stops_on_sigint(tmp_path: Path) -> None:
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "BOTFACTORY_DATABASE_URL": f"sqlite:///{tmp_path}/server.db", "BOTFACTORY_PLUGINS": ""}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from botfactory.cli import main; main()", "server", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                    assert json.loads(answer.read()) == {"status": "ok", "database": True, "migrations_current": True}
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline, "botfactory server did not answer within 30 s"
                time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

"""The boundary: oversized bodies get 413, malformed input gets 4xx naming the field, and nothing becomes a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from botfactory.db import Database
from tests.acceptance._api_support import Api, make_api


@pytest.fixture
def api(sqlite_database: Database) -> Iterator[Api]:
    yield from make_api(sqlite_database, max_body=64 * 1024)


def test_oversized_bodies_get_413(api: Api) -> None:
    big = {"event_type": "test.report", "when": "2031-01-01T00:00:00Z", "description": "x" * 70_000}
    declared = api.post("/api/v1/events", json=big)
    assert declared.status_code == 413
    assert declared.json()["error"] == "payload_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the body is counted as it arrives
        for _ in range(100):
            yield b" " * 1024

    streamed = api.client.post(
        "/api/v1/events", headers={**api.headers("editor"), "content-type": "application/json"}, content=chunks()
    )
    assert streamed.status_code == 413
    # The dashboard's forms have the same limit.
    assert api.client.post("/sign-in", data={"token": "x" * 70_000}).status_code == 413
    # Under the limit, all is well.
    assert (
        api.post("/api/v1/events", json={**big, "description": "fine", "action_data": {"message": "m"}}).status_code
        == 201
    )


def test_malformed_bodies(api: Api) -> None:
    def send(raw: bytes, content_type: str = "application/json") -> dict:
        answer = api.client.post(
            "/api/v1/events", headers={**api.headers("editor"), "content-type": content_type}, content=raw
        )
        assert 400 <= answer.status_code < 500, (raw[:40], answer.status_code, answer.text)
        return answer.json()

    assert send(b"{not json")["error"] == "validation_error"
    assert send(b"[1, 2]")["error"] == "validation_error"
    assert send(b'"just a string"')["error"] == "validation_error"
    assert send(b"[" * 5000 + b"]" * 5000)["error"] in ("validation_error", "bad_request")
    deep = json.dumps({"event_type": "test.report", "when": "2031-01-01T00:00:00Z", "action_data": _nest(40)})
    assert send(deep.encode())["field"] == "action_data"
    assert send(b'{"event_type": "test.report", "when": "2031-01-01", "action_data": {"message": NaN}}')["field"]
    assert send(b"event_type=x", "application/x-www-form-urlencoded")["error"] == "validation_error"
    bot = api.post("/api/v1/bots", json={"name": "n\x00", "instructions": {"resource_types": ["instance"]}})
    assert bot.status_code == 422
    bot = api.post("/api/v1/bots", json={"id": 2**80, "name": "big", "instructions": {"resource_types": ["instance"]}})
    assert bot.status_code == 422 and bot.json()["field"].startswith("bot")


def _nest(depth: int) -> dict:
    doc: dict = {"message": "deep"}
    for _ in range(depth):
        doc = {"a": doc}
    return doc


BAD_INPUT = (
    "/api/v1/events/-1",
    "/api/v1/events/99999999999999999999999",
    "/api/v1/events/1.5",
    "/api/v1/history/0",
    "/api/v1/bots/9223372036854775808",
    "/api/v1/accounts/0",
    "/api/v1/tokens/0/revoke",
    "/api/v1/events?account_id=%00",
    "/api/v1/history?bot_id=%00&since=2026-13-45",
    "/api/v1/history?since=99999-01-01T00:00:00",
    "/api/v1/history?event_id=9223372036854775808",
    "/api/v1/resources?resource_type=%00",
    "/api/v1/resources/a%00b",
    "/api/v1/audit?before_id=-5",
)


def test_bad_ids_strings_and_times_are_client_errors(api: Api) -> None:
    for path in BAD_INPUT:
        method = "POST" if path.endswith("/revoke") else "GET"
        answer = api.client.request(method, path, headers=api.headers("admin"))
        assert answer.status_code in (404, 422), (path, answer.status_code, answer.text)
        assert answer.json()["message"]


def test_unknown_routes_and_methods_are_json_under_the_api(api: Api) -> None:
    missing = api.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = api.client.delete("/api/v1/events", headers=api.headers("admin"))
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"

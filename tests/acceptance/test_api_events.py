"""``/api/v1/events`` on SQLite, PostgreSQL and MariaDB: list and filter, schedule, show, cancel (one and by
filter), run now; conflicts, missing objects and invalid input answer with the right status and field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from botfactory.db import Database
from tests.acceptance._api_support import Api, make_api

WHEN = "2031-03-01T12:00:00+00:00"


@pytest.fixture
def api(database: Database) -> Iterator[Api]:
    yield from make_api(database)


def schedule(api: Api, **fields: object) -> dict:
    body = {"event_type": "test.report", "action_data": {"message": "hi"}, **fields}
    if "schedule" not in fields:
        body["when"] = WHEN
    answer = api.post("/api/v1/events", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_schedule_list_filter_show(api: Api) -> None:
    first = schedule(api, bot_id="7", resource_ids=["instance:3:us-east-1:i-1:"], description="first")
    second = schedule(
        api,
        schedule={"type": "interval", "version": 1, "every": 3600, "start": None},
        account_id="4",
        max_attempts=5,
    )
    assert first["state"] == "pending" and first["next_run_at"] == WHEN
    assert first["account_id"] == "3"  # taken from the resource id
    assert first["created_by"] == "divvyuser:0:editor-user@api:"
    assert second["max_attempts"] == 5 and second["schedule"]["type"] == "interval"
    # Times are ISO-8601 in UTC with an offset.
    assert datetime.fromisoformat(second["created_at"]).utcoffset() == timedelta(0)
    assert second["created_at"].endswith("+00:00")

    listed = api.get("/api/v1/events").json()
    assert set(listed) == {"items", "total", "limit", "offset"}
    assert listed["total"] == 2 and listed["limit"] == 100 and listed["offset"] == 0
    contract = {
        "id",
        "event_type",
        "state",
        "next_run_at",
        "bot_id",
        "account_id",
        "resource_ids",
        "attempt",
        "max_attempts",
        "last_status",
        "lease_owner",
        "created_by",
        "description",
        "schedule",
    }
    assert contract <= set(listed["items"][0])

    def ids(query: str) -> list[int]:
        answer = api.get("/api/v1/events" + query)
        assert answer.status_code == 200, answer.text
        return [e["id"] for e in answer.json()["items"]]

    assert ids("?bot_id=7") == [first["id"]]
    assert ids("?account_id=4") == [second["id"]]
    assert ids("?resource_id=instance:3:us-east-1:i-1:") == [first["id"]]
    assert sorted(ids("?event_type=test.report&state=pending")) == sorted([first["id"], second["id"]])
    assert ids("?state=cancelled") == []
    page = api.get("/api/v1/events?limit=1&offset=1").json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["offset"] == 1

    shown = api.get(f"/api/v1/events/{first['id']}").json()
    assert shown["description"] == "first" and shown["resource_ids"] == ["instance:3:us-east-1:i-1:"]


def test_cancel_run_now_and_bulk_cancel(api: Api) -> None:
    one, two, three = (schedule(api, bot_id=b) for b in ("1", "1", "2"))
    due = api.post(f"/api/v1/events/{one['id']}/run-now")
    assert due.status_code == 200
    assert datetime.fromisoformat(due.json()["next_run_at"]) <= datetime.now(UTC) + timedelta(seconds=5)

    cancelled = api.post(f"/api/v1/events/{one['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    again = api.post(f"/api/v1/events/{one['id']}/cancel")
    assert again.status_code == 409 and "pending" in again.json()["message"]
    assert api.post(f"/api/v1/events/{one['id']}/run-now").status_code == 409

    refused = api.post("/api/v1/events/cancel", json={})
    assert refused.status_code == 422 and refused.json()["field"] == "all"
    bulk = api.post("/api/v1/events/cancel", json={"bot_id": "1"})
    assert bulk.json() == {"cancelled": 1, "filter": {"bot_id": "1"}}
    assert api.get(f"/api/v1/events/{two['id']}").json()["state"] == "cancelled"
    assert api.get(f"/api/v1/events/{three['id']}").json()["state"] == "pending"
    assert api.post("/api/v1/events/cancel", json={"all": True}).json()["cancelled"] == 1


def test_missing_objects_and_invalid_input(api: Api) -> None:
    assert api.get("/api/v1/events/999999").status_code == 404
    assert api.post("/api/v1/events/999999/cancel").json()["error"] == "not_found"
    for path, field in (
        ("/api/v1/events/0", "event_id"),
        (f"/api/v1/events/{2**63}", "event_id"),
        ("/api/v1/events/abc", "event_id"),
        ("/api/v1/events?limit=0", "limit"),
        ("/api/v1/events?limit=5000", "limit"),
        ("/api/v1/events?offset=-1", "offset"),
        ("/api/v1/events?state=sleeping", "state"),
        ("/api/v1/events?bot_id=a%00b", "bot_id"),
        ("/api/v1/events?event_type=" + "x" * 300, "event_type"),
    ):
        answer = api.get(path)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["field"] == field, (path, answer.json())

    def refused(body: dict, field: str) -> None:
        body = {"action_data": {"message": "m"}, **body}
        answer = api.post("/api/v1/events", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["field"] == field, (body, answer.json())

    refused({"when": WHEN}, "event_type")
    refused({"event_type": "test.report"}, "schedule")
    refused({"event_type": "no.such.type", "when": WHEN}, "event_type")
    refused({"event_type": "test.report", "when": "yesterday-ish"}, "when")
    refused({"event_type": "test.report", "when": "0001-01-01T00:00:00+05:00"}, "when")
    refused({"event_type": "test.report", "schedule": {"type": "fortnightly"}}, "schedule_data")
    refused({"event_type": "test.report", "when": WHEN, "action_data": {}}, "action_data")  # lacks message
    refused({"event_type": "test.report", "when": WHEN, "action_data": {"message": "a\x00b"}}, "action_data")
    refused({"event_type": "test.report", "when": WHEN, "action_data": {"message": 2**70}}, "action_data")
    refused({"event_type": "test.report", "when": WHEN, "description": "nul\x00"}, "description")
    refused({"event_type": "test.report", "when": WHEN, "max_attempts": 0}, "max_attempts")
    refused({"event_type": "test.report", "when": WHEN, "surprise": True}, "surprise")
    refused({"event_type": "test.report", "when": WHEN, "resource_ids": [""]}, "resource_ids.0")
    # Nothing was stored by any of the refused requests.
    assert api.get("/api/v1/events").json()["total"] == 0

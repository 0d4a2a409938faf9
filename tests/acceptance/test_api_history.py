"""``/api/v1/history`` (filters, keyset pagination, CSV), ``/api/v1/stats``, ``/metrics``, ``/healthz`` and
``/readyz`` on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from botfactory.clock import now
from botfactory.db import Database
from botfactory.events.store import EventStore
from tests.acceptance._api_support import Api, add_history, make_api


@pytest.fixture
def api(database: Database) -> Iterator[Api]:
    yield from make_api(database)


@pytest.fixture
def history(api: Api) -> list[int]:
    """History over 5 days for bots 11 and 12 in account 3; ids grow with finish time."""
    return add_history(api.db, 1, account="3", bot_ids=[11, 12], days=5)


def test_filters(api: Api, history: list[int]) -> None:
    everything = api.get("/api/v1/history?limit=1000").json()
    assert everything["total"] == len(history) == len(everything["items"])
    items = everything["items"]
    assert [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True)  # newest first
    contract = {
        "id",
        "event_id",
        "event_type",
        "bot_id",
        "account_id",
        "resource_id",
        "scheduled_for",
        "started_at",
        "finished_at",
        "status",
        "attempt",
        "worker",
        "result_data",
    }
    assert set(items[0]) == contract
    assert items[0]["finished_at"].endswith("+00:00")

    def matching(query: str) -> list[dict]:
        answer = api.get("/api/v1/history?limit=1000&" + query)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["total"] == len(body["items"])
        return body["items"]

    stops = matching("bot_id=11&event_type=divvy.stop_resource")
    assert stops and all(i["bot_id"] == "11" and i["event_type"] == "divvy.stop_resource" for i in stops)
    errors = matching("status=ERROR&status=TIMEOUT")
    assert errors and {i["status"] for i in errors} == {"ERROR", "TIMEOUT"}
    assert matching("account_id=3") == items
    assert matching("account_id=4") == []
    since = (now() - timedelta(days=2)).isoformat()
    recent = matching("since=" + since.replace("+", "%2B"))
    assert recent and all(datetime.fromisoformat(i["finished_at"]) >= datetime.fromisoformat(since) for i in recent)
    until = matching("until=" + since.replace("+00:00", ""))  # naive times are UTC
    assert len(recent) + len(until) == len(items)
    one = api.get(f"/api/v1/history/{items[3]['id']}").json()
    assert one == items[3]
    assert api.get("/api/v1/history/999999").status_code == 404
    for query, field in (
        ("status=BROKEN", "status"),
        ("since=not-a-time", "since"),
        ("limit=2000", "limit"),
        ("before_id=0", "before_id"),
        ("until=0001-01-01T00:00:00%2B05:00", "until"),
    ):
        answer = api.get("/api/v1/history?" + query)
        assert answer.status_code == 422 and answer.json()["field"] == field, (query, answer.text)


def test_keyset_and_offset_pagination(api: Api, history: list[int]) -> None:
    seen: list[int] = []
    query = "/api/v1/history?limit=7"
    while True:
        page = api.get(query).json()
        assert page["total"] == len(history)
        seen += [i["id"] for i in page["items"]]
        if page["next_before_id"] is None:
            break
        query = f"/api/v1/history?limit=7&before_id={page['next_before_id']}"
    assert seen == sorted(history, reverse=True)
    by_offset = api.get("/api/v1/history?limit=7&offset=7").json()
    assert [i["id"] for i in by_offset["items"]] == seen[7:14] and by_offset["offset"] == 7


def test_csv(api: Api, history: list[int]) -> None:
    answer = api.get("/api/v1/history?format=csv&limit=100000&bot_id=11")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    expected = api.get("/api/v1/history?bot_id=11&limit=1000").json()["items"]
    assert [int(r["id"]) for r in rows] == [i["id"] for i in expected]
    assert rows[0]["finished_at"] == expected[0]["finished_at"]
    assert list(rows[0]) == [
        "id",
        "event_id",
        "event_type",
        "bot_id",
        "account_id",
        "resource_id",
        "scheduled_for",
        "started_at",
        "finished_at",
        "status",
        "attempt",
        "worker",
        "result_data",
    ]
    limited = api.get("/api/v1/history?format=csv&limit=3").text.strip().splitlines()
    assert len(limited) == 4  # header + 3


def test_stats_metrics_and_probes(api: Api, history: list[int]) -> None:
    for when in ("2020-01-01T00:00:00Z", "2031-01-01T00:00:00Z"):
        body = {"event_type": "test.report", "when": when, "action_data": {"message": "m"}}
        assert api.post("/api/v1/events", json=body).status_code == 201
    EventStore(api.db).register_worker("w:1", host="w", pid=1, concurrency=2, event_types=["test.report"])
    stats = api.get("/api/v1/stats").json()
    assert stats["events_by_state"] == {"pending": 2}
    assert stats["events_by_type"] == {"test.report": {"pending": 2}}
    assert sum(stats["history_by_status"].values()) == len(history)
    assert stats["workers_live"] == 1 and stats["due_now"] == 1 and stats["waiting_for_handler"] == {}
    recent = api.get("/api/v1/stats?since=" + (now() - timedelta(days=1)).isoformat().replace("+", "%2B")).json()
    assert 0 < sum(recent["history_by_status"].values()) < len(history)

    workers = api.get("/api/v1/workers").json()
    assert workers["total"] == 1 and workers["items"][0]["name"] == "w:1"

    metrics = api.client.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = metrics.text
    assert "botfactory_events_due 1" in text
    assert "botfactory_workers 1" in text
    assert 'botfactory_events{event_type="test.report",state="pending"} 2' in text
    lag = next(line for line in text.splitlines() if line.startswith("botfactory_dispatch_lag_seconds "))
    assert float(lag.split()[1]) > 365 * 86400  # the 2020 event has waited years for this worker
    assert "botfactory_history_recent{status=" in text

    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").json() == {"status": "ok", "database": True, "migrations_current": True}


def test_readyz_reports_an_unreachable_database(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from botfactory.api import create_app

    broken = Database(f"sqlite:///{tmp_path}/missing-dir/nope.db")
    answer = TestClient(create_app(broken)).get("/readyz")
    assert answer.status_code == 503 and answer.json()["database"] is False


def test_results_per_day_match_the_rows_and_closed_days_are_remembered(api: Api, history: list[int]) -> None:
    from zoneinfo import ZoneInfo

    from botfactory.api.overview import ClosedDays, results_per_day

    store = EventStore(api.db)
    tz = ZoneInfo("America/New_York")
    cache = ClosedDays()
    days = results_per_day(store, days=7, tz=tz, cache=cache)
    assert len(days) == 7 and days[-1].day.date() == now().astimezone(tz).date()
    for day in days:
        expected: dict[str, int] = {}
        for record in store.list_history(limit=0):
            if day.day <= record.finished_at < day.day + timedelta(days=1):
                expected[record.status] = expected.get(record.status, 0) + 1
        assert {k: v for k, v in day.counts.items() if v} == expected, day.day
    assert sum(d.total for d in days) == len(history)
    assert len(cache._data) == 6  # every day but today
    # A closed day is not counted again (within the cache's lifetime); today always is.
    add_history(api.db, 2, account="3", bot_ids=[11], days=1)
    again = results_per_day(store, days=7, tz=tz, cache=cache)
    assert [d.counts for d in again[:-1]] == [d.counts for d in days[:-1]]
    assert again[-1].counts == results_per_day(store, days=1, tz=tz)[-1].counts

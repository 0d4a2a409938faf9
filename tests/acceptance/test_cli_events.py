"""``botfactory events ...`` as a script sees it: exit codes and one JSON document on stdout."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from botfactory import schedule
from botfactory.cli import cli
from botfactory.db import Database
from botfactory.events import MultiResourceScheduledEventJob, ScheduledEventTracker, registry


class Job(MultiResourceScheduledEventJob):
    def run(self) -> None:
        pass


@pytest.fixture
def db_url(sqlite_database: Database) -> str:
    registry.register("cli.job", Job)
    with ScheduledEventTracker(sqlite_database) as tracker:
        tracker.schedule_event(
            "cli.job",
            schedule.Once(when=datetime(2030, 1, 1)),
            "one",
            resources=["instance:1:us-east-1:i-1:"],
            bot_id=5,
        )
        tracker.schedule_event("cli.job", schedule.Once(when=datetime(2030, 1, 2)), "two", bot_id=6)
    return sqlite_database.url.render_as_string(hide_password=False)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout


def test_list_json_has_the_contract_columns(db_url: str) -> None:
    code, out = run("events", "list", "--db", db_url, "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["description"] for r in rows] == ["one", "two"]
    expected = {
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
    assert expected <= set(rows[0])
    assert rows[0]["next_run_at"] == "2030-01-01T00:00:00+00:00"
    assert rows[0]["resource_ids"] == ["instance:1:us-east-1:i-1:"]


def test_filters_limit_and_db_from_environment(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOTFACTORY_DATABASE_URL", db_url)
    assert [r["description"] for r in json.loads(run("events", "list", "--bot", "6", "--json")[1])] == ["two"]
    assert len(json.loads(run("events", "list", "--limit", "1", "--json")[1])) == 1
    assert json.loads(run("events", "list", "--state", "failed", "--json")[1]) == []


def test_show_cancel_run_now_history_stats(db_url: str) -> None:
    rows = json.loads(run("events", "list", "--db", db_url, "--json")[1])
    first, second = rows[0]["id"], rows[1]["id"]
    code, out = run("events", "show", str(first), "--db", db_url, "--json")
    assert code == 0 and json.loads(out)["id"] == first and json.loads(out)["history"] == []

    code, out = run("events", "run-now", str(second), "--db", db_url, "--json")
    assert code == 0 and json.loads(out)["id"] == second

    code, out = run("events", "cancel", str(first), "--db", db_url, "--json")
    assert code == 0 and json.loads(out)["cancelled"] == 1 and json.loads(out)["event"]["state"] == "cancelled"

    code, out = run("events", "cancel", "--type", "cli.job", "--db", db_url, "--json")
    assert code == 0 and json.loads(out) == {"cancelled": 1}

    code, out = run("events", "history", "--db", db_url, "--json")
    assert code == 0 and json.loads(out) == []

    code, out = run("events", "stats", "--db", db_url, "--json")
    assert code == 0 and json.loads(out)["events_by_state"] == {"cancelled": 2}


def test_errors_exit_non_zero_with_a_message(db_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["events", "cancel", "424242", "--db", db_url])
    assert result.exit_code != 0
    result = CliRunner().invoke(cli, ["events", "show", "abc", "--db", db_url])
    assert result.exit_code == 2 and "not an id" in result.output
    result = CliRunner().invoke(cli, ["events", "cancel", "--db", db_url])
    assert result.exit_code == 2 and "--all" in result.output

"""``botfactory bots ...`` through click, on a fresh SQLite file (DESIGN §11 output contract)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from botfactory.cli import cli
from botfactory.db import set_default_database
from tests.fixtures.bots import bot_builtins_fixture, bot_doc, stand_in_event_types_fixture  # noqa: F401

EXAMPLES = Path(__file__).parents[2] / "examples" / "bots"
pytestmark = pytest.mark.usefixtures("stand_in_event_types")


@pytest.fixture
def run(tmp_path: Path) -> Iterator:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True, input: str | None = None) -> Result:
        result = runner.invoke(cli, [*args, "--db", url], input=input, catch_exceptions=True)
        if ok:
            assert result.exit_code == 0, (result.output, result.exception)
        return result

    yield invoke
    set_default_database(None)


def test_import_list_show_export(run, tmp_path: Path) -> None:
    imported = json.loads(run("bots", "import", str(EXAMPLES / "stop-untagged-instances.json"), "--json").stdout)
    assert imported["created"] is True and imported["state"] == "RUNNING"
    bot_id = imported["id"]
    again = json.loads(run("bots", "import", str(EXAMPLES / "stop-untagged-instances.json"), "--json").stdout)
    assert again["id"] == bot_id and again["created"] is False
    rows = json.loads(run("bots", "list", "--json").stdout)
    assert [{k: r[k] for k in ("id", "name", "state")} for r in rows] == [
        {"id": bot_id, "name": "Stop instances without an Owner tag", "state": "RUNNING"}
    ]
    shown = json.loads(run("bots", "show", str(bot_id), "--json").stdout)
    assert shown["pending_events"] == 1  # its botfactory.run_bot event
    assert shown["instructions"]["actions"][1]["name"] == "divvy.action.scheduled_stop"
    exported = json.loads(run("bots", "export", str(bot_id)).stdout)
    assert exported["name"] == "Stop instances without an Owner tag" and exported["id"] == bot_id
    out = tmp_path / "exported.json"
    run("bots", "export", str(bot_id), "--output", str(out))
    assert json.loads(out.read_text()) == exported
    table = run("bots", "list").stdout
    assert "RUNNING" in table and "Every" in table


def test_import_many_from_stdin(run) -> None:
    docs = [json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("*.json"))]
    imported = json.loads(run("bots", "import", "-", "--json", input=json.dumps(docs)).stdout)
    assert len(imported) == len(docs) == 4 and all(r["created"] for r in imported)


def test_validate_names_the_field_and_exits_1(run, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(bot_doc()))
    assert json.loads(run("bots", "validate", str(good), "--json").stdout) == {
        "name": "Stop untagged instances",
        "valid": True,
        "problems": [],
    }
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            bot_doc(instructions={"actions": [{"name": "divvy.action.scheduled_stop", "config": {"hours": "soon"}}]})
        )
    )
    result = run("bots", "validate", str(bad), "--json", ok=False)
    assert result.exit_code == 1
    (problem,) = json.loads(result.stdout)["problems"]
    assert problem["field"] == "hours" and problem["element"] == "action divvy.action.scheduled_stop (#1)"
    text = run("bots", "validate", str(bad), ok=False).stdout
    assert "field 'hours'" in text and "must be a number" in text
    failed_import = run("bots", "import", str(bad), ok=False)
    assert failed_import.exit_code == 1 and "field 'hours'" in str(failed_import.exception)


def test_run_dry_run_pause_resume_archive(run, tmp_path: Path) -> None:
    path = tmp_path / "bot.json"
    path.write_text(json.dumps(bot_doc()))
    bot_id = str(json.loads(run("bots", "import", str(path), "--json").stdout)["id"])
    dry = json.loads(run("bots", "run", bot_id, "--dry-run", "--json").stdout)
    assert dry["dry_run"] is True and dry["scanned"] == 0 and dry["status"] == "success"
    assert dry["actions"][0]["name"] == "divvy.action.scheduled_stop"
    real = json.loads(run("bots", "run", bot_id, "--json").stdout)
    assert real["dry_run"] is False and real["id"] is not None
    assert "Actions" in run("bots", "run", bot_id).stdout
    paused = json.loads(run("bots", "pause", bot_id, "--json").stdout)
    assert paused["state"] == "PAUSED" and paused["previous_state"] == "RUNNING"
    assert run("bots", "run", bot_id, ok=False).exit_code == 1
    assert json.loads(run("bots", "resume", bot_id, "--json").stdout)["state"] == "RUNNING"
    assert json.loads(run("bots", "archive", bot_id, "--json").stdout)["state"] == "ARCHIVED"
    assert [r["state"] for r in json.loads(run("bots", "list", "--state", "ARCHIVED", "--json").stdout)] == ["ARCHIVED"]
    shown = json.loads(run("bots", "show", bot_id, "--json").stdout)
    assert len(shown["runs"]) == 3


def test_unknown_bot(run) -> None:
    result = run("bots", "show", "4242", ok=False)
    assert result.exit_code == 1 and "4242" in str(result.exception)

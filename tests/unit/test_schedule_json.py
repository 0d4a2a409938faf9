"""botfactory.schedule as stored data and as values: JSON layouts and round trips, equality, repr, API."""

from __future__ import annotations

import datetime as dt_module
import json
from datetime import time, timedelta
from typing import Any

import pytest

import botfactory.schedule as schedule_module
from botfactory.schedule import (
    Cron,
    Daily,
    Hourly,
    Interval,
    Monthly,
    Once,
    Periodic,
    Schedule,
    Weekly,
    from_json,
)
from tests.unit.schedule_support import BERLIN, NEW_YORK, assert_invalid, utc

# ---------------------------------------------------------------- JSON, equality, repr

ALL_KINDS: list[Schedule] = [
    Once(utc(2026, 5, 15, 22, 19, 19)),
    Once(utc(2026, 5, 15, 22, 19, 19, 123_456)),
    Interval(timedelta(hours=2)),
    Interval(timedelta(seconds=1.5), start=utc(2026, 1, 1, 0, 0, 0, 1)),
    Periodic(minutes=15),
    Hourly(5),
    Daily("02:30", BERLIN),
    Weekly(["mon", "fri"], "09:00:15", NEW_YORK),
    Monthly(31, "23:59"),
    Cron("*/30 * * * *", "Australia/Lord_Howe"),
    Cron("0 9 * * * 30", "Asia/Kolkata"),
]


@pytest.mark.parametrize("schedule", ALL_KINDS, ids=repr)
def test_json_round_trip(schedule: Schedule) -> None:
    data = schedule.to_json()
    assert data["version"] == 1
    text = json.dumps(data)
    assert from_json(data) == schedule
    assert from_json(text) == schedule
    assert from_json(text).to_json() == data
    assert hash(from_json(data)) == hash(schedule)


@pytest.mark.parametrize("schedule", ALL_KINDS, ids=repr)
def test_repr_reads_back(schedule: Schedule) -> None:
    namespace = {"datetime": dt_module, **{name: getattr(schedule_module, name) for name in schedule_module.__all__}}
    assert eval(repr(schedule), namespace) == schedule


def test_to_json_layouts() -> None:
    assert Once(utc(2026, 5, 15, 22, 19, 19)).to_json() == {
        "type": "once",
        "version": 1,
        "when": "2026-05-15T22:19:19+00:00",
    }
    assert Interval(timedelta(minutes=90), start=utc(2026, 1, 1)).to_json() == {
        "type": "interval",
        "version": 1,
        "every": 5400,
        "start": "2026-01-01T00:00:00+00:00",
    }
    assert Interval(timedelta(milliseconds=1500)).to_json()["every"] == 1.5
    assert Hourly(5).to_json() == {"type": "hourly", "version": 1, "minute": 5}
    assert Daily("09:00", BERLIN).to_json() == {"type": "daily", "version": 1, "time": "09:00:00", "tz": BERLIN}
    assert Weekly(["fri", "mon"], "09:00").to_json() == {
        "type": "weekly",
        "version": 1,
        "days": [0, 4],
        "time": "09:00:00",
        "tz": "UTC",
    }
    assert Monthly(31, "09:00").to_json() == {
        "type": "monthly",
        "version": 1,
        "day": 31,
        "time": "09:00:00",
        "tz": "UTC",
    }
    assert Cron("0 9 * * 1-5").to_json() == {"type": "cron", "version": 1, "expression": "0 9 * * 1-5", "tz": "UTC"}


def test_from_json_accepts_other_offsets_and_defaults() -> None:
    once = from_json({"type": "once", "version": 1, "when": "2026-05-16T07:00:00+09:00"})
    assert once == Once(utc(2026, 5, 15, 22))
    assert from_json({"type": "once", "version": 1, "when": "2026-05-15T22:00:00Z"}) == once
    assert from_json({"type": "once", "version": 1, "when": "2026-05-15T22:00:00"}) == once
    assert from_json({"type": "interval", "version": 1, "every": 7200}) == Periodic(hours=2)
    assert from_json({"type": "interval", "version": 1, "every": 0.1}).every == timedelta(milliseconds=100)
    assert from_json({"type": "hourly", "version": 1}) == Hourly(0)
    assert from_json({"type": "daily", "version": 1, "time": "09:00"}) == Daily("09:00", "UTC")
    assert from_json({"type": "weekly", "version": 1, "days": ["mon"], "time": "09:00"}) == Weekly([0], "09:00")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("not json", "schedule"),
        ("[1, 2]", "schedule"),
        ([{"type": "once"}], "schedule"),
        ({"version": 1}, "type"),
        ({"type": "yearly", "version": 1}, "type"),
        ({"type": 3, "version": 1}, "type"),
        ({"type": "hourly"}, "version"),
        ({"type": "hourly", "version": 2}, "version"),
        ({"type": "hourly", "version": True}, "version"),
        ({"type": "hourly", "version": "1"}, "version"),
        ({"type": "hourly", "version": 1, "minutes": 5}, "minutes"),
        ({"type": "once", "version": 1}, "when"),
        ({"type": "once", "version": 1, "when": "yesterday"}, "when"),
        ({"type": "once", "version": 1, "when": 1747347559}, "when"),
        ({"type": "interval", "version": 1, "every": 0}, "every"),
        ({"type": "interval", "version": 1, "every": -5}, "every"),
        ({"type": "interval", "version": 1, "every": "7200"}, "every"),
        ({"type": "interval", "version": 1, "every": True}, "every"),
        ({"type": "interval", "version": 1, "every": 1e300}, "every"),
        ({"type": "interval", "version": 1, "every": 60, "start": "soon"}, "start"),
        ({"type": "hourly", "version": 1, "minute": 61}, "minute"),
        ({"type": "daily", "version": 1, "time": "25:00"}, "time"),
        ({"type": "daily", "version": 1, "time": 900}, "time"),
        ({"type": "daily", "version": 1, "time": "09:00", "tz": "Nowhere"}, "tz"),
        ({"type": "weekly", "version": 1, "days": "mon", "time": "09:00"}, "days"),
        ({"type": "weekly", "version": 1, "days": [], "time": "09:00"}, "days"),
        ({"type": "weekly", "version": 1, "time": "09:00"}, "days"),
        ({"type": "monthly", "version": 1, "day": 0, "time": "09:00"}, "day"),
        ({"type": "cron", "version": 1, "expression": "0 9 * *"}, "expression"),
    ],
)
def test_from_json_rejects_bad_documents_naming_the_field(data: Any, field: str) -> None:
    assert_invalid(field, from_json, data)


# ---------------------------------------------------------------- value semantics


def test_equality_and_hash_by_value() -> None:
    assert Daily("09:00", BERLIN) == Daily(time(9), BERLIN)
    assert Daily("09:00", BERLIN) != Daily("09:00", NEW_YORK)
    assert Daily("09:00") != Weekly(range(7), "09:00")
    assert Once(utc(2026, 1, 1)) != "Once @ 2026-01-01 00:00:00 UTC"
    assert len({Hourly(5), Hourly(5), Hourly(6), Periodic(hours=1), Interval(timedelta(hours=1))}) == 3


def test_schedules_are_immutable() -> None:
    daily = Daily("09:00")
    with pytest.raises(AttributeError):
        daily.tz = "Europe/Berlin"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del daily.time


def test_public_api() -> None:
    assert sorted(schedule_module.__all__) == sorted(
        [
            "Schedule",
            "Once",
            "Interval",
            "Periodic",
            "Hourly",
            "Daily",
            "Weekly",
            "Monthly",
            "Cron",
            "from_json",
            "schedule_hours_from_now",
        ]
    )
    with pytest.raises(TypeError):
        Schedule()  # type: ignore[abstract]

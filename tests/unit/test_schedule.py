"""botfactory.schedule on concrete dates: validation, each kind's occurrences, describe(); DST and JSON apart."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest

from botfactory.clock import FakeClock, using_clock
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
    schedule_hours_from_now,
)
from tests.unit.schedule_support import BERLIN, NEW_YORK, assert_invalid, occurrences, utc

# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("field", "build", "args", "kwargs"),
    [
        ("when", Once, ("2026-05-15T22:19:19+00:00",), {}),
        ("when", Once, (date(2026, 5, 15),), {}),
        ("when", Once, (None,), {}),
        ("every", Interval, (timedelta(0),), {}),
        ("every", Interval, (timedelta(seconds=-1),), {}),
        ("every", Interval, (7200,), {}),
        ("start", Interval, (timedelta(hours=1),), {"start": "2026-01-01"}),
        ("hours", Periodic, (), {}),
        ("hours", Periodic, (), {"hours": 0, "minutes": 0, "seconds": 0}),
        ("hours", Periodic, (), {"hours": -1}),
        ("hours", Periodic, (), {"hours": math.nan}),
        ("hours", Periodic, (), {"hours": 1e20}),
        ("minutes", Periodic, (), {"minutes": "5"}),
        ("seconds", Periodic, (), {"seconds": True}),
        ("minute", Hourly, (60,), {}),
        ("minute", Hourly, (-1,), {}),
        ("minute", Hourly, (5.0,), {}),
        ("minute", Hourly, (True,), {}),
        ("time", Daily, ("25:00",), {}),
        ("time", Daily, ("09:60",), {}),
        ("time", Daily, ("9am",), {}),
        ("time", Daily, (None,), {}),
        ("time", Daily, (time(9, tzinfo=UTC),), {}),
        ("time", Daily, (time(9, 0, 0, 500),), {}),
        ("tz", Daily, ("09:00",), {"tz": "Mars/Olympus_Mons"}),
        ("tz", Daily, ("09:00",), {"tz": ""}),
        ("tz", Daily, ("09:00",), {"tz": "../etc/passwd"}),
        ("tz", Daily, ("09:00",), {"tz": "localtime"}),
        ("tz", Daily, ("09:00",), {"tz": "right/UTC"}),
        ("tz", Daily, ("09:00",), {"tz": "Europe"}),
        ("tz", Daily, ("09:00",), {"tz": "zone.tab"}),
        ("tz", Daily, ("09:00",), {"tz": 1}),
        ("days", Weekly, ([], "09:00"), {}),
        ("days", Weekly, (["funday"], "09:00"), {}),
        ("days", Weekly, ([7], "09:00"), {}),
        ("days", Weekly, ([-1], "09:00"), {}),
        ("days", Weekly, ([True], "09:00"), {}),
        ("days", Weekly, (None, "09:00"), {}),
        ("time", Weekly, (["mon"], "noon"), {}),
        ("tz", Weekly, (["mon"], "09:00", "Nowhere/Land"), {}),
        ("day", Monthly, (0, "09:00"), {}),
        ("day", Monthly, (32, "09:00"), {}),
        ("day", Monthly, ("1", "09:00"), {}),
        ("time", Monthly, (1, "24:00"), {}),
        ("tz", Monthly, (1, "09:00", "Europe/Berln"), {}),
        ("expression", Cron, ("bogus",), {}),
        ("expression", Cron, ("",), {}),
        ("expression", Cron, ("61 * * * *",), {}),
        ("expression", Cron, ("* * * *",), {}),
        ("expression", Cron, ("0 9 * * 1-5 0 2030",), {}),
        ("expression", Cron, ("0 0 30 2 *",), {}),
        ("expression", Cron, ("H 9 * * *",), {}),
        ("expression", Cron, ("@reboot",), {}),
        ("expression", Cron, (None,), {}),
        ("tz", Cron, ("0 9 * * *", "Europe/Nowhere"), {}),
        ("hours", schedule_hours_from_now, (-1,), {}),
        ("hours", schedule_hours_from_now, ("2",), {}),
        ("hours", schedule_hours_from_now, (math.inf,), {}),
        ("hours", schedule_hours_from_now, (1e9,), {"now": utc(2026, 1, 1)}),
        ("now", schedule_hours_from_now, (1,), {"now": "2026-01-01"}),
    ],
)
def test_constructor_rejects_bad_arguments_naming_the_field(
    field: str, build: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    assert_invalid(field, build, *args, **kwargs)


def test_unknown_zone_error_carries_the_name() -> None:
    error = assert_invalid("tz", Daily, "09:00", tz="Mars/Olympus_Mons")
    assert error.value == "Mars/Olympus_Mons"
    assert "Mars/Olympus_Mons" in str(error)


def test_validation_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        Hourly(99)


# ---------------------------------------------------------------- Once


def test_once_fires_at_when_only_if_later() -> None:
    once = Once(utc(2026, 5, 15, 22, 19, 19))
    assert once.next_after(utc(2026, 5, 15)) == utc(2026, 5, 15, 22, 19, 19)
    assert once.next_after(utc(2026, 5, 15, 22, 19, 19)) is None
    assert once.next_after(utc(2027, 1, 1)) is None
    assert once.is_recurring is False


def test_once_in_the_past_is_valid_and_due_immediately() -> None:
    once = Once(utc(2020, 1, 1))
    assert once.first(utc(2026, 1, 1)) == utc(2020, 1, 1)
    assert once.next_after(utc(2026, 1, 1)) is None


def test_once_converts_naive_and_other_zones_to_utc() -> None:
    assert Once(datetime(2026, 5, 15, 22, 0)).when == utc(2026, 5, 15, 22, 0)
    tokyo = timezone(timedelta(hours=9))
    converted = Once(datetime(2026, 5, 16, 7, 0, tzinfo=tokyo)).when
    assert converted == utc(2026, 5, 15, 22, 0)
    assert converted.tzinfo is UTC


def test_once_describe() -> None:
    assert Once(utc(2026, 5, 15, 22, 19, 19)).describe() == "Once @ 2026-05-15 22:19:19 UTC"
    assert Once(utc(2026, 5, 15, 22, 19, 19, 999)).describe() == "Once @ 2026-05-15 22:19:19 UTC"


# ---------------------------------------------------------------- Interval / Periodic


def test_periodic_two_hours_fires_at_even_utc_hours() -> None:
    every_two = Periodic(hours=2)
    assert occurrences(every_two, utc(2026, 5, 15, 13, 5), 3) == [
        utc(2026, 5, 15, 14),
        utc(2026, 5, 15, 16),
        utc(2026, 5, 15, 18),
    ]
    assert every_two.first(utc(2026, 5, 15, 14)) == utc(2026, 5, 15, 14)
    assert every_two.next_after(utc(2026, 5, 15, 14)) == utc(2026, 5, 15, 16)


def test_periodic_is_an_interval_by_value() -> None:
    periodic = Periodic(hours=2)
    interval = Interval(timedelta(hours=2))
    assert isinstance(periodic, Interval)
    assert periodic == interval
    assert hash(periodic) == hash(interval)
    assert periodic.to_json() == {"type": "interval", "version": 1, "every": 7200, "start": None}
    assert Periodic(hours=1, minutes=30) == Interval(timedelta(minutes=90))
    assert Periodic(seconds=0.5).every == timedelta(milliseconds=500)
    assert repr(periodic) == "Interval(every=datetime.timedelta(seconds=7200))"


def test_interval_anchored_at_epoch_is_the_same_on_every_machine() -> None:
    seven_minutes = Interval(timedelta(minutes=7))
    nxt = seven_minutes.next_after(utc(2026, 5, 15, 12, 0))
    assert nxt is not None
    assert (nxt - utc(1970, 1, 1)) % timedelta(minutes=7) == timedelta(0)
    assert timedelta(0) < nxt - utc(2026, 5, 15, 12, 0) <= timedelta(minutes=7)


def test_interval_uses_exact_microseconds_far_from_the_epoch() -> None:
    tenth = Interval(timedelta(seconds=0.1))
    assert tenth.next_after(utc(2099, 12, 31, 23, 59, 59, 950_001)) == utc(2100, 1, 1)
    odd = Interval(timedelta(microseconds=7))
    nxt = odd.next_after(utc(2100, 1, 1))
    assert nxt is not None
    assert (nxt - utc(1970, 1, 1)) // timedelta(microseconds=1) % 7 == 0


def test_interval_with_start_fires_only_from_start() -> None:
    start = utc(2026, 5, 15, 10, 17)
    hourly = Interval(timedelta(hours=1), start=start)
    assert hourly.next_after(utc(2020, 1, 1)) == start
    assert hourly.first(utc(2020, 1, 1)) == start
    assert hourly.first(start) == start
    assert hourly.next_after(start) == utc(2026, 5, 15, 11, 17)
    assert hourly.next_after(utc(2026, 5, 15, 11, 17, 0, 1)) == utc(2026, 5, 15, 12, 17)


def test_interval_start_naive_is_utc() -> None:
    assert Interval(timedelta(hours=1), start=datetime(2026, 1, 1, 10)).start == utc(2026, 1, 1, 10)


@pytest.mark.parametrize(
    ("every", "text"),
    [
        (timedelta(hours=2), "Every 2 hours"),
        (timedelta(minutes=15), "Every 15 minutes"),
        (timedelta(hours=1), "Every hour"),
        (timedelta(minutes=90), "Every 90 minutes"),
        (timedelta(days=1), "Every day"),
        (timedelta(days=14), "Every 2 weeks"),
        (timedelta(seconds=45), "Every 45 seconds"),
        (timedelta(milliseconds=1500), "Every 1.5 seconds"),
    ],
)
def test_interval_describe(every: timedelta, text: str) -> None:
    assert Interval(every).describe() == text


def test_interval_describe_with_start() -> None:
    every = Interval(timedelta(hours=2), start=utc(2026, 1, 1, 6))
    assert every.describe() == "Every 2 hours from 2026-01-01 06:00:00 UTC"


# ---------------------------------------------------------------- Hourly


def test_hourly_fires_at_the_minute_of_every_utc_hour() -> None:
    hourly = Hourly(5)
    assert hourly.next_after(utc(2026, 5, 15, 10, 4, 59)) == utc(2026, 5, 15, 10, 5)
    assert hourly.next_after(utc(2026, 5, 15, 10, 5)) == utc(2026, 5, 15, 11, 5)
    assert hourly.next_after(utc(2026, 12, 31, 23, 30)) == utc(2027, 1, 1, 0, 5)
    assert hourly.first(utc(2026, 5, 15, 10, 5)) == utc(2026, 5, 15, 10, 5)
    assert Hourly().next_after(utc(2026, 5, 15, 10, 0)) == utc(2026, 5, 15, 11, 0)
    assert hourly.describe() == "Hourly at :05"
    assert Hourly(30).describe() == "Hourly at :30"


# ---------------------------------------------------------------- Daily / Weekly / Monthly


def test_daily_in_a_zone_follows_its_offset_through_the_year() -> None:
    nine = Daily(time(9), BERLIN)
    assert nine.next_after(utc(2026, 7, 1)) == utc(2026, 7, 1, 7)  # CEST, +02:00
    assert nine.next_after(utc(2026, 1, 1)) == utc(2026, 1, 1, 8)  # CET, +01:00
    assert nine.next_after(utc(2026, 1, 1, 8)) == utc(2026, 1, 2, 8)
    assert nine.first(utc(2026, 1, 1, 8)) == utc(2026, 1, 1, 8)
    assert Daily("09:00:30").next_after(utc(2026, 1, 1, 9)) == utc(2026, 1, 1, 9, 0, 30)


def test_daily_accepts_time_strings() -> None:
    assert Daily("09:00", BERLIN) == Daily(time(9), BERLIN)
    assert Daily("9:05:07").time == time(9, 5, 7)


def test_weekly_normalises_days() -> None:
    weekly = Weekly(["FRI", "monday", 4, " Mon "], "09:00")
    assert weekly.days == (0, 4)
    assert weekly == Weekly([0, 4], time(9))
    assert Weekly("sun", "09:00").days == (6,)
    assert Weekly(2, "09:00").days == (2,)


def test_weekly_fires_on_its_days() -> None:
    weekly = Weekly(["mon", "fri"], "09:00", NEW_YORK)
    # 2026-05-15 is a Friday; New York is on EDT (-04:00).
    assert occurrences(weekly, utc(2026, 5, 14), 3) == [
        utc(2026, 5, 15, 13),
        utc(2026, 5, 18, 13),
        utc(2026, 5, 22, 13),
    ]


def test_monthly_day_31_falls_back_to_the_last_day_of_shorter_months() -> None:
    month_end = Monthly(31, "09:00")
    assert occurrences(month_end, utc(2026, 1, 1), 5) == [
        utc(2026, 1, 31, 9),
        utc(2026, 2, 28, 9),
        utc(2026, 3, 31, 9),
        utc(2026, 4, 30, 9),
        utc(2026, 5, 31, 9),
    ]
    assert month_end.next_after(utc(2028, 2, 1)) == utc(2028, 2, 29, 9)
    assert month_end.next_after(utc(2100, 2, 1)) == utc(2100, 2, 28, 9)
    assert month_end.next_after(utc(2026, 4, 30, 9)) == utc(2026, 5, 31, 9)


def test_monthly_day_30_and_29_in_february() -> None:
    assert Monthly(30, "00:00").next_after(utc(2026, 2, 1)) == utc(2026, 2, 28)
    assert Monthly(29, "00:00").next_after(utc(2028, 2, 1)) == utc(2028, 2, 29)
    assert Monthly(15, "12:00", BERLIN).next_after(utc(2026, 6, 15, 10)) == utc(2026, 7, 15, 10)


# ---------------------------------------------------------------- Cron


def test_cron_weekdays() -> None:
    weekdays = Cron("0 9 * * 1-5")
    # 2026-05-15 is a Friday.
    assert occurrences(weekdays, utc(2026, 5, 15, 9), 2) == [utc(2026, 5, 18, 9), utc(2026, 5, 19, 9)]
    assert weekdays.first(utc(2026, 5, 15, 9)) == utc(2026, 5, 15, 9)


def test_cron_in_a_zone() -> None:
    assert Cron("0 9 * * *", BERLIN).next_after(utc(2026, 7, 1)) == utc(2026, 7, 1, 7)


def test_cron_with_seconds_last() -> None:
    assert Cron("0 9 * * * 30").next_after(utc(2026, 1, 1)) == utc(2026, 1, 1, 9, 0, 30)


def test_cron_respects_microseconds_of_the_reference() -> None:
    every_minute = Cron("* * * * *")
    assert every_minute.next_after(utc(2026, 1, 1, 9, 0, 0, 1)) == utc(2026, 1, 1, 9, 1)
    assert every_minute.next_after(utc(2026, 1, 1, 8, 59, 59, 999_999)) == utc(2026, 1, 1, 9, 0)


def test_cron_expression_whitespace_is_normalised() -> None:
    assert Cron("  0   9 * * 1-5 ").expression == "0 9 * * 1-5"
    assert Cron("0 9 * * 1-5") == Cron("0\t9 * * 1-5")


def test_cron_alias_and_leap_day() -> None:
    assert Cron("@daily").next_after(utc(2026, 1, 1)) == utc(2026, 1, 2)
    assert Cron("0 0 29 2 *").next_after(utc(2026, 1, 1)) == utc(2028, 2, 29)


# ---------------------------------------------------------------- naive inputs, return type


@pytest.mark.parametrize(
    "schedule",
    [
        Once(utc(2030, 1, 1)),
        Interval(timedelta(minutes=7)),
        Hourly(5),
        Daily("09:00", BERLIN),
        Weekly(["tue"], "09:00", NEW_YORK),
        Monthly(31, "09:00", "Asia/Kolkata"),
        Cron("*/5 * * * *", "Australia/Lord_Howe"),
    ],
)
def test_naive_datetimes_are_utc_and_results_are_aware_utc(schedule: Schedule) -> None:
    naive = datetime(2026, 5, 15, 10, 3)
    result = schedule.next_after(naive)
    assert result == schedule.next_after(naive.replace(tzinfo=UTC))
    assert result is not None and result.tzinfo is UTC
    assert schedule.first(naive) == schedule.first(naive.replace(tzinfo=UTC))
    assert schedule.is_recurring is not isinstance(schedule, Once)


# ---------------------------------------------------------------- describe


@pytest.mark.parametrize(
    ("schedule", "text"),
    [
        (Periodic(hours=2), "Every 2 hours"),
        (Periodic(minutes=15), "Every 15 minutes"),
        (Hourly(5), "Hourly at :05"),
        (Daily(time(9), BERLIN), "Daily at 09:00 Europe/Berlin"),
        (Daily("09:00:30"), "Daily at 09:00:30 UTC"),
        (Weekly(["fri", "mon"], "09:00"), "Weekly on Mon, Fri at 09:00 UTC"),
        (Monthly(31, "09:00"), "Monthly on day 31 at 09:00 UTC"),
        (Cron("0 9 * * 1-5"), "Cron '0 9 * * 1-5' UTC"),
        (Cron("0 9 * * 1-5", NEW_YORK), "Cron '0 9 * * 1-5' America/New_York"),
    ],
)
def test_describe(schedule: Schedule, text: str) -> None:
    assert schedule.describe() == text


# ---------------------------------------------------------------- schedule_hours_from_now


def test_schedule_hours_from_now() -> None:
    now = utc(2026, 5, 15, 10)
    assert schedule_hours_from_now(2, now) == Once(utc(2026, 5, 15, 12))
    assert schedule_hours_from_now(1.5, now=now) == Once(utc(2026, 5, 15, 11, 30))
    assert schedule_hours_from_now(0, now) == Once(utc(2026, 5, 15, 10, 1))
    assert schedule_hours_from_now(1, datetime(2026, 5, 15, 10)) == Once(utc(2026, 5, 15, 11))


def test_schedule_hours_from_now_uses_the_clock() -> None:
    with using_clock(FakeClock(utc(2026, 5, 15, 10))):
        assert schedule_hours_from_now(24).when == utc(2026, 5, 16, 10)

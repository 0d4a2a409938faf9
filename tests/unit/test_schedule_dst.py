"""botfactory.schedule across DST transitions: gaps move forward, overlaps fire once, no duplicates."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from botfactory.schedule import (
    Cron,
    Daily,
    Monthly,
    Schedule,
    Weekly,
)
from botfactory.schedule.wallclock import _search_start
from tests.unit.schedule_support import BERLIN, NEW_YORK, occurrences, utc


@pytest.mark.parametrize("schedule", [Daily("02:30", BERLIN), Cron("30 2 * * *", BERLIN)])
def test_berlin_spring_gap_moves_forward_to_the_end_of_the_gap(schedule: Schedule) -> None:
    # 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist. zoneinfo alone says 01:30 UTC.
    assert occurrences(schedule, utc(2026, 3, 28, 12), 3) == [
        utc(2026, 3, 29, 1),  # 03:00 CEST, the first valid instant
        utc(2026, 3, 30, 0, 30),  # 02:30 CEST
        utc(2026, 3, 31, 0, 30),
    ]


@pytest.mark.parametrize("schedule", [Daily("02:30", NEW_YORK), Cron("30 2 * * *", NEW_YORK)])
def test_new_york_spring_gap_moves_forward_to_the_end_of_the_gap(schedule: Schedule) -> None:
    # 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    assert occurrences(schedule, utc(2026, 3, 7, 12), 2) == [utc(2026, 3, 8, 7), utc(2026, 3, 9, 6, 30)]


def test_lord_howe_half_hour_gap() -> None:
    # 2026-10-04: 02:00 +10:30 jumps to 02:30 +11:00, i.e. at 2026-10-03 15:30 UTC.
    assert Daily("02:15", "Australia/Lord_Howe").next_after(utc(2026, 10, 3)) == utc(2026, 10, 3, 15, 30)


@pytest.mark.parametrize("schedule", [Daily("02:30", BERLIN), Cron("30 2 * * *", BERLIN)])
def test_berlin_autumn_overlap_fires_once_at_the_first_reading(schedule: Schedule) -> None:
    # 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens at 00:30 and at 01:30 UTC.
    assert occurrences(schedule, utc(2026, 10, 24, 12), 3) == [
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 26, 1, 30),
        utc(2026, 10, 27, 1, 30),
    ]
    # Asked from inside the repeat (02:15 CET, second reading), it does not fire at the second 02:30.
    assert schedule.next_after(utc(2026, 10, 25, 1, 15)) == utc(2026, 10, 26, 1, 30)
    assert schedule.first(utc(2026, 10, 25, 1, 30)) == utc(2026, 10, 26, 1, 30)


@pytest.mark.parametrize("schedule", [Daily("01:30", NEW_YORK), Cron("30 1 * * *", NEW_YORK)])
def test_new_york_autumn_overlap_fires_once(schedule: Schedule) -> None:
    # 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 happens at 05:30 and 06:30 UTC.
    assert occurrences(schedule, utc(2026, 10, 31, 12), 2) == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]


def test_cron_every_30_minutes_across_new_york_autumn() -> None:
    half_hourly = Cron("*/30 * * * *", NEW_YORK)
    found = occurrences(half_hourly, utc(2026, 11, 1, 3, 50), 8)
    assert found == [
        utc(2026, 11, 1, 4, 0),  # 00:00 EDT
        utc(2026, 11, 1, 4, 30),
        utc(2026, 11, 1, 5, 0),  # 01:00 EDT
        utc(2026, 11, 1, 5, 30),  # 01:30 EDT; 01:00 and 01:30 EST are repeats and do not fire
        utc(2026, 11, 1, 7, 0),  # 02:00 EST
        utc(2026, 11, 1, 7, 30),
        utc(2026, 11, 1, 8, 0),
        utc(2026, 11, 1, 8, 30),
    ]
    assert found == sorted(set(found))
    # From inside the repeated hour, the next one is after it.
    assert half_hourly.next_after(utc(2026, 11, 1, 6, 10)) == utc(2026, 11, 1, 7, 0)


def test_cron_every_30_minutes_across_berlin_spring_has_no_duplicates() -> None:
    found = occurrences(Cron("*/30 * * * *", BERLIN), utc(2026, 3, 28, 23, 50), 5)
    # 02:00 and 02:30 CET do not exist; both collapse onto 03:00 CEST, which fires once.
    assert found == [
        utc(2026, 3, 29, 0),
        utc(2026, 3, 29, 0, 30),
        utc(2026, 3, 29, 1),
        utc(2026, 3, 29, 1, 30),
        utc(2026, 3, 29, 2),
    ]


def test_cron_every_30_minutes_across_berlin_autumn_is_strictly_increasing() -> None:
    found = occurrences(Cron("*/30 * * * *", BERLIN), utc(2026, 10, 24, 22), 12)
    assert all(earlier < later for earlier, later in zip(found, found[1:], strict=False))
    assert len(set(found)) == len(found)
    assert utc(2026, 10, 25, 0, 30) in found  # 02:30 CEST
    assert utc(2026, 10, 25, 1, 30) not in found  # 02:30 CET, the repeat


def test_search_from_inside_a_repeated_hour_starts_where_it_ends() -> None:
    new_york = ZoneInfo(NEW_YORK)
    # 06:10 UTC on 2026-11-01 is 01:10 EST, the second reading of New York's repeated hour: every wall
    # time up to 02:00 already fired, so the search skips them instead of walking through them.
    assert _search_start(utc(2026, 11, 1, 6, 10), new_york) == datetime(2026, 11, 1, 1, 59, 59, 999_999)
    assert _search_start(utc(2026, 11, 1, 5, 10), new_york) == datetime(2026, 11, 1, 1, 10)
    every_second = Cron("* * * * * *", NEW_YORK)
    assert every_second.next_after(utc(2026, 11, 1, 6, 10)) == utc(2026, 11, 1, 7, 0, 0)
    assert every_second.next_after(utc(2026, 11, 1, 5, 59, 59)) == utc(2026, 11, 1, 7, 0, 0)
    assert every_second.next_after(utc(2026, 11, 1, 5, 59, 58)) == utc(2026, 11, 1, 5, 59, 59)


def test_weekly_and_monthly_follow_the_same_dst_rules() -> None:
    # 2026-03-29 is a Sunday, the Berlin spring-forward day.
    assert Weekly(["sun"], "02:30", BERLIN).next_after(utc(2026, 3, 28)) == utc(2026, 3, 29, 1)
    assert Monthly(29, "02:30", BERLIN).next_after(utc(2026, 3, 28)) == utc(2026, 3, 29, 1)
    assert Monthly(25, "02:30", BERLIN).next_after(utc(2026, 10, 24)) == utc(2026, 10, 25, 0, 30)
    assert Monthly(25, "02:30", BERLIN).next_after(utc(2026, 10, 25, 0, 30)) == utc(2026, 11, 25, 1, 30)

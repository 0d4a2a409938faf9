"""Property tests for botfactory.schedule: every kind, DST-heavy zones, start times biased to transitions."""

from __future__ import annotations

import functools
import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from botfactory.schedule.wallclock import WallClockSchedule
from tests.unit.schedule_support import occurrences

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
DST_ZONES = ZONES[1:4]
STEPS = 24
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)

# No example database: the tests must not write into the shared working tree.
PROPERTY = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def transitions(zone_name: str, year: int) -> tuple[datetime, ...]:
    """The instants in ``year`` at which ``zone_name`` changes its UTC offset (at most one per month)."""
    zone = ZoneInfo(zone_name)
    found = []
    for month in range(1, 13):
        low = datetime(year, month, 1, tzinfo=UTC)
        high = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        if low.astimezone(zone).utcoffset() == high.astimezone(zone).utcoffset():
            continue
        while high - low > timedelta(seconds=1):
            middle = low + (high - low) / 2
            if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                low = middle
            else:
                high = middle
        found.append(high.replace(microsecond=0))
    return tuple(found)


@st.composite
def start_times(draw: st.DrawFn, zone_name: str) -> datetime:
    """Mostly within a few hours of one of the zone's DST transitions, on round and ragged times."""
    year = draw(st.integers(2000, 2100))
    near = transitions(zone_name, year) or transitions("Europe/Berlin", year)
    if draw(st.integers(0, 3)):
        base = draw(st.sampled_from(near))
        # Mostly before the transition, so the occurrences walk through it.
        quarter_hours = draw(st.integers(-14, 4))
        jitter = draw(st.sampled_from([0, 0, 0, 1, -1, 59, 29 * 60]))
        start = base + timedelta(minutes=15 * quarter_hours, seconds=jitter)
    else:
        start = draw(st.datetimes(datetime(year, 1, 1), datetime(year, 12, 31), timezones=st.just(UTC)))
    start += timedelta(microseconds=draw(st.sampled_from([0, 0, 0, 1, 999_999])))
    # Naive datetimes mean UTC; feed some in to cover that path too.
    return start.replace(tzinfo=None) if draw(st.integers(0, 4)) == 0 else start


def times_of_day(zone_name: str) -> st.SearchStrategy[time]:
    any_time = st.builds(time, st.integers(0, 23), st.integers(0, 59), st.one_of(st.just(0), st.integers(0, 59)))
    # Wall times the zone skips or repeats, and the ones just around them.
    edges = set()
    for transition in transitions(zone_name, 2026):
        zone = ZoneInfo(zone_name)
        for reading in ((transition - TICK).astimezone(zone) + TICK, transition.astimezone(zone)):
            for quarter_hours in range(-2, 6):
                edges.add((reading + timedelta(minutes=15 * quarter_hours)).time().replace(microsecond=0))
    return st.one_of(st.sampled_from(sorted(edges)), any_time) if edges else any_time


def cron_expressions() -> st.SearchStrategy[str]:
    # Every combination can fire: each month list includes a month with a 31st.
    minute = st.one_of(st.sampled_from(["*", "*/30", "*/15", "0", "30", "0,30", "15-45/15"]), st.integers(0, 59))
    hour = st.one_of(st.sampled_from(["*", "1", "2", "3", "1-3", "*/2", "0,2"]), st.integers(0, 23))
    day = st.sampled_from(["*", "*", "1", "15", "31", "L"])
    month = st.sampled_from(["*", "*", "3,10", "*/2", "4,10"])
    weekday = st.sampled_from(["*", "*", "0", "1-5", "sun", "sat,sun"])
    seconds = st.sampled_from(["", "", "", " 0", " */20", " 30"])
    fields = st.tuples(minute, hour, day, month, weekday, seconds)
    return fields.map(lambda parts: " ".join(str(part) for part in parts[:5]) + parts[5])


@st.composite
def schedules(draw: st.DrawFn, zones: list[str] = ZONES, wall_clock_only: bool = False) -> tuple[Schedule, str]:
    zone = draw(st.sampled_from(zones))
    moment = st.datetimes(datetime(2000, 1, 1), datetime(2100, 12, 31), timezones=st.just(UTC))
    everys = st.one_of(
        st.sampled_from([timedelta(minutes=15), timedelta(hours=1), timedelta(hours=2), timedelta(days=1)]),
        st.integers(1, 40 * 86_400).map(lambda seconds: timedelta(seconds=seconds)),
        st.integers(1, 10**9).map(lambda micros: timedelta(microseconds=micros)),
    )
    days = st.lists(st.one_of(st.integers(0, 6), st.sampled_from(["mon", "Fri", "SUNDAY"])), min_size=1)
    # All three DST zones change on a Sunday.
    days = st.one_of(days, days.map(lambda chosen: [*chosen, "sun"]))
    kinds = {
        "once": st.builds(Once, moment),
        "interval": st.builds(Interval, everys, st.one_of(st.none(), moment)),
        "periodic": st.builds(Periodic, st.integers(0, 48), st.integers(1, 120)),
        "hourly": st.builds(Hourly, st.integers(0, 59)),
        "daily": st.builds(Daily, times_of_day(zone), st.just(zone)),
        "weekly": st.builds(Weekly, days, times_of_day(zone), st.just(zone)),
        "monthly": st.builds(
            Monthly, st.one_of(st.integers(28, 31), st.integers(1, 31)), times_of_day(zone), st.just(zone)
        ),
        "cron": st.builds(Cron, cron_expressions(), st.just(zone)),
    }
    kind = draw(st.sampled_from(["daily", "weekly", "monthly", "cron"] if wall_clock_only else sorted(kinds)))
    return draw(kinds[kind]), zone


def is_gap_end(instant: datetime, zone: ZoneInfo) -> bool:
    """True when ``instant`` is the first instant after a spring-forward gap."""
    before = (instant - TICK).astimezone(zone).utcoffset()
    after = instant.astimezone(zone).utcoffset()
    assert before is not None and after is not None
    return after > before


def wall_time_fits(schedule: WallClockSchedule, wall: datetime) -> bool:
    if isinstance(schedule, Cron):
        return croniter(schedule.expression, wall - timedelta(seconds=1)).get_next(datetime) == wall
    assert isinstance(schedule, Daily | Weekly | Monthly)
    if wall.time() != schedule.time:
        return False
    if isinstance(schedule, Weekly):
        return wall.weekday() in schedule.days
    if isinstance(schedule, Monthly):
        month_end = (wall.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return wall.day == min(schedule.day, month_end.day)
    return True


def check_occurrences(schedule: Schedule, zone_name: str, start: datetime) -> None:
    start_utc = start.replace(tzinfo=UTC) if start.tzinfo is None else start
    first = schedule.first(start)
    if isinstance(schedule, Once):
        assert first == schedule.when
        assert schedule.next_after(start) == (schedule.when if schedule.when > start_utc else None)
        return
    assert first is not None and first >= start_utc
    assert first == schedule.next_after(start_utc - TICK)

    previous = start_utc
    found = []
    for _ in range(STEPS):
        nxt = schedule.next_after(previous)
        assert nxt is not None
        assert nxt.tzinfo is UTC
        assert nxt > previous
        found.append(nxt)
        previous = nxt
    assert found[0] == schedule.next_after(start)

    if isinstance(schedule, Interval):
        anchor = schedule.start or EPOCH
        assert all((moment - anchor) % schedule.every == timedelta(0) and moment >= anchor for moment in found)
    elif isinstance(schedule, Hourly):
        assert all(moment.minute == schedule.minute and moment.second == moment.microsecond == 0 for moment in found)
    else:
        assert isinstance(schedule, WallClockSchedule)
        zone = ZoneInfo(zone_name)
        for moment in found:
            local = moment.astimezone(zone)
            # Fires at the first reading of a repeated wall time, never the second.
            assert local.fold == 0
            # Either exactly a wanted wall time, or a wanted wall time the clocks skipped, moved to the gap's end.
            assert wall_time_fits(schedule, local.replace(tzinfo=None)) or is_gap_end(moment, zone)
        if isinstance(schedule, Daily):
            # Exactly one occurrence per local day, DST days included (these zones never jump over midnight).
            local_days = [moment.astimezone(zone).date() for moment in found]
            assert all(b - a == timedelta(days=1) for a, b in zip(local_days, local_days[1:], strict=False))


@PROPERTY
@given(data=st.data())
def test_next_after_strictly_increases_in_aware_utc(data: st.DataObject) -> None:
    schedule, zone_name = data.draw(schedules(), label="schedule")
    check_occurrences(schedule, zone_name, data.draw(start_times(zone_name), label="start"))


@st.composite
def through_a_transition(draw: st.DrawFn) -> tuple[Schedule, str, datetime]:
    """A wall-clock schedule aimed at a wall time a DST transition skips or repeats, started before it."""
    zone_name = draw(st.sampled_from(DST_ZONES))
    zone = ZoneInfo(zone_name)
    transition = draw(st.sampled_from(transitions(zone_name, draw(st.integers(2000, 2100)))))
    # The wall clock reads the first of these just before the transition and the second just after it;
    # the skipped or repeated wall times lie between them.
    readings = ((transition - TICK).astimezone(zone) + TICK, transition.astimezone(zone))
    wall = draw(st.sampled_from(readings)) + timedelta(minutes=draw(st.integers(-30, 75)))
    wanted = wall.time().replace(second=draw(st.sampled_from([0, 0, 30])), microsecond=0)
    day = wall.date()
    kind = draw(st.sampled_from(["daily", "weekly", "monthly", "cron", "cron-every"]))
    schedule: Schedule
    if kind == "daily":
        schedule = Daily(wanted, zone_name)
    elif kind == "weekly":
        schedule = Weekly([day.weekday(), *draw(st.lists(st.integers(0, 6), max_size=2))], wanted, zone_name)
    elif kind == "monthly":
        schedule = Monthly(day.day, wanted, zone_name)
    elif kind == "cron":
        schedule = Cron(f"{wanted.minute} {wanted.hour} * * *", zone_name)
    else:
        step = draw(st.sampled_from(["*/15", "*/30", "0,30", "10-50/20", "*/5"]))
        schedule = Cron(f"{step} * * * *" + draw(st.sampled_from(["", " 0"])), zone_name)
    # Early enough that the STEPS occurrences reach the aimed-at wall time (at least every 5 minutes: 2 hours).
    lead = draw(st.integers(-30, 100 if kind == "cron-every" else 26 * 60))
    start = wall.astimezone(UTC) - timedelta(minutes=lead, microseconds=draw(st.integers(0, 1)))
    return schedule, zone_name, start


@PROPERTY
@given(case=through_a_transition())
def test_wall_clock_schedules_through_dst_transitions(case: tuple[Schedule, str, datetime]) -> None:
    check_occurrences(*case)


@PROPERTY
@given(data=st.data())
def test_json_round_trip_is_exact(data: st.DataObject) -> None:
    schedule, _ = data.draw(schedules(), label="schedule")
    document = schedule.to_json()
    assert json.loads(json.dumps(document)) == document
    again = from_json(document)
    assert again == schedule
    assert hash(again) == hash(schedule)
    assert again.to_json() == document
    assert from_json(json.dumps(document)) == schedule
    assert again.describe() == schedule.describe()


@settings(max_examples=100, deadline=None, database=None)
@given(
    zone_and_time=st.sampled_from(DST_ZONES).flatmap(lambda zone: st.tuples(st.just(zone), times_of_day(zone))),
    year=st.integers(2000, 2100),
)
def test_daily_on_transition_days_fires_once_and_at_the_gap_end(zone_and_time: tuple[str, time], year: int) -> None:
    zone_name, wanted = zone_and_time
    zone = ZoneInfo(zone_name)
    for transition in transitions(zone_name, year):
        day: date = transition.astimezone(zone).date()
        daily = Daily(wanted, zone_name)
        midnight_before = datetime.combine(day, time(0), tzinfo=zone) - timedelta(days=1)
        found = [moment for moment in occurrences(daily, midnight_before, 3) if moment.astimezone(zone).date() == day]
        assert len(found) == 1
        wall = datetime.combine(day, wanted)
        first_reading = wall.replace(tzinfo=zone, fold=0)
        exists = first_reading.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall
        if exists:
            assert found[0] == first_reading.astimezone(UTC)
        else:
            assert found[0] == transition

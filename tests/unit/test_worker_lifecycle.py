"""What an attempt does to its event (retry, next occurrence, end), and how one attempt is executed — without
a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from botfactory.clock import FakeClock, using_clock
from botfactory.events.execution import RESULT_CAP, Execution, cap_text
from botfactory.events.job import MultiResourceScheduledEventJob, ScheduledEventJob
from botfactory.events.lifecycle import (
    MAX_RETRY_DELAY,
    HistoryRow,
    Outcome,
    after_attempt,
    next_occurrence,
    retry_delay,
    summarize,
)
from botfactory.events.records import EventRecord
from botfactory.events.registry import EventTypeSpec
from botfactory.schedule import Hourly, Interval, Once

T0 = datetime(2026, 5, 15, 22, 0, tzinfo=UTC)


def event(schedule: Any = None, **changes: Any) -> EventRecord:
    base = EventRecord(
        id=7,
        event_type="t.job",
        description="",
        state="running",
        schedule=(schedule or Once(T0)).to_json(),
        next_run_at=T0,
        occurrence_at=T0,
        attempt=1,
        max_attempts=3,
        retry_backoff=10.0,
        misfire_grace=None,
        timeout=None,
        lease_owner="me:1",
        lease_expires_at=T0 + timedelta(minutes=1),
        bot_id=None,
        account_id=None,
        action_data={},
        dedupe_key="k" * 64,
        revalidate=False,
        created_at=T0,
        created_by="divvyuser:0:",
        last_run_at=None,
        last_status=None,
        run_count=0,
    )
    return replace(base, **changes)


def outcome(ev: EventRecord, *statuses: str) -> Outcome:
    return Outcome(ev, tuple(HistoryRow(f"r{i}", T0, T0, s) for i, s in enumerate(statuses)))


# -- backoff ----------------------------------------------------------------------------------------------


def test_retry_delay_doubles_with_jitter_and_a_cap() -> None:
    assert retry_delay(10, 1, 0.5) == 10
    assert retry_delay(10, 2, 0.5) == 20
    assert retry_delay(10, 3, 0.5) == 40
    assert retry_delay(10, 1, 0.0) == 7.5 and retry_delay(10, 1, 0.999999) == pytest.approx(12.5, abs=1e-4)
    assert retry_delay(0, 5, 0.3) == 0
    assert retry_delay(10, 10_000, 0.5) == MAX_RETRY_DELAY


@given(st.floats(0.001, 1e5), st.integers(1, 200), st.floats(0, 0.999999))
def test_retry_delay_stays_within_its_bounds(base: float, attempt: int, rand: float) -> None:
    delay = retry_delay(base, attempt, rand)
    nominal = min(MAX_RETRY_DELAY, base * 2 ** min(attempt - 1, 64))
    assert 0.75 * nominal <= delay <= 1.25 * nominal


# -- transitions ------------------------------------------------------------------------------------------


def test_summary_status_of_an_attempt_over_resources() -> None:
    assert summarize(["SUCCESS", "SKIPPED"]) == "SUCCESS"
    assert summarize(["SUCCESS", "TIMEOUT"]) == "TIMEOUT"
    assert summarize(["TIMEOUT", "ERROR"]) == "ERROR"
    assert summarize(["SKIPPED", "SKIPPED"]) == "SKIPPED"
    assert summarize(["MISSED"]) == "MISSED"
    assert summarize([]) == "SUCCESS"


def test_once_success_ends_the_event_and_frees_its_dedupe_key() -> None:
    values = after_attempt(outcome(event(), "SUCCESS"), T0)
    assert values["state"] == "succeeded" and values["next_run_at"] is None and values["clear_dedupe"]
    assert (values["last_status"], values["run_count"], values["last_run_at"]) == ("SUCCESS", 1, T0)
    assert values["lease_owner"] is None and values["lease_expires_at"] is None


def test_failure_with_attempts_left_retries_the_same_occurrence() -> None:
    values = after_attempt(outcome(event(attempt=2), "SUCCESS", "ERROR"), T0, rand=0.5)
    assert values["state"] == "pending" and values["next_run_at"] == T0 + timedelta(seconds=20)
    assert values["occurrence_at"] == T0 and values["attempt"] == 2 and not values["clear_dedupe"]


def test_last_failure_fails_a_once_and_moves_a_recurring_event_on() -> None:
    assert after_attempt(outcome(event(attempt=3), "TIMEOUT"), T0)["state"] == "failed"
    values = after_attempt(outcome(event(Hourly(0), attempt=3), "ERROR"), T0 + timedelta(minutes=5))
    assert (values["state"], values["next_run_at"], values["attempt"]) == ("pending", T0 + timedelta(hours=1), 0)
    assert values["last_status"] == "ERROR" and not values["clear_dedupe"]


def test_skipped_and_missed_end_a_once_as_skipped_without_counting_a_run() -> None:
    for status in ("SKIPPED", "MISSED"):
        values = after_attempt(outcome(event(), status), T0)
        assert (values["state"], values["last_status"], values["run_count"]) == ("skipped", status, 0)


def test_next_occurrence_coalesces_missed_ones() -> None:
    ev = event(Interval(timedelta(hours=1)))
    assert next_occurrence(ev, T0 + timedelta(seconds=1)) == T0 + timedelta(hours=1)
    assert next_occurrence(ev, T0 + timedelta(hours=5, minutes=30)) == T0 + timedelta(hours=6)
    assert next_occurrence(event(Once(T0 + timedelta(days=1))), T0) is None  # run-now of a future Once: done
    assert next_occurrence(replace(ev, schedule={"type": "nope"}), T0) is None  # unreadable: the event ends


# -- one execution ----------------------------------------------------------------------------------------


class Echo(ScheduledEventJob):
    def __init__(self, note: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.note = note

    def run(self) -> str:
        return f"{self.note} {self.resource_id} {self.user_resource_id} {self.scheduled_event_id} {self.scheduled_for}"


class Everyone(MultiResourceScheduledEventJob):
    def run(self) -> None:
        raise RuntimeError("x" * 100_000)


def run(ev: EventRecord, job: type, **spec: Any) -> Outcome:
    with using_clock(FakeClock(T0 + timedelta(seconds=5))):
        return Execution(ev, EventTypeSpec(uid=ev.event_type, job_class=job, **spec)).run()


def test_a_job_is_built_the_divvycloud_way_once_per_resource() -> None:
    result = run(event(resource_ids=("a", "b"), action_data={"note": "hi"}), Echo)
    assert [(r.resource_id, r.status) for r in result.rows] == [("a", "SUCCESS"), ("b", "SUCCESS")]
    assert result.rows[0].result_data == f"hi a divvyuser:0: 7 {T0}"


def test_cast_args_and_a_multi_resource_job_with_an_oversized_traceback() -> None:
    result = run(event(resource_ids=("a", "b")), Everyone, cast_args=lambda data: {**data})
    assert [r.status for r in result.rows] == ["ERROR", "ERROR"]
    text = result.rows[0].result_data
    assert len(text) <= RESULT_CAP and text.startswith("Everyone.run() raised:") and "characters cut" in text
    assert text.rstrip().endswith("x" * 50)  # the end of a traceback is what says what broke


def test_misfire_is_checked_on_the_first_attempt_only() -> None:
    late = event(misfire_grace=1.0, resource_ids=("a",))
    assert [r.status for r in run(late, Echo).rows] == ["MISSED"]
    assert [r.status for r in run(replace(late, attempt=2), Echo).rows] == ["SUCCESS"]


def test_timed_out_keeps_finished_resources() -> None:
    ev = event(resource_ids=("a", "b"))
    execution = Execution(ev, EventTypeSpec(uid="t.job", job_class=Echo))
    execution._add([HistoryRow("a", T0, T0, "SUCCESS")])
    result = execution.timed_out(2.5)
    assert [(r.resource_id, r.status) for r in result.rows] == [("a", "SUCCESS"), ("b", "TIMEOUT")]
    execution._add([HistoryRow("b", T0, T0, "SUCCESS")])  # the abandoned thread's late result is ignored
    assert [r.status for r in execution._outcome().rows] == ["SUCCESS"]


def test_cap_text_keeps_short_text() -> None:
    assert cap_text("short") == "short"
    assert len(cap_text("y" * (RESULT_CAP + 1))) == RESULT_CAP

"""How many events a worker claims ahead of its free slots: adaptive by default, bounded in time and count."""

from __future__ import annotations

import pytest

from botfactory.errors import ValidationError
from botfactory.events.prefetch import AHEAD_WINDOW, MAX_AHEAD, Prefetch


def test_auto_claims_nothing_ahead_before_any_job_has_finished() -> None:
    assert Prefetch.auto().ahead(4) == 0


def test_auto_holds_about_one_window_of_work_for_short_jobs() -> None:
    prefetch = Prefetch.auto()
    for _ in range(50):
        prefetch.record(0.001)
    # 4 slots x 50 ms window / 1 ms jobs: the events held ahead would all start within the window.
    assert prefetch.ahead(4) == int(4 * AHEAD_WINDOW / 0.001)


def test_auto_never_claims_long_jobs_ahead() -> None:
    prefetch = Prefetch.auto()
    prefetch.record(2.0)
    assert prefetch.ahead(16) == 0


def test_auto_is_capped_however_short_the_jobs() -> None:
    prefetch = Prefetch.auto()
    prefetch.record(0.0)
    assert prefetch.ahead(4) == MAX_AHEAD
    prefetch.record(1e-7)
    assert prefetch.ahead(4) == MAX_AHEAD


def test_auto_follows_a_change_of_job_duration() -> None:
    prefetch = Prefetch.auto()
    for _ in range(100):
        prefetch.record(0.0005)
    assert prefetch.ahead(4) > 100
    for _ in range(200):
        prefetch.record(1.0)
    assert prefetch.ahead(4) == 0


def test_fixed_prefetch_ignores_durations() -> None:
    prefetch = Prefetch.fixed(3)
    prefetch.record(0.0)
    assert prefetch.ahead(4) == 3
    assert Prefetch.fixed(0).ahead(4) == 0


@pytest.mark.parametrize(
    ("value", "auto", "ahead"),
    [(None, True, 0), ("auto", True, 0), (" AUTO ", True, 0), (0, False, 0), ("12", False, 12)],
)
def test_parse(value: object, auto: bool, ahead: int) -> None:
    prefetch = Prefetch.parse(value)  # type: ignore[arg-type]
    assert prefetch.is_auto is auto
    assert prefetch.ahead(4) == ahead


@pytest.mark.parametrize("value", [-1, "-3", "lots", 1.5, True, "1e3"])
def test_parse_rejects_anything_else_naming_the_field(value: object) -> None:
    with pytest.raises(ValidationError, match="prefetch") as caught:
        Prefetch.parse(value)  # type: ignore[arg-type]
    assert caught.value.field == "prefetch"


def test_auto_counts_a_slot_stuck_on_a_long_job_as_gone() -> None:
    prefetch = Prefetch.auto()
    prefetch.record(0.001)
    assert prefetch.ahead(2, stuck=1) == int(1 * AHEAD_WINDOW / 0.001)
    assert prefetch.ahead(2, stuck=2) == 0
    assert Prefetch.fixed(5).ahead(2, stuck=2) == 5


def test_one_slow_first_job_does_not_hold_the_budget_down() -> None:
    prefetch = Prefetch.auto()
    prefetch.record(0.02)  # the first job also opened a database connection
    for _ in range(9):
        prefetch.record(0.0001)
    # The plain mean of the first jobs (~2.1 ms), not a moving average still dominated by the first (~12.6 ms).
    assert prefetch.ahead(4) == int(4 * AHEAD_WINDOW / ((0.02 + 9 * 0.0001) / 10))

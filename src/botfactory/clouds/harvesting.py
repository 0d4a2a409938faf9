"""Keeping an account harvested: its recurring ``botfactory.harvest`` event, scheduled and cancelled here only."""

from __future__ import annotations

from datetime import timedelta

from botfactory import clock
from botfactory.clouds.accounts import Account
from botfactory.db import Database
from botfactory.events.store import EventFilter, EventStore
from botfactory.events.tracker import ScheduledEventTracker
from botfactory.schedule import Interval

CREATED_BY = "divvyuser:0:system:"


def schedule_harvest(db: Database, account: Account, *, every_minutes: int, created_by: str = CREATED_BY) -> int | None:
    """Schedule the account's recurring harvest (one live event per account: scheduling again keeps it)."""
    from botfactory.clouds.aws import jobs

    jobs.install()
    with ScheduledEventTracker(db, created_by=created_by) as tracker:
        handle = tracker.schedule_event(
            jobs.HARVEST,
            # Anchored a second from now, so the first harvest is due at once rather than at the next round
            # hour (an anchor already past when the tracker looks would make the first occurrence anchor + every).
            Interval(every=timedelta(minutes=every_minutes), start=clock.now() + timedelta(seconds=1)),
            description=f"Harvest cloud account {account.name!r}",
            action_data={"account_id": account.id},
            dedupe_key=f"{jobs.HARVEST}:{account.id}",
            account_id=account.id,
        )
    return handle.id


def cancel_harvest(db: Database, account_id: int) -> int:
    from botfactory.clouds.aws import jobs

    flt = EventFilter(states=("pending",), event_types=(jobs.HARVEST,), account_id=str(account_id))
    return EventStore(db).cancel_events(flt)

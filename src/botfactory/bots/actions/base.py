"""What the built-in actions share: their registry wrapper, the ``hours`` setting, grouping and scheduling.

Built-in actions are bulk actions (``fn(bot, settings, matches, non_matches)``) that support dry runs: during
one (``current_bot_run().dry_run``) they return what they would do and touch nothing. Their return value is the
action's recorded outcome detail; a non-empty ``failed`` list marks the outcome as an error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from botfactory.bots.context import bot_database
from botfactory.bots.fields import FieldOptions, FloatField
from botfactory.bots.registry import BotFactoryRegistryWrapper
from botfactory.events.context import current_bot_run
from botfactory.events.tracker import ScheduledEventTracker
from botfactory.schedule import schedule_hours_from_now

# Built-in actions record here; ``botfactory.bots.builtin.install()`` activates them.
registry = BotFactoryRegistryWrapper()

AWS_CLOUDS = ["AWS", "AWS_GOV", "AWS_CHINA"]
MAX_LISTED = 100  # resource ids listed in an outcome; the counts are always complete


def hours_field() -> FloatField:
    """DivvyCloud's delay: hours from the bot run; 0 means one minute from now, 0.25 is 15 minutes."""
    return FloatField(
        name="hours",
        display_name="Hours to wait",
        description="Hours after the bot run to act (0 = in one minute; 0.25 = 15 minutes).",
        options=FieldOptions.REQUIRED,
        min_value=0,
        max_value=24 * 365,
        default=24,
    )


def is_dry_run() -> bool:
    scope = current_bot_run()
    return scope is not None and scope.dry_run


def ids(resources: Iterable[Any]) -> list[str]:
    return [r.get_resource_id() for r in list(resources)[:MAX_LISTED]]


def by_scope(resources: Iterable[Any]) -> dict[tuple[str, str], list[Any]]:
    """Resources per (account, region): cloud calls are made once per group, not once per resource."""
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for resource in resources:
        groups[(resource.account_id, resource.region)].append(resource)
    return dict(groups)


def schedule_for_each(
    bot: Any,
    resources: list[Any],
    *,
    event_type: str,
    hours: float,
    description: str,
    action_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One event of ``event_type`` per resource, ``hours`` from now, all committed together.

    Inside a stored bot's run each event gets the (bot, resource, type) dedupe key — running the bot again does
    not add copies — and is re-validated before it acts. In a dry run nothing is written; the outcome lists the
    events that would be scheduled.
    """
    when = schedule_hours_from_now(hours)
    with ScheduledEventTracker(bot_database()) as tracker:
        for resource in resources:
            tracker.schedule_bot_event(
                bot=bot,
                resource=resource,
                description=description,
                event_type=event_type,
                schedule_data=when,
                action_data=action_data,
            )
    handles = tracker.scheduled
    detail: dict[str, Any] = {
        "event_type": event_type,
        "run_at": when.when.isoformat() if hasattr(when, "when") else None,
        "events": [
            {"id": h.id, "resource_id": h.resource_ids[0] if h.resource_ids else None} for h in handles[:MAX_LISTED]
        ],
    }
    detail["would_schedule" if is_dry_run() else "scheduled"] = len(handles)
    return detail


def act_per_scope(
    resources: list[Any],
    verb: str,
    call: Callable[[str, str, list[Any]], Any],
) -> dict[str, Any]:
    """Run ``call(account_id, region, resources)`` once per scope; a failing scope is reported, others go on."""
    if is_dry_run():
        return {f"would_{verb}": len(resources), "resources": ids(resources)}
    done: list[Any] = []
    failed: list[str] = []
    for (account_id, region), group in by_scope(resources).items():
        try:
            call(account_id, region, group)
            done.extend(group)
        except Exception as exc:
            failed.append(f"account {account_id} {region} ({len(group)} resources): {type(exc).__name__}: {exc}")
    return {verb: len(done), "resources": ids(done), "failed": failed}

"""Re-validation of bot events before they act (DESIGN §7 "safe delays"), plugged into the events layer's
before-run hooks.

An event a bot scheduled during a run is marked ``revalidate``. When it fires, the resource is re-read from the
store and the bot's current filters re-checked; if the resource is gone, left the bot's scope or no longer
matches — or the bot itself is gone or stopped — the worker records ``SKIPPED`` with the reason returned here.
Anything this check cannot establish (a filter no longer registered) also skips: acting blind is the one
outcome a delayed remediation must never have.
"""

from __future__ import annotations

from botfactory.bots.context import bot_database
from botfactory.bots.engine import compile_filters, first_mismatch, in_scope
from botfactory.bots.store import BotStore
from botfactory.events.records import EventRecord
from botfactory.resources.store import ResourceStore


def revalidate(event: EventRecord, resource_id: str | None) -> str | None:
    """None to go ahead, or why this occurrence must not act on ``resource_id``."""
    if not event.revalidate or not event.bot_id:
        return None
    db = bot_database()
    try:
        bot_id = int(event.bot_id)
    except ValueError:
        return f"bot id {event.bot_id!r} is not a stored bot"
    bot = BotStore(db).find(bot_id)
    if bot is None:
        return f"bot {bot_id} no longer exists"
    if not bot.is_running:
        return f"bot {bot.name!r} is {bot.state}"
    if resource_id is None:
        return None
    resource = ResourceStore(db).get(resource_id)
    if resource is None:
        return f"resource {resource_id} is no longer in the resource store"
    if resource.is_deleted:
        return f"resource {resource_id} was destroyed ({resource.deleted_at:%Y-%m-%d %H:%M:%S} UTC)"
    if not in_scope(bot, resource):
        return f"resource {resource_id} is outside the scope of bot {bot.name!r}"
    compiled, errors = compile_filters(bot)
    if errors:
        return f"cannot re-check bot {bot.name!r}: {errors[0]}"
    try:
        failed = first_mismatch(resource, compiled)
    except Exception as exc:
        return f"cannot re-check resource {resource_id}: a filter of bot {bot.name!r} failed: {exc}"
    if failed is not None:
        return f"resource {resource_id} no longer matches filter {failed} of bot {bot.name!r}"
    return None

"""``botfactory.run_bot``: the recurring event that runs a scheduled bot (DESIGN §4: periodic duties are rows).

The bot store keeps one live event per RUNNING bot with a schedule; the job re-reads the bot when it fires, so a
bot paused since the event was claimed does nothing.
"""

from __future__ import annotations

from typing import Any

from botfactory.bots.context import bot_database
from botfactory.errors import ExecutionError
from botfactory.events.job import ScheduledEventJob
from botfactory.events.registry import registry as event_registry

RUN_BOT_EVENT = "botfactory.run_bot"


class RunBotJob(ScheduledEventJob):
    """Run bot ``bot_id`` over its scope (``action_data``: ``{"bot_id": 7}``)."""

    def __init__(self, resource_id: str | None = None, bot_id: int | str | None = None, **kwargs: Any) -> None:
        super().__init__(resource_id, **kwargs)
        self.bot_id = bot_id

    def run(self) -> str:
        from botfactory.bots.engine import BotEngine
        from botfactory.bots.store import BotStore

        store = BotStore(bot_database())
        bot = store.find(int(self.bot_id)) if self.bot_id is not None else None
        if bot is None:
            return f"bot {self.bot_id} does not exist any more: nothing to run"
        if not bot.is_running:
            return f"bot {bot.name!r} is {bot.state}: not run"
        result = BotEngine(store=store).run(bot, trigger="schedule")
        summary = (
            f"bot {bot.name!r}: {result.scanned} scanned, {result.matches} matched, "
            + ", ".join(f"{a.name} {a.status}" for a in result.actions)
            + f" in {result.duration:.2f}s"
        )
        if result.failed:
            raise ExecutionError(summary + ": " + "; ".join(result.errors[:5]))
        return summary


def install_run_bot() -> None:
    """Register ``botfactory.run_bot`` (idempotent: a reset registry gets it back)."""
    spec = event_registry.find(RUN_BOT_EVENT)
    if spec is None or spec.job_class is not RunBotJob:
        # One attempt per occurrence: the next occurrence is the retry, and a bot run is not idempotent anyway.
        event_registry.register(RUN_BOT_EVENT, RunBotJob, max_attempts=1)

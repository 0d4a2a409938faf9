"""All SQL for bots and bot runs, and the bot's lifecycle rules (DESIGN §7).

Saving validates first (both passes). A bot that is paused, archived or reconfigured (scope, filters or actions
changed) has its pending events cancelled — they were scheduled for a bot that no longer exists in that form —
while history stays. A RUNNING bot with a schedule keeps exactly one live ``botfactory.run_bot`` event (dedupe
key per bot); every state or schedule change puts that event back in step.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from botfactory.bots import triggers
from botfactory.bots.context import bot_database
from botfactory.bots.jobs import RUN_BOT_EVENT, install_run_bot
from botfactory.bots.model import STATES, Bot
from botfactory.bots.runs import ActionOutcome, BotRun
from botfactory.bots.validation import BotProblem, BotValidationError, parse_bot, validate_bot
from botfactory.clock import now
from botfactory.db import Database
from botfactory.db.models.bots import bot as bot_table
from botfactory.db.models.bots import bot_run as run_table
from botfactory.errors import Conflict, NotFound, ValidationError
from botfactory.events.store import EventFilter, EventStore
from botfactory.events.tracker import ScheduledEventTracker


def run_event_key(bot_id: int) -> str:
    return f"botfactory.run_bot:{bot_id}"


def _row_to_bot(row: Any) -> Bot:
    doc = {
        "name": row.name,
        "description": row.description,
        "category": row.category,
        "severity": row.severity,
        "state": row.state,
        "schedule": row.schedule,
        "instructions": row.instructions,
    }
    return parse_bot(doc).with_changes(id=int(row.id), created_at=row.created_at, updated_at=row.updated_at)


def _values(bot: Bot) -> dict[str, Any]:
    return {
        "name": bot.name,
        "description": bot.description,
        "category": bot.category,
        "severity": bot.severity,
        "state": bot.state,
        "schedule": bot.schedule,
        "instructions": bot.instructions.to_json(),
    }


def _jsonable(value: Any) -> Any:
    # Action details come from plugin code: keep what JSON can hold, describe the rest.
    return json.loads(json.dumps(value, default=str))


class BotStore:
    def __init__(self, db: Database | None = None) -> None:
        self.db = db or bot_database()
        self.events = EventStore(self.db)

    # -- reads ----------------------------------------------------------------------------------------------

    def get(self, bot: int | str) -> Bot:
        """A bot by id (an int or digits) or by name."""
        t = bot_table
        if isinstance(bot, int) or (isinstance(bot, str) and bot.strip().isdigit()):
            if not 0 < int(bot) < 2**63:  # beyond BIGINT: no such row, and no driver overflow error either
                raise NotFound(f"bot {bot!r} does not exist")
            where = t.c.id == int(bot)
        elif isinstance(bot, str):
            where = t.c.name == bot.strip()
        else:
            raise ValidationError(f"bot must be an id or a name, got {bot!r}", field="bot", value=bot)
        with self.db.read() as conn:
            row = conn.execute(select(t).where(where)).first()
        if row is None:
            raise NotFound(f"bot {bot!r} does not exist")
        return _row_to_bot(row)

    def find(self, bot: int | str) -> Bot | None:
        try:
            return self.get(bot)
        except NotFound:
            return None

    def list(self, states: Iterable[str] | None = None) -> list[Bot]:
        query = select(bot_table).order_by(bot_table.c.id)
        if states:
            query = query.where(bot_table.c.state.in_([s.upper() for s in states]))
        with self.db.read() as conn:
            return [_row_to_bot(row) for row in conn.execute(query)]

    def with_hookpoints(self) -> list[Bot]:
        """RUNNING bots that listen to hookpoints (the hookpoint dispatcher caches this)."""
        return [b for b in self.list(["RUNNING"]) if b.instructions.hookpoints]

    # -- writes ---------------------------------------------------------------------------------------------

    def save(self, bot: Bot | dict[str, Any]) -> Bot:
        """Insert (no id) or update (id) after validating; keeps pending events and the run event in step."""
        bot = validate_bot(bot)
        moment = now()
        if bot.id is None:
            return self._insert(bot, moment)
        previous = self.get(bot.id)
        try:
            with self.db.write() as conn:
                conn.execute(
                    update(bot_table).where(bot_table.c.id == bot.id).values(**_values(bot), updated_at=moment)
                )
        except IntegrityError as exc:
            raise self._name_taken(bot) from exc
        saved = bot.with_changes(created_at=previous.created_at, updated_at=moment)
        self._after_change(previous, saved)
        return saved

    def _insert(self, bot: Bot, moment: Any) -> Bot:
        try:
            with self.db.write() as conn:
                bot_id = conn.execute(
                    insert(bot_table).values(**_values(bot), created_at=moment, updated_at=moment)
                ).inserted_primary_key[0]
        except IntegrityError as exc:
            raise self._name_taken(bot) from exc
        saved = bot.with_changes(id=int(bot_id), created_at=moment, updated_at=moment)
        triggers.invalidate()
        self._sync_run_event(saved, reschedule=False)
        return saved

    @staticmethod
    def _name_taken(bot: Bot) -> BotValidationError:
        return BotValidationError(bot.name, [BotProblem(bot.name, "bot", "name", "another bot already has this name")])

    def import_bot(self, document: dict[str, Any]) -> tuple[Bot, bool]:
        """Create the bot, or update the bot of the same name; returns (bot, created)."""
        bot = validate_bot(document)
        existing = self.find(bot.name)
        if existing is None:
            return self.save(bot.with_changes(id=None)), True
        return self.save(bot.with_changes(id=existing.id)), False

    def export_bot(self, bot: int | str) -> dict[str, Any]:
        return self.get(bot).to_json()

    def set_state(self, bot: int | str, state: str) -> Bot:
        state = str(state).upper()
        if state not in STATES:
            raise ValidationError(f"state must be one of {', '.join(STATES)}, got {state!r}", field="state")
        current = self.get(bot)
        if current.state == state:
            self._sync_run_event(current, reschedule=False)
            return current
        if current.state == "ARCHIVED" and state == "PAUSED":
            raise Conflict(f"bot {current.name!r} is archived: resume it (RUNNING) or leave it archived")
        moment = now()
        with self.db.write() as conn:
            conn.execute(update(bot_table).where(bot_table.c.id == current.id).values(state=state, updated_at=moment))
        saved = current.with_changes(state=state, updated_at=moment)
        self._after_change(current, saved)
        return saved

    def pause(self, bot: int | str) -> Bot:
        return self.set_state(bot, "PAUSED")

    def resume(self, bot: int | str) -> Bot:
        return self.set_state(bot, "RUNNING")

    def archive(self, bot: int | str) -> Bot:
        return self.set_state(bot, "ARCHIVED")

    # -- keeping events in step -----------------------------------------------------------------------------

    def _after_change(self, before: Bot, after: Bot) -> None:
        assert after.id is not None
        triggers.invalidate()
        stopped = before.is_running and not after.is_running
        reconfigured = before.instructions.matching_key() != after.instructions.matching_key()
        if stopped or reconfigured:
            # Events scheduled by the old bot would act for rules that no longer hold. The run event goes too
            # and is scheduled again below when the bot still runs.
            self.cancel_pending_events(after.id)
        reschedule = stopped or reconfigured or before.schedule != after.schedule or before.state != after.state
        self._sync_run_event(after, reschedule=reschedule)

    def cancel_pending_events(self, bot_id: int) -> int:
        return self.events.cancel_events(EventFilter(bot_id=str(bot_id), states=["pending"]))

    def _sync_run_event(self, bot: Bot, *, reschedule: bool) -> None:
        assert bot.id is not None
        if reschedule:
            self.events.cancel_events(EventFilter(bot_id=str(bot.id), event_types=[RUN_BOT_EVENT], states=["pending"]))
        if not bot.is_running or bot.schedule is None:
            return
        install_run_bot()  # the tracker refuses unregistered types; the type is ours, so make sure it is there
        with ScheduledEventTracker(self.events, created_by=bot.resource_id) as tracker:
            tracker.schedule_event(
                RUN_BOT_EVENT,
                bot.schedule,
                description=f"Run bot {bot.name}",
                action_data={"bot_id": bot.id},
                dedupe_key=run_event_key(bot.id),
                bot_id=bot.id,
            )

    # -- runs -----------------------------------------------------------------------------------------------

    def record_run(self, run: BotRun) -> int:
        doc = run.to_dict()
        values = {
            key: doc[key]
            for key in ("bot_id", "trigger", "dry_run", "resource_id", "started_at", "finished_at", "duration")
        }
        values.update(
            scanned=run.scanned,
            matches=run.matches,
            non_matches=run.non_matches,
            status=run.status,
            actions=_jsonable(doc["actions"]),
            errors=_jsonable(doc["errors"]),
        )
        with self.db.write() as conn:
            run.id = int(conn.execute(insert(run_table).values(**values)).inserted_primary_key[0])
        return run.id

    def list_runs(self, bot_id: int, *, limit: int = 20) -> list[BotRun]:
        t = run_table
        query = select(t).where(t.c.bot_id == int(bot_id)).order_by(t.c.started_at.desc(), t.c.id.desc())
        if limit:
            query = query.limit(limit)
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return [self._row_to_run(row) for row in rows]

    def count_runs(self, bot_id: int | None = None) -> int:
        """Runs of one bot, or of every bot when ``bot_id`` is None."""
        query = select(func.count()).select_from(run_table)
        if bot_id is not None:
            query = query.where(run_table.c.bot_id == bot_id)
        with self.db.read() as conn:
            return int(conn.execute(query).scalar())

    @staticmethod
    def _row_to_run(row: Any) -> BotRun:
        run = BotRun(
            bot_id=int(row.bot_id),
            bot_name="",
            trigger=row.trigger,
            dry_run=bool(row.dry_run),
            started_at=row.started_at,
            finished_at=row.finished_at,
            duration=float(row.duration),
            scanned=int(row.scanned),
            matches=int(row.matches),
            non_matches=int(row.non_matches),
            actions=[ActionOutcome(**a) for a in row.actions or []],
            errors=list(row.errors or []),
            resource_id=row.resource_id,
            id=int(row.id),
        )
        run.failed = row.status == "error"
        return run

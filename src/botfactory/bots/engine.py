"""Running a bot: scope → resources from the store → filters → matches / non-matches → each action.

Resources are streamed from the store in chunks and each filter is a plain function call, so one bot over
100,000 stored resources costs the read and nothing per resource beyond Python. Each action runs inside
``bot_run_scope`` so the events it schedules carry the bot's dedupe key and are re-validated when they fire. An
action that fails is recorded and the others still run; one that is no longer registered is reported as
unavailable. A dry run calls only actions that can report without acting and schedules nothing.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from botfactory.bots import registry as bot_registry
from botfactory.bots.context import bot_database, using_database
from botfactory.bots.event import MATCH, NON_MATCH, BotEvent
from botfactory.bots.model import Bot, ElementRef
from botfactory.bots.runs import ERROR, NOT_RUN, OK, UNAVAILABLE, ActionOutcome, BotRun
from botfactory.bots.store import BotStore
from botfactory.clock import now
from botfactory.db import Database
from botfactory.errors import Conflict, ValidationError
from botfactory.events.context import bot_run_scope
from botfactory.resources.model import Resource
from botfactory.resources.store import ResourceStore

log = logging.getLogger(__name__)

MAX_ERRORS = 50  # per run: enough to diagnose, bounded so one broken filter cannot bloat the record
# Resources read per query. Large on purpose: each keyset page of the store re-finds its place through the
# scope index (SQLite sorts the matching rows per page), so few big pages cost far less than many small ones,
# and the run holds every resource in matches / non_matches anyway.
READ_CHUNK = 10_000
CompiledFilter = tuple[str, Callable[[Any, dict[str, Any]], Any], dict[str, Any]]


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Reading a scope creates several objects per resource and keeps them all; the cyclic collector would
    rescan the growing heap again and again (half the time of a 100,000-resource run). Nothing here makes
    cycles, so collection waits until the read is done. Counted, so overlapping runs in worker threads
    re-enable it only when the last one finishes."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def compile_filters(bot: Bot) -> tuple[list[CompiledFilter], list[str]]:
    """Each filter's function and coerced settings; errors say why a filter cannot be used."""
    compiled: list[CompiledFilter] = []
    errors: list[str] = []
    for i, ref in enumerate(bot.instructions.filters, start=1):
        spec = bot_registry.filters.find(ref.name)
        if spec is None:
            errors.append(f"filter {ref.name} (#{i}) is not registered (its plugin may be unloaded)")
            continue
        settings, problems = spec.validate_settings(ref.config)
        if problems:
            errors.append(f"filter {ref.name} (#{i}): " + "; ".join(str(p) for p in problems))
            continue
        compiled.append((spec.uid, spec.function, settings))
    return compiled, errors


def in_scope(bot: Bot, resource: Resource) -> bool:
    ins = bot.instructions
    return (
        resource.resource_type in ins.resource_types
        and (not ins.accounts or resource.account_id in ins.accounts)
        and (not ins.regions or resource.region in ins.regions)
    )


def first_mismatch(resource: Resource, compiled: list[CompiledFilter]) -> str | None:
    """The uid of the first filter ``resource`` fails (None when it matches all). A filter that raises fails."""
    for uid, fn, settings in compiled:
        if not fn(resource, settings):
            return uid
    return None


class BotEngine:
    def __init__(self, db: Database | None = None, *, store: BotStore | None = None) -> None:
        self.db = db or (store.db if store else bot_database())
        self.store = store or BotStore(self.db)
        self.resources = ResourceStore(self.db)

    def run(
        self,
        bot: Bot | int | str,
        *,
        dry_run: bool = False,
        trigger: str = "manual",
        resources: Iterable[Resource] | None = None,
        record: bool = True,
    ) -> BotRun:
        """Evaluate ``bot`` and call its actions. ``resources`` replaces the store query (hookpoints pass the
        one resource that changed; it is still checked against the bot's scope)."""
        if not isinstance(bot, Bot):
            bot = self.store.get(bot)
        if bot.id is None:
            raise ValidationError("only a stored bot can run: save it first", field="bot")
        if not dry_run and not bot.is_running:
            raise Conflict(f"bot {bot.name!r} is {bot.state}: resume it first, or use a dry run")
        started = time.perf_counter()
        run = BotRun(bot.id, bot.name, trigger, dry_run, now())
        compiled, errors = compile_filters(bot)
        if errors:
            # Acting on a partial set of filters could remediate resources the bot was never meant to touch.
            run.failed = True
            run.errors.extend(errors)
        else:
            try:
                with cyclic_gc_paused():
                    matches, non_matches = self._evaluate(bot, compiled, resources, run)
            except Exception as exc:  # the store went away mid-run: record it rather than lose the run
                log.exception("bot %s: evaluation failed", bot.name)
                run.failed = True
                run.errors.append(f"evaluation failed: {type(exc).__name__}: {exc}")
            else:
                run.matched_ids = [r.get_resource_id() for r in matches]
                for ref in bot.instructions.actions:
                    run.actions.append(self._call_action(bot, ref, matches, non_matches, dry_run))
        run.finished_at = now()
        run.duration = time.perf_counter() - started
        if record:
            self.store.record_run(run)
        return run

    def _evaluate(
        self,
        bot: Bot,
        compiled: list[CompiledFilter],
        resources: Iterable[Resource] | None,
        run: BotRun,
    ) -> tuple[list[Resource], list[Resource]]:
        ins = bot.instructions
        if resources is None:
            stream: Iterable[Resource] = self.resources.query(
                resource_types=ins.resource_types,
                account_ids=ins.accounts or None,
                regions=ins.regions or None,
                chunk_size=READ_CHUNK,
            )
        else:
            given = list(resources)
            stream = [r for r in given if in_scope(bot, r)]
            run.resource_id = ",".join(r.get_resource_id() for r in given)[:512] or None
        matches: list[Resource] = []
        non_matches: list[Resource] = []
        errors = run.errors
        for resource in stream:
            try:
                for _uid, fn, settings in compiled:
                    if not fn(resource, settings):
                        non_matches.append(resource)
                        break
                else:
                    matches.append(resource)
            except Exception as exc:
                # A filter that cannot decide does not match: never act on a resource we could not judge.
                non_matches.append(resource)
                if len(errors) < MAX_ERRORS:
                    errors.append(f"filter failed on {resource.get_resource_id()}: {type(exc).__name__}: {exc}")
        run.scanned = len(matches) + len(non_matches)
        run.matches, run.non_matches = len(matches), len(non_matches)
        return matches, non_matches

    def _call_action(
        self,
        bot: Bot,
        ref: ElementRef,
        matches: list[Resource],
        non_matches: list[Resource],
        dry_run: bool,
    ) -> ActionOutcome:
        spec = bot_registry.actions.find(ref.name)
        if spec is None:
            return ActionOutcome(ref.name, UNAVAILABLE, error="not registered (its plugin may be unloaded)")
        assert isinstance(spec, bot_registry.ActionSpec)
        settings, problems = spec.validate_settings(ref.config)
        if problems:
            return ActionOutcome(ref.name, ERROR, error="settings: " + "; ".join(str(p) for p in problems))
        targets, others = (matches, non_matches) if ref.run_when_result_is else (non_matches, matches)
        if dry_run and not spec.supports_dry_run:
            return ActionOutcome(
                ref.name,
                NOT_RUN,
                detail={"would_run_for": len(targets), "reason": "this action cannot report without acting"},
            )
        started = time.perf_counter()
        try:
            with bot_run_scope(bot.bot_id, dry_run=dry_run), using_database(self.db):
                if spec.bulk_action:
                    detail = spec.function(bot, settings, targets, others)
                else:
                    detail = self._per_resource(spec, bot, settings, targets, ref.run_when_result_is)
        except Exception as exc:
            log.warning("bot %s: action %s failed: %s", bot.name, ref.name, exc, exc_info=True)
            return ActionOutcome(
                ref.name, ERROR, error=f"{type(exc).__name__}: {exc}", seconds=time.perf_counter() - started
            )
        status = ERROR if isinstance(detail, dict) and detail.get("failed") else OK
        return ActionOutcome(ref.name, status, detail=detail, seconds=time.perf_counter() - started)

    @staticmethod
    def _per_resource(
        spec: bot_registry.ActionSpec, bot: Bot, settings: dict[str, Any], targets: list[Resource], matched: bool
    ) -> dict[str, Any]:
        """DivvyCloud's legacy shape: ``fn(event, bot, settings)`` once per resource."""
        kind = MATCH if matched else NON_MATCH
        failed: list[str] = []
        for resource in targets:
            try:
                spec.function(BotEvent(kind, resource, bot.bot_id, bot.name), bot, settings)
            except Exception as exc:
                failed.append(f"{resource.get_resource_id()}: {type(exc).__name__}: {exc}")
        return {"called": len(targets), "failed": failed[:MAX_ERRORS]}

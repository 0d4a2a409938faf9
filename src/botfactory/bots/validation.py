"""Bot validation in two passes (after Cloud Custodian): the JSON's shape, then its meaning.

Pass one reads the document into a ``Bot`` (types, required keys, known states, schedule JSON). Pass two checks
what needs the registries: every filter and action exists and supports the bot's resource types, its config fits
its declared fields, a delayed action's event type is registered, complements are only asked of actions that
accept them. Every problem names the bot, the element and the field; all of them are collected and raised as one
``BotValidationError``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botfactory.bots import registry as bot_registry
from botfactory.bots.model import SEVERITIES, STATES, Bot, ElementRef, Instructions
from botfactory.errors import ValidationError
from botfactory.events.registry import EventTypeRegistry
from botfactory.events.registry import registry as default_event_registry
from botfactory.resources import hookpoints

_TYPE = re.compile(r"^[a-z][a-z0-9_]*$")
_REGION = re.compile(r"^[a-z0-9-]+$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9_.-]+$")
_TOP_KEYS = {"name", "description", "category", "severity", "state", "schedule", "instructions"}
# Keys an export (ours or DivvyCloud's) carries that say nothing about what the bot does.
_IGNORED_TOP_KEYS = {
    "id",
    "bot_id",
    "resource_id",
    "owner",
    "owner_name",
    "created_at",
    "updated_at",
    "date_created",
    "date_modified",
    "version",
}
_INSTRUCTION_KEYS = {"resource_types", "accounts", "regions", "filters", "actions", "hookpoints", "schedule"}
_IGNORED_INSTRUCTION_KEYS = {"schedule_description"}
_ELEMENT_KEYS = {"name", "config"}
_LIMITS = {"name": 255, "description": 4000, "category": 100}


@dataclass(frozen=True)
class BotProblem:
    bot: str
    element: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"bot {self.bot!r}, {self.element}, field {self.field!r}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"bot": self.bot, "element": self.element, "field": self.field, "message": self.message}


class BotValidationError(ValidationError):
    """A bot is not valid; ``problems`` lists every problem found."""

    def __init__(self, bot: str, problems: list[BotProblem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        first = self.problems[0] if self.problems else None
        super().__init__(
            f"bot {bot!r} is not valid ({len(self.problems)} problem(s)):\n{lines}",
            field=first.field if first else None,
            value=[p.to_dict() for p in self.problems],
        )


class _Collector:
    def __init__(self, bot: str) -> None:
        self.bot = bot
        self.problems: list[BotProblem] = []

    def add(self, element: str, field: str, message: str) -> None:
        self.problems.append(BotProblem(self.bot, element, field, message))


def _text(doc: Mapping[str, Any], key: str, out: _Collector, *, required: bool = False, default: str = "") -> str:
    value = doc.get(key)
    if value is None:
        if required:
            out.add("bot", key, "is required")
        return default
    if not isinstance(value, str):
        out.add("bot", key, f"must be a string, got {type(value).__name__}")
        return default
    value = value.strip()
    if required and not value:
        out.add("bot", key, "must not be empty")
    if key == "name" and value.isdigit():
        out.add("bot", key, "must not be all digits (commands would read it as a bot id)")
    if len(value) > _LIMITS[key]:
        out.add("bot", key, f"must be at most {_LIMITS[key]} characters")
    if "\x00" in value:
        out.add("bot", key, "must not contain NUL bytes")
    return value


def _choice(doc: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str, out: _Collector) -> str:
    value = doc.get(key)
    if value is None:
        return default
    normal = (value.upper() if key == "state" else value.lower()) if isinstance(value, str) else None
    if normal not in choices:
        out.add("bot", key, f"must be one of {', '.join(choices)}, got {value!r}")
        return default
    return str(normal)


def _strings(value: Any, element: str, key: str, pattern: re.Pattern[str], out: _Collector) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        out.add(element, key, f"must be a list, got {type(value).__name__}")
        return ()
    items: list[str] = []
    for i, item in enumerate(value):
        text = str(item) if isinstance(item, int) and not isinstance(item, bool) else item
        if not isinstance(text, str) or not pattern.match(text):
            out.add(element, f"{key}[{i}]", f"{item!r} is not a valid value")
        elif text not in items:
            items.append(text)
    return tuple(items)


def _elements(value: Any, kind: str, out: _Collector) -> tuple[ElementRef, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        out.add("instructions", f"{kind}s", f"must be a list, got {type(value).__name__}")
        return ()
    refs: list[ElementRef] = []
    for i, item in enumerate(value, start=1):
        where = f"{kind} #{i}"
        if not isinstance(item, dict):
            out.add(where, kind, f"must be an object with name and config, got {type(item).__name__}")
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            out.add(where, "name", "is required (the registered uid)")
            continue
        where = f"{kind} {name} (#{i})"
        allowed = _ELEMENT_KEYS | ({"run_when_result_is"} if kind == "action" else set())
        for key in sorted(set(item) - allowed):
            out.add(where, key, f"unknown key (known: {', '.join(sorted(allowed))})")
        config = item.get("config")
        if config is None:
            config = {}
        if not isinstance(config, dict):
            out.add(where, "config", f"must be an object, got {type(config).__name__}")
            config = {}
        when = item.get("run_when_result_is", True)
        if not isinstance(when, bool):
            out.add(where, "run_when_result_is", "must be true or false")
            when = True
        refs.append(ElementRef(name.strip(), dict(config), when))
    return tuple(refs)


def _schedule(value: Any, out: _Collector) -> dict[str, Any] | None:
    if value is None:
        return None
    from botfactory.schedule import from_json

    try:
        return from_json(value).to_json()
    except ValidationError as exc:
        out.add("schedule", getattr(exc, "field", None) or "schedule", str(exc))
    except (TypeError, ValueError) as exc:
        out.add("schedule", "schedule", f"is not a schedule: {exc}")
    return None


def _hookpoints(value: Any, out: _Collector) -> tuple[str, ...]:
    names = _strings(value, "instructions", "hookpoints", re.compile(r".+"), out)
    for name in names:
        try:
            hookpoints.validate_name(name)
        except ValidationError as exc:
            out.add("hookpoint " + name, "hookpoints", str(exc))
    return names


def _parse(document: Any) -> tuple[Bot | None, _Collector]:
    if not isinstance(document, Mapping):
        out = _Collector("?")
        out.add("bot", "document", f"must be a JSON object, got {type(document).__name__}")
        return None, out
    raw_name = document.get("name")
    out = _Collector(raw_name.strip() if isinstance(raw_name, str) and raw_name.strip() else "?")
    name = _text(document, "name", out, required=True)
    for key in sorted(set(document) - _TOP_KEYS - _IGNORED_TOP_KEYS):
        out.add("bot", key, f"unknown key (known: {', '.join(sorted(_TOP_KEYS))})")
    instructions_doc = document.get("instructions")
    if not isinstance(instructions_doc, Mapping):
        out.add("instructions", "instructions", "is required and must be an object")
        instructions_doc = {}
    for key in sorted(set(instructions_doc) - _INSTRUCTION_KEYS - _IGNORED_INSTRUCTION_KEYS):
        out.add("instructions", key, f"unknown key (known: {', '.join(sorted(_INSTRUCTION_KEYS))})")
    types = _strings(instructions_doc.get("resource_types"), "instructions", "resource_types", _TYPE, out)
    if not types and instructions_doc:
        out.add("instructions", "resource_types", "needs at least one resource type")
    instructions = Instructions(
        resource_types=types,
        accounts=_strings(instructions_doc.get("accounts"), "instructions", "accounts", _ACCOUNT, out),
        regions=_strings(instructions_doc.get("regions"), "instructions", "regions", _REGION, out),
        filters=_elements(instructions_doc.get("filters"), "filter", out),
        actions=_elements(instructions_doc.get("actions"), "action", out),
        hookpoints=_hookpoints(instructions_doc.get("hookpoints"), out),
    )
    # DivvyCloud keeps the schedule inside instructions; ours sits at the top. Either is read.
    schedule_doc = document.get("schedule")
    if schedule_doc is None:
        schedule_doc = instructions_doc.get("schedule")
    bot_id = document.get("id", document.get("bot_id"))
    bot = Bot(
        name=name,
        instructions=instructions,
        description=_text(document, "description", out),
        category=_text(document, "category", out),
        severity=_choice(document, "severity", SEVERITIES, "medium", out),
        state=_choice(document, "state", STATES, "RUNNING", out),
        schedule=_schedule(schedule_doc, out),
        id=bot_id if isinstance(bot_id, int) and not isinstance(bot_id, bool) else None,
    )
    return bot, out


def parse_bot(document: Any) -> Bot:
    """Pass one only: the document's shape. Raises ``BotValidationError`` listing every problem."""
    bot, out = _parse(document)
    if out.problems or bot is None:
        raise BotValidationError(out.bot, out.problems)
    return bot


def _unknown(kind: str, uid: str, known: list[str]) -> str:
    near = difflib.get_close_matches(uid, known, n=3)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    return f"{kind} {uid!r} is not registered{hint}"


def check_meaning(bot: Bot, *, events: EventTypeRegistry | None = None) -> list[BotProblem]:
    """Pass two: what the registries say about the bot's filters and actions."""
    events = events or default_event_registry
    out = _Collector(bot.name)
    types = bot.instructions.resource_types
    for kind, refs, target in (
        ("filter", bot.instructions.filters, bot_registry.filters),
        ("action", bot.instructions.actions, bot_registry.actions),
    ):
        for i, ref in enumerate(refs, start=1):
            where = f"{kind} {ref.name} (#{i})"
            spec = target.find(ref.name)
            if spec is None:
                out.add(where, "name", _unknown(kind, ref.name, target.uids()))
                continue
            unsupported = [t for t in types if not spec.supports(t)]
            if unsupported:
                out.add(
                    where,
                    "resource_types",
                    f"does not support {', '.join(unsupported)} (it supports {', '.join(spec.supported_resources)})",
                )
            _, errors = spec.validate_settings(ref.config)
            for err in errors:
                out.add(where, err.field or "config", err.reason)
            if isinstance(spec, bot_registry.ActionSpec):
                for event_type in spec.event_types:
                    if event_type not in events:
                        out.add(where, "event_type", f"schedules {event_type!r}, which is not a registered event type")
                if not ref.run_when_result_is and not spec.accepts_complement:
                    out.add(where, "run_when_result_is", "this action cannot run on non-matches")
    for name in bot.instructions.hookpoints:
        scope = name.split(".")[1]
        if scope != "resource" and scope not in types:
            out.add(f"hookpoint {name}", "hookpoints", f"names {scope!r}, which is not one of the bot's resource types")
    return out.problems


def validate_bot(document: Any, *, events: EventTypeRegistry | None = None) -> Bot:
    """Both passes; returns the ``Bot`` or raises one ``BotValidationError`` listing every problem."""
    if isinstance(document, Bot):
        bot, problems = document, []
    else:
        parsed, out = _parse(document)
        if parsed is None:
            raise BotValidationError(out.bot, out.problems)
        bot, problems = parsed, out.problems
    problems = problems + check_meaning(bot, events=events)
    if problems:
        raise BotValidationError(bot.name or "?", problems)
    return bot

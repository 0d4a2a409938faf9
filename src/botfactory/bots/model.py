"""The bot: JSON close to DivvyCloud's, as an object plugin code can use (``bot.bot_id``, ``bot.name``,
``bot.resource_id``).

::

    {"name": "Stop untagged instances", "description": "...", "category": "Security", "severity": "high",
     "state": "RUNNING", "schedule": {"type": "interval", "version": 1, "every": 3600, "start": null},
     "instructions": {"resource_types": ["instance"], "accounts": [], "regions": ["us-east-1"],
                      "filters": [{"name": "divvy.filter.tag_absent", "config": {"tag_key": "Owner"}}],
                      "actions": [{"name": "divvy.action.scheduled_stop", "config": {"hours": 2}}],
                      "hookpoints": []}}

``schedule`` null means the bot runs only when asked (or from its hookpoints). Empty ``accounts`` / ``regions``
mean all. Parsing and validation live in ``botfactory.bots.validation``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

STATES = ("RUNNING", "PAUSED", "ARCHIVED")
SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class ElementRef:
    """One filter or action of a bot: the registered uid and its settings."""

    name: str
    config: dict[str, Any] = field(default_factory=dict)
    # Actions only: False runs the action on the non-matches (needs ``accepts_complement``).
    run_when_result_is: bool = True

    def to_json(self, *, action: bool) -> dict[str, Any]:
        doc: dict[str, Any] = {"name": self.name, "config": dict(self.config)}
        if action and not self.run_when_result_is:
            doc["run_when_result_is"] = False
        return doc


@dataclass(frozen=True)
class Instructions:
    resource_types: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    filters: tuple[ElementRef, ...] = ()
    actions: tuple[ElementRef, ...] = ()
    hookpoints: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "resource_types": list(self.resource_types),
            "accounts": list(self.accounts),
            "regions": list(self.regions),
            "filters": [f.to_json(action=False) for f in self.filters],
            "actions": [a.to_json(action=True) for a in self.actions],
            "hookpoints": list(self.hookpoints),
        }

    def matching_key(self) -> str:
        """What decides which resources the bot acts on and how: a change here cancels its pending events."""
        doc = self.to_json()
        doc.pop("hookpoints")
        return json.dumps(doc, sort_keys=True)


@dataclass(frozen=True)
class Bot:
    name: str
    instructions: Instructions
    description: str = ""
    category: str = ""
    severity: str = "medium"
    state: str = "RUNNING"
    schedule: dict[str, Any] | None = None
    id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    # -- what plugin code and the events layer use ------------------------------------------------------------

    @property
    def bot_id(self) -> int | None:
        return self.id

    @property
    def resource_id(self) -> str:
        """DivvyCloud's principal id for a bot: events it schedules are ``created_by`` this."""
        return f"divvybot:1:{self.id if self.id is not None else 0}:"

    def get_resource_id(self) -> str:
        return self.resource_id

    @property
    def is_running(self) -> bool:
        return self.state == "RUNNING"

    def schedule_object(self) -> Any:
        from botfactory.schedule import from_json

        return None if self.schedule is None else from_json(self.schedule)

    def with_changes(self, **changes: Any) -> Bot:
        return replace(self, **changes)

    # -- JSON -------------------------------------------------------------------------------------------------

    def to_json(self, *, include_id: bool = True) -> dict[str, Any]:
        """The export format; ``from_json`` (``botfactory.bots.validation.parse_bot``) reads it back."""
        doc: dict[str, Any] = {}
        if include_id and self.id is not None:
            doc["id"] = self.id
            doc["resource_id"] = self.resource_id
        doc.update(
            name=self.name,
            description=self.description,
            category=self.category,
            severity=self.severity,
            state=self.state,
            schedule=self.schedule,
            instructions=self.instructions.to_json(),
        )
        return doc

    def to_row(self) -> dict[str, Any]:
        """The list view: DESIGN §11 promises ``id``, ``name``, ``state`` first."""
        return {
            "id": self.id,
            "name": self.name,
            "state": self.state,
            "severity": self.severity,
            "category": self.category,
            "resource_types": list(self.instructions.resource_types),
            "schedule": self.schedule,
            "filters": [f.name for f in self.instructions.filters],
            "actions": [a.name for a in self.instructions.actions],
            "updated_at": self.updated_at,
        }

    @classmethod
    def from_json(cls, document: Any) -> Bot:
        """Parse (schema pass only); ``botfactory.bots.validation.validate_bot`` checks the meaning too."""
        from botfactory.bots.validation import parse_bot

        return parse_bot(document)

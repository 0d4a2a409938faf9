"""What one bot run did: counts, duration, each action's outcome and the errors (the ``bot_run`` table's rows)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

# Action outcomes.
OK = "ok"
ERROR = "error"
UNAVAILABLE = "unavailable"  # not registered any more (its plugin was unloaded)
NOT_RUN = "not_run"  # a dry run does not call actions that cannot report without acting
TRIGGERS = ("manual", "schedule", "hookpoint")


@dataclass
class ActionOutcome:
    name: str
    status: str
    detail: Any = None
    error: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BotRun:
    bot_id: int
    bot_name: str
    trigger: str
    dry_run: bool
    started_at: datetime
    finished_at: datetime | None = None
    duration: float = 0.0
    scanned: int = 0
    matches: int = 0
    non_matches: int = 0
    actions: list[ActionOutcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    resource_id: str | None = None
    id: int | None = None
    # Not stored: the resources themselves, for callers of the engine (tests, the CLI's dry run).
    matched_ids: list[str] = field(default_factory=list, repr=False)
    # Set when the bot could not be evaluated at all (a filter missing, the store unreachable).
    failed: bool = False

    @property
    def status(self) -> str:
        if self.failed:
            return "error"
        if self.errors or any(a.status in (ERROR, UNAVAILABLE) for a in self.actions):
            return "partial"
        return "success"

    def outcome(self, name: str) -> ActionOutcome | None:
        return next((a for a in self.actions if a.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "bot_id": self.bot_id,
            "bot_name": self.bot_name,
            "trigger": self.trigger,
            "dry_run": self.dry_run,
            "resource_id": self.resource_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration": round(self.duration, 6),
            "scanned": self.scanned,
            "matches": self.matches,
            "non_matches": self.non_matches,
            "status": self.status,
            "actions": [a.to_dict() for a in self.actions],
            "errors": list(self.errors),
        }

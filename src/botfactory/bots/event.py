"""``BotEvent``: one resource a bot looked at, as templates and legacy per-resource actions see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# What the bot concluded about the resource.
MATCH = "match"
NON_MATCH = "non_match"
KINDS = (MATCH, NON_MATCH)


@dataclass(frozen=True)
class BotEvent:
    """``BotEvent(kind, resource, bot_id, bot_name)``; ``kind`` is ``"match"`` or ``"non_match"``."""

    kind: str
    resource: Any
    bot_id: Any
    bot_name: str

    @property
    def resource_id(self) -> str:
        resource = self.resource
        if hasattr(resource, "get_resource_id"):
            return resource.get_resource_id()
        return str(getattr(resource, "resource_id", resource))

    def template_context(self) -> dict[str, Any]:
        """Names a message template may use: ``event``, ``resource``, ``bot_id``, ``bot_name``."""
        return {"event": self, "resource": self.resource, "bot_id": self.bot_id, "bot_name": self.bot_name}

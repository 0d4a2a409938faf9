"""Roles and the principal a request acts as.

Roles are ordered: a viewer reads; an editor also schedules, cancels and runs events and edits bots; an admin
also manages plugins, accounts and tokens. A check asks "at least this role", never "exactly".
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass

from botfactory.db.models.access import ROLES
from botfactory.errors import ValidationError

_RANK = {role: rank for rank, role in enumerate(ROLES)}


def check_role(role: object) -> str:
    if not isinstance(role, str) or role.strip().lower() not in _RANK:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}, got {role!r}", field="role", value=role)
    return role.strip().lower()


def role_allows(role: str, needed: str) -> bool:
    """True when ``role`` is ``needed`` or a higher role."""
    return _RANK.get(role, -1) >= _RANK[needed]


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's id, name and role."""

    token_id: int
    name: str
    role: str

    def allows(self, needed: str) -> bool:
        return role_allows(self.role, needed)

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return f"token:{self.token_id}:{self.name}"

    @property
    def user_resource_id(self) -> str:
        """``created_by`` of events this caller schedules (DESIGN §9 "Who scheduled")."""
        return f"divvyuser:0:{self.name}@api:"

    def to_dict(self) -> dict[str, object]:
        return {"token_id": self.token_id, "name": self.name, "role": self.role}


def cli_actor() -> str:
    """The audit log's name for whoever runs a CLI command on this machine."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        user = "unknown"
    return f"cli:{user}@{socket.gethostname()}"


__all__ = ["ROLES", "Principal", "check_role", "cli_actor", "role_allows"]

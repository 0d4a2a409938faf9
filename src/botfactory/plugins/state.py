"""The fleet-wide wanted state of plugins: the ``plugin_state`` rows, read by every process's sync.

No row means enabled at generation 0, so a plugin dropped into a plugins folder runs without a command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from botfactory import clock
from botfactory.db import Database
from botfactory.db.models.plugins import plugin_state
from botfactory.errors import ValidationError

_CONTROL = re.compile(r"[\x00-\x1f\x7f/\\]")


@dataclass(frozen=True)
class WantedState:
    name: str
    enabled: bool = True
    generation: int = 0
    updated_at: datetime | None = None
    updated_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "enabled": self.enabled,
            "generation": self.generation,
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
        }


def validate_plugin_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 255 or _CONTROL.search(name):
        raise ValidationError(
            f"plugin name must be a folder name of at most 255 characters: {name!r}", field="name", value=name
        )
    return name.strip()


class PluginStateStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def all(self) -> dict[str, WantedState]:
        with self.db.read() as conn:
            rows = conn.execute(select(plugin_state)).all()
        return {row.name: _from_row(row) for row in rows}

    def get(self, name: str) -> WantedState:
        with self.db.read() as conn:
            row = conn.execute(select(plugin_state).where(plugin_state.c.name == name)).first()
        return WantedState(name) if row is None else _from_row(row)

    def set_enabled(self, name: str, enabled: bool, *, by: str | None = None) -> WantedState:
        return self._upsert(validate_plugin_name(name), {"enabled": bool(enabled)}, by)

    def bump_generation(self, name: str, *, by: str | None = None) -> WantedState:
        """Ask every process to load ``name`` afresh (``plugins reload``)."""
        return self._upsert(validate_plugin_name(name), {"generation": plugin_state.c.generation + 1}, by)

    def _upsert(self, name: str, changes: dict[str, Any], by: str | None) -> WantedState:
        # Update-then-insert works the same on all three databases; two processes inserting the same new name
        # at once: one insert fails on the unique key and that process updates the row the other one made.
        for attempt in range(2):
            try:
                with self.db.write() as conn:
                    self._write(conn, name, changes, by)
                break
            except IntegrityError:
                if attempt:
                    raise
        return self.get(name)

    @staticmethod
    def _write(conn: Connection, name: str, changes: dict[str, Any], by: str | None) -> None:
        now = clock.now()
        result = conn.execute(
            update(plugin_state).where(plugin_state.c.name == name).values(**changes, updated_at=now, updated_by=by)
        )
        if result.rowcount:
            return
        values: dict[str, Any] = {"enabled": True, "generation": 0}
        if "enabled" in changes:
            values["enabled"] = changes["enabled"]
        if "generation" in changes:
            values["generation"] = 1
        conn.execute(plugin_state.insert().values(name=name, updated_at=now, updated_by=by, **values))


def _from_row(row: Any) -> WantedState:
    return WantedState(
        name=row.name,
        enabled=bool(row.enabled),
        generation=int(row.generation),
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )

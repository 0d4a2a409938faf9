"""Tables of the plugins layer (DESIGN §6): the fleet-wide wanted state of each plugin.

A plugin found on disk with no row here is enabled at generation 0. ``botfactory plugins disable|enable``
write ``enabled``; ``reload`` bumps ``generation``. Every process compares the rows with what it has loaded
every few seconds and loads, unloads or reloads to match, so one command steers the whole fleet.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, String, Table, UniqueConstraint

from botfactory.db.base import metadata
from botfactory.db.types import IdType, UTCDateTime

plugin_state = Table(
    "plugin_state",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    # The plugin's folder name: the same plugin has the same name on every machine.
    Column("name", String(255), nullable=False),
    Column("enabled", Boolean, nullable=False),
    # Bumped by ``reload``: a process whose loaded copy has another generation loads the plugin afresh.
    Column("generation", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Who asked (``divvyuser:0:cli@host`` style), for the audit trail shown by ``plugins list``.
    Column("updated_by", String(255), nullable=True),
    UniqueConstraint("name", name="uq_plugin_state_name"),
)

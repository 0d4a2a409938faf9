"""Every table, in one MetaData. Each layer keeps its tables in its own module here."""

import botfactory.db.models.access  # registers the api_token and audit_log tables on ``metadata``
import botfactory.db.models.bots  # registers the bot tables on ``metadata``
import botfactory.db.models.plugins  # registers the plugin_state table on ``metadata``
import botfactory.db.models.resources  # noqa: F401  (registers the resource tables on ``metadata``)
from botfactory.db.base import metadata
from botfactory.db.models import events  # noqa: F401  (registers the tables on ``metadata``)
from botfactory.db.models.events import (
    event_history,
    scheduled_event,
    scheduled_event_resource,
    worker_process,
)

__all__ = ["event_history", "metadata", "scheduled_event", "scheduled_event_resource", "worker_process"]

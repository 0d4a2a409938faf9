"""Built-in actions (``divvy.action.<verb>`` and their delayed forms ``divvy.action.scheduled_<verb>``).
Importing records them; ``botfactory.bots.builtin.install()`` activates them in the global action registry."""

from botfactory.bots.actions import cloud, delayed, log, notify, webhook
from botfactory.bots.actions.base import registry

__all__ = ["cloud", "delayed", "log", "notify", "registry", "webhook"]

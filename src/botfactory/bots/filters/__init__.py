"""Built-in filters (``divvy.filter.<name>``). Importing records them; ``botfactory.bots.builtin.install()``
activates them in the global filter registry."""

from botfactory.bots.filters import exposure, general, iam, tags
from botfactory.bots.filters.base import registry

__all__ = ["exposure", "general", "iam", "registry", "tags"]

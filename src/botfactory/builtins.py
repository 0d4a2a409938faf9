"""Built-in event types, filters and actions, installed into the global registries on demand.

Each module listed here has an idempotent ``install()``. Installing is explicit (not an import side effect) so a
registry that was reset, e.g. by a test, can be filled again.
"""

from __future__ import annotations

import importlib

BUILTIN_MODULES: tuple[str, ...] = (
    "botfactory.events.builtin",
    "botfactory.clouds.aws.jobs",
    "botfactory.bots.builtin",
)


def install_builtins() -> None:
    for name in BUILTIN_MODULES:
        importlib.import_module(name).install()

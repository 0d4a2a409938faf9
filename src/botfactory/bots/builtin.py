"""The bots layer's built-ins: filters, actions, the ``botfactory.run_bot`` event type, bot re-validation before
bot events act, and the hookpoint handlers that run hookpoint bots. ``install()`` is idempotent: a registry a
test reset is filled again, and nothing is registered twice."""

from __future__ import annotations

from botfactory.events.hooks import register_before_run


def install() -> None:
    from botfactory.bots import actions, filters
    from botfactory.bots.jobs import install_run_bot
    from botfactory.bots.revalidate import revalidate
    from botfactory.bots.triggers import install_hookpoint_handlers

    filters.registry.load()
    actions.registry.load()
    install_run_bot()
    register_before_run(revalidate)
    install_hookpoint_handlers()

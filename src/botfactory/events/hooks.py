"""Before-run hooks: how upper layers veto an occurrence without the events layer importing them.

A hook gets the event and the resource id about to be acted on and returns ``None`` to go ahead or a reason
string to skip; the worker then records ``SKIPPED`` with that reason. The bots layer plugs bot re-validation in
here (DESIGN §7). A hook that raises counts as an error of that attempt, not as a skip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botfactory.events.records import EventRecord

BeforeRunHook = Callable[["EventRecord", "str | None"], "str | None"]

_hooks: list[BeforeRunHook] = []


def register_before_run(hook: BeforeRunHook) -> BeforeRunHook:
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


def unregister_before_run(hook: BeforeRunHook) -> None:
    if hook in _hooks:
        _hooks.remove(hook)


def skip_reason(event: EventRecord, resource_id: str | None) -> str | None:
    for hook in list(_hooks):
        reason = hook(event, resource_id)
        if reason:
            return reason
    return None

"""What ``plugins list`` (and the API) show per plugin: where it is, what is wanted, what is loaded, what broke."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from botfactory.plugins.discovery import Discovery, PluginSource
from botfactory.plugins.loader import LoadedPlugin
from botfactory.plugins.registrations import owned_by_plugin
from botfactory.plugins.state import WantedState

# state values
LOADED = "loaded"
DISABLED = "disabled"
ERROR = "error"
NOT_LOADED = "not loaded"  # enabled, but this process has not synced since it was found
MISSING = "missing"  # the database knows it, this process's plugins folders do not hold it


@dataclass(frozen=True)
class PluginFailure:
    """A load that failed: remembered per generation so the same failure is not retried every sync."""

    generation: int
    path: Path
    error: str
    traceback: str
    # The wanted state's last change when it failed: any later ``enable``/``reload`` is a reason to try again.
    wanted_at: datetime | None = None


@dataclass
class PluginStatus:
    name: str
    path: str | None
    layout: str | None
    enabled: bool
    generation: int
    state: str
    loaded: bool
    error: str | None = None
    traceback: str | None = None
    metadata: dict[str, Any] | None = None
    modules: list[str] = field(default_factory=list)
    event_types: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)
    hookpoints: list[str] = field(default_factory=list)
    loaded_at: datetime | None = None
    loaded_generation: int | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _status_of(
    source: PluginSource,
    want: WantedState,
    plugin: LoadedPlugin | None,
    failure: PluginFailure | None,
) -> PluginStatus:
    status = PluginStatus(
        name=source.name,
        path=str(source.path),
        layout=source.layout,
        enabled=want.enabled,
        generation=want.generation,
        state=NOT_LOADED,
        loaded=plugin is not None,
        modules=list(source.modules),
        updated_at=want.updated_at,
        updated_by=want.updated_by,
    )
    if plugin is not None:
        status.state = LOADED
        status.metadata = plugin.metadata
        status.loaded_at = plugin.loaded_at
        status.loaded_generation = plugin.generation
        for kind, uids in owned_by_plugin(source.name).items():
            setattr(status, kind, uids)
    elif not want.enabled:
        status.state = DISABLED
    elif failure is not None or source.problem:
        status.state = ERROR
        status.error = failure.error if failure else source.problem
        status.traceback = failure.traceback if failure else None
    return status


def build_statuses(
    discovery: Discovery,
    wanted: Mapping[str, WantedState],
    loaded: Mapping[str, LoadedPlugin],
    failed: Mapping[str, PluginFailure],
) -> list[PluginStatus]:
    statuses = [
        _status_of(
            source,
            wanted.get(source.name) or WantedState(source.name),
            loaded.get(source.name),
            failed.get(source.name),
        )
        for source in discovery.plugins
    ]
    for source in discovery.duplicates:
        want = wanted.get(source.name) or WantedState(source.name)
        statuses.append(_status_of(source, want, None, None))
    on_disk = {source.name for source in discovery.plugins}
    for name, want in sorted(wanted.items()):
        if name not in on_disk:
            statuses.append(
                PluginStatus(
                    name=name,
                    path=None,
                    layout=None,
                    enabled=want.enabled,
                    generation=want.generation,
                    state=MISSING,
                    loaded=False,
                    updated_at=want.updated_at,
                    updated_by=want.updated_by,
                )
            )
    return statuses

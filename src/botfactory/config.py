"""Settings from the environment (and an optional TOML file), in one object.

Precedence: explicit arguments (CLI flags) > environment > TOML file named by ``BOTFACTORY_CONFIG`` > defaults.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from botfactory.errors import ConfigurationError

DEFAULT_DATABASE_URL = "sqlite:///botfactory.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    plugin_dirs: tuple[str, ...] = ()
    history_retention_days: int = 90
    worker_concurrency: int = 4
    worker_lease_seconds: float = 60.0
    worker_poll_seconds: float = 1.0
    # "auto" or a whole number: see botfactory.events.prefetch.
    worker_prefetch: str | int = "auto"
    extra: dict[str, object] = field(default_factory=dict)

    def with_overrides(self, **changes: object) -> Settings:
        wanted = {k: v for k, v in changes.items() if v is not None and v != ()}
        return replace(self, **wanted)  # type: ignore[arg-type]


def _from_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read config file {path}: {exc}") from exc
    section = data.get("botfactory", data)
    if not isinstance(section, dict):
        raise ConfigurationError(f"{path}: [botfactory] must be a table")
    return section


def _split_dirs(value: str) -> tuple[str, ...]:
    return tuple(part for part in value.split(os.pathsep) if part)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    config_file = env.get("BOTFACTORY_CONFIG")
    if config_file:
        raw = _from_toml(Path(config_file))
        known = {f for f in Settings.__dataclass_fields__ if f != "extra"}
        values.update({k: v for k, v in raw.items() if k in known})
        values["extra"] = {k: v for k, v in raw.items() if k not in known}
        if "plugin_dirs" in values:
            values["plugin_dirs"] = tuple(values["plugin_dirs"])  # type: ignore[arg-type]
    if env.get("BOTFACTORY_DATABASE_URL"):
        values["database_url"] = env["BOTFACTORY_DATABASE_URL"]
    if env.get("BOTFACTORY_PLUGINS"):
        values["plugin_dirs"] = _split_dirs(env["BOTFACTORY_PLUGINS"])
    if env.get("BOTFACTORY_HISTORY_RETENTION_DAYS"):
        try:
            values["history_retention_days"] = int(env["BOTFACTORY_HISTORY_RETENTION_DAYS"])
        except ValueError as exc:
            raise ConfigurationError("BOTFACTORY_HISTORY_RETENTION_DAYS must be an integer") from exc
    return Settings(**values)  # type: ignore[arg-type]

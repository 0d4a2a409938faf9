"""Finding plugins on disk: every subfolder of a plugins folder is one plugin (DESIGN §6).

Two layouts:

- DivvyCloud's: ``plugin.json`` with ``initial_modules``, a list of file names (``.py`` included) loaded in order;
- botfactory's simple one: a ``plugin.py``.

Discovery only reads the folder and ``plugin.json``; nothing is imported here. A folder that is neither (no
``plugin.json``, no ``plugin.py``) is not a plugin and is skipped silently (``__pycache__``, notes, data). A
``plugin.json`` that cannot be used becomes a ``PluginSource`` with ``problem`` set, so ``plugins list`` shows it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

DIVVY = "divvycloud"
SIMPLE = "simple"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class PluginSource:
    """One plugin folder: its name (the folder's), where it is, its layout and the modules to load, in order."""

    name: str
    path: Path
    layout: str
    # Dotted module names relative to the plugin folder ("events", "jobs.sns"), in load order.
    modules: tuple[str, ...] = ()
    manifest: dict[str, object] = field(default_factory=dict)
    # Why the folder cannot be loaded (a bad plugin.json, a second folder with the same name, ...).
    problem: str | None = None

    @property
    def safe_name(self) -> str:
        return safe_name(self.name)


def safe_name(name: str) -> str:
    """A Python identifier for ``name``; names that needed changing get a short hash so two never collide."""
    if _IDENTIFIER.match(name):
        return name
    cleaned = re.sub(r"\W", "_", name)
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"p_{cleaned}_{digest}"


def _module_name(entry: object, folder: Path) -> str:
    """``"events.py"`` -> ``"events"``; ``"jobs/sns.py"`` -> ``"jobs.sns"``; refuses anything outside ``folder``."""
    if not isinstance(entry, str) or not entry.endswith(".py"):
        raise ValueError(f"initial_modules entries are file names ending in .py, got {entry!r}")
    relative = Path(entry)
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"initial_modules entry {entry!r} must be a file inside the plugin folder")
    if not (folder / relative).is_file():
        raise ValueError(f"initial_modules entry {entry!r}: no such file in {folder}")
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        raise ValueError(f"initial_modules entry {entry!r}: the package itself is loaded first anyway")
    if not all(_IDENTIFIER.match(p) for p in parts):
        raise ValueError(f"initial_modules entry {entry!r} is not an importable module name")
    return ".".join(parts)


def read_folder(folder: Path) -> PluginSource | None:
    """The plugin in ``folder``, or None when the folder is not a plugin."""
    name = folder.name
    manifest_path = folder / "plugin.json"
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            if not isinstance(manifest, dict):
                raise ValueError("plugin.json must hold a JSON object")
            entries = manifest.get("initial_modules")
            if not isinstance(entries, list) or not entries:
                raise ValueError("plugin.json needs a non-empty list 'initial_modules'")
            modules = tuple(_module_name(entry, folder) for entry in entries)
        except (OSError, ValueError) as exc:
            return PluginSource(name, folder, DIVVY, problem=f"plugin.json: {exc}")
        return PluginSource(name, folder, DIVVY, modules, manifest)
    if (folder / "plugin.py").is_file():
        return PluginSource(name, folder, SIMPLE, ("plugin",))
    return None


@dataclass(frozen=True)
class Discovery:
    """What the plugins folders hold: the plugins, and folders ignored because their name was already taken."""

    plugins: tuple[PluginSource, ...]
    duplicates: tuple[PluginSource, ...] = ()

    def by_name(self) -> dict[str, PluginSource]:
        return {source.name: source for source in self.plugins}


def discover(dirs: Iterable[str | Path]) -> Discovery:
    """Every plugin in ``dirs``, sorted by name. A name found twice: the first folder wins, the other is reported."""
    found: dict[str, PluginSource] = {}
    duplicates: list[PluginSource] = []
    for base in dirs:
        root = Path(base).expanduser()
        if not root.is_dir():
            log.warning("plugins folder %s does not exist or is not a folder", root)
            continue
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))):
            source = read_folder(folder)
            if source is None:
                continue
            first = found.get(source.name)
            if first is None:
                found[source.name] = source
            elif first.path.resolve() != folder.resolve():
                problem = f"another plugin named {source.name!r} was found first, at {first.path}; this one is ignored"
                duplicates.append(PluginSource(source.name, folder, source.layout, problem=problem))
    # Loading in name order makes "which of two clashing plugins is refused" the same in every process.
    return Discovery(tuple(sorted(found.values(), key=lambda s: s.name)), tuple(duplicates))

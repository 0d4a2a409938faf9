"""Where plugin code lives in ``sys.modules``: ``botfactory_plugins.<safe name>.<module>``, one package per plugin.

Two plugins may both have an ``events.py``: they become ``botfactory_plugins.a.events`` and
``botfactory_plugins.b.events``. Plugin folders are never put on ``sys.path`` (a plugin's ``events.py`` must not
shadow anyone's ``events``); instead one import finder, first on ``sys.meta_path`` but answering only for names
under ``botfactory_plugins``, maps each mounted plugin package to its folder. Relative imports inside a plugin
(``from . import helpers``) therefore work as in any package.

Plugin modules are always compiled from their source and never cached as bytecode (DESIGN §9 "Plugin reload"):
a ``.pyc`` is trusted by its source's mtime in whole seconds and its size, so an edit within the same second
that keeps the size would otherwise load stale code on ``reload``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import linecache
import sys
import threading
import types
from pathlib import Path
from typing import Any

ROOT = "botfactory_plugins"


class _SourceOnlyLoader(importlib.machinery.SourceFileLoader):
    """A source loader that compiles the ``.py`` every time: no ``__pycache__`` read, none written."""

    def get_code(self, fullname: str) -> types.CodeType:
        path = self.get_filename(fullname)
        return self.source_to_code(self.get_data(path), path)


class _EmptyPackageLoader(importlib.abc.Loader):
    """The root package and plugin folders without ``__init__.py``: packages with no code of their own."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        return None


class _PluginFinder(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self._folders: dict[str, Path] = {}
        self._lock = threading.Lock()

    def mount(self, package: str, folder: Path) -> None:
        with self._lock:
            self._folders[package] = folder

    def unmount(self, package: str) -> None:
        with self._lock:
            self._folders.pop(package, None)

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname == ROOT:
            spec = importlib.machinery.ModuleSpec(ROOT, _EmptyPackageLoader(), is_package=True)
            spec.submodule_search_locations = []
            return spec
        if not fullname.startswith(ROOT + "."):
            return None
        parts = fullname.split(".")
        with self._lock:
            folder = self._folders.get(".".join(parts[:2]))
        if folder is None:
            return None  # an unloaded plugin's modules cannot be imported again behind the loader's back
        return _spec_for(fullname, folder.joinpath(*parts[2:]), is_plugin_package=len(parts) == 2)


def _spec_for(fullname: str, base: Path, *, is_plugin_package: bool) -> importlib.machinery.ModuleSpec | None:
    init = base / "__init__.py"
    if init.is_file():
        return importlib.util.spec_from_file_location(
            fullname, init, loader=_SourceOnlyLoader(fullname, str(init)), submodule_search_locations=[str(base)]
        )
    module_file = base.with_name(base.name + ".py")
    if not is_plugin_package and module_file.is_file():
        return importlib.util.spec_from_file_location(
            fullname, module_file, loader=_SourceOnlyLoader(fullname, str(module_file))
        )
    if base.is_dir():
        spec = importlib.machinery.ModuleSpec(fullname, _EmptyPackageLoader(), is_package=True)
        spec.submodule_search_locations = [str(base)]
        return spec
    return None


_finder = _PluginFinder()


def install() -> None:
    """Put the finder in front of ``sys.meta_path`` (idempotent); it only ever answers for ``botfactory_plugins``."""
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def package_name(safe_name: str) -> str:
    return f"{ROOT}.{safe_name}"


def mount(safe_name: str, folder: Path) -> str:
    """Make ``botfactory_plugins.<safe_name>`` import from ``folder``; returns the package name."""
    install()
    package = package_name(safe_name)
    _finder.mount(package, folder)
    return package


def module_names(package: str) -> list[str]:
    """The package and every module under it that is in ``sys.modules`` now."""
    return [name for name in list(sys.modules) if name == package or name.startswith(package + ".")]


def purge(package: str) -> list[str]:
    """Forget every module of ``package``: out of ``sys.modules``, off the root package, out of line caches."""
    removed = module_names(package)
    for name in removed:
        module = sys.modules.pop(name, None)
        filename = getattr(module, "__file__", None)
        if filename:
            linecache.checkcache(filename)  # tracebacks of the next load show the edited lines
    root = sys.modules.get(ROOT)
    child = package.rpartition(".")[2]
    if root is not None and hasattr(root, child):
        delattr(root, child)
    importlib.invalidate_caches()
    return removed


def unmount(package: str) -> list[str]:
    """Purge ``package`` and stop serving its folder."""
    _finder.unmount(package)
    return purge(package)

"""DivvyCloud's module names (``DivvyWorkers.*``, ``DivvyBotfactory.*``, ...) as aliases of botfactory's objects.

Importing this module installs an import finder for those names. The finder is appended *last* to
``sys.meta_path``, so a real module of the same name on ``sys.path`` (a user's own) always wins; the names are
never installed as packages in site-packages. The plugin loader imports this before loading plugin code.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from typing import Any

from botfactory.plugins.compat.names import ALIASES, package_names

_PACKAGES = package_names()
_BUILTIN_NAMES = frozenset(dir(builtins))


def _resolve(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


def _defined_in(module: types.ModuleType) -> list[str]:
    """Public names a module without ``__all__`` defines itself (not what it imported), for ``import *``."""
    names = []
    for name, value in vars(module).items():
        if name.startswith("_") or isinstance(value, types.ModuleType) or name in _BUILTIN_NAMES:
            continue  # ``import *`` must not hide a builtin (bots.registry defines ``filter``)
        if type(value).__module__ in ("__future__", "typing"):
            continue  # ``annotations``, TypeVars
        home = getattr(value, "__module__", None)
        if home is None or home == module.__name__ or not (callable(value) or isinstance(value, type)):
            names.append(name)
    return sorted(names)


class _AliasLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None  # a fresh module; exec_module fills it

    def exec_module(self, module: types.ModuleType) -> None:
        target = ALIASES.get(module.__name__)
        if target is None:
            return  # a parent package such as ``DivvyWorkers``
        if isinstance(target, str):
            # Stand for a whole module: forward every attribute (the same objects), leave the real module as is.
            real = importlib.import_module(target)

            def lookup(name: str) -> Any:
                return getattr(real, name)

            exported = list(getattr(real, "__all__", None) or _defined_in(real))
        else:
            names = dict(target)

            def lookup(name: str) -> Any:
                if name not in names:
                    raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
                return _resolve(names[name])

            exported = sorted(names)

        def __getattr__(name: str) -> Any:  # resolved on first use, then cached on the module
            if name.startswith("__"):
                raise AttributeError(name)
            value = lookup(name)
            setattr(module, name, value)
            return value

        module.__getattr__ = __getattr__  # type: ignore[method-assign]
        module.__all__ = exported  # type: ignore[attr-defined]
        module.__doc__ = f"botfactory's DivvyCloud-compatible {module.__name__}"


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname in ALIASES:
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(), is_package=False)
        if fullname in _PACKAGES:
            spec = importlib.machinery.ModuleSpec(fullname, _AliasLoader(), is_package=True)
            spec.submodule_search_locations = []
            return spec
        return None


_finder = _AliasFinder()


def install() -> None:
    """Make the DivvyCloud names importable (idempotent)."""
    if _finder not in sys.meta_path:
        sys.meta_path.append(_finder)


def uninstall() -> None:
    """Remove the finder and every alias module it created."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in list(sys.modules):
        if name in ALIASES or name in _PACKAGES:
            spec = getattr(sys.modules[name], "__spec__", None)
            if spec is not None and isinstance(spec.loader, _AliasLoader):
                del sys.modules[name]


install()

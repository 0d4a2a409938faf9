"""The DivvyCloud names never shadow a real module, and exist only through ``botfactory.plugins.compat``."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import botfactory.plugins.compat as compat

ALIAS_ROOTS = ("DivvyWorkers", "DivvyBotfactory", "DivvyBotFactory", "DivvyUtils", "DivvyPlugins", "DivvyDb", "worker")


def _forget(*roots: str) -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in roots:
            del sys.modules[name]


@pytest.fixture
def user_path(tmp_path: Path) -> Iterator[Path]:
    """A folder on sys.path for a user's own modules; aliases already imported are forgotten before and after."""
    _forget(*ALIAS_ROOTS)
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        _forget(*ALIAS_ROOTS)
        importlib.invalidate_caches()


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_finder_is_last_on_the_meta_path() -> None:
    assert sys.meta_path[-1] is compat._finder


def test_a_real_worker_package_wins_over_the_alias(user_path: Path) -> None:
    _write(user_path, "worker/__init__.py", "")
    _write(user_path, "worker/registry.py", "Router = 'the user s own'\n")
    from worker.registry import Router  # type: ignore[import-not-found]

    assert Router == "the user s own"
    assert sys.modules["worker"].__file__ == str(user_path / "worker" / "__init__.py")


def test_a_real_top_level_module_wins_and_other_aliases_still_work(user_path: Path) -> None:
    _write(user_path, "DivvyUtils/__init__.py", "MINE = True\n")
    _write(user_path, "DivvyUtils/schedule.py", "Once = 'mine'\n")
    import DivvyUtils.schedule  # type: ignore[import-not-found]

    assert DivvyUtils.MINE is True
    assert DivvyUtils.schedule.Once == "mine"
    # Names the user does not have are still served.
    from DivvyBotfactory.scheduling import ScheduledEventTracker  # type: ignore[import-not-found]

    from botfactory.events.tracker import ScheduledEventTracker as Native

    assert ScheduledEventTracker is Native


def test_the_names_are_not_installed_packages() -> None:
    """Without the compat finder nothing on sys.path provides them (never put in site-packages)."""
    compat.uninstall()
    try:
        for root in ALIAS_ROOTS:
            if root == "worker":
                continue  # a generic name: some unrelated package may exist on a machine
            assert importlib.util.find_spec(root) is None, root
    finally:
        compat.install()


def test_uninstall_removes_alias_modules_and_install_restores_them() -> None:
    importlib.import_module("DivvyUtils.schedule")
    compat.uninstall()
    try:
        assert "DivvyUtils.schedule" not in sys.modules
        with pytest.raises(ImportError):
            importlib.import_module("DivvyUtils.schedule")
    finally:
        compat.install()
    assert importlib.import_module("DivvyUtils.schedule").Once is importlib.import_module("botfactory.schedule").Once

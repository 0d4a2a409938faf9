"""The built wheel carries the whole package: an installed botfactory reads its migrations, dashboard templates,
static files and demo bots from inside the package, so a file missing from the wheel breaks only installed
copies (``botfactory db upgrade``, the dashboard, ``botfactory run --demo``), never a checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "botfactory"


def _source_files() -> set[str]:
    return {
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


@pytest.mark.timeout(180)
def test_the_wheel_holds_every_file_of_the_package(tmp_path: Path) -> None:
    # Built from a copy: setuptools writes build/ and *.egg-info next to the sources it builds.
    project = tmp_path / "project"
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, project / name)
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(wheels), str(project)],
        capture_output=True, text=True, timeout=170,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = wheels.glob("botfactory-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packaged = {name for name in archive.namelist() if name.startswith("botfactory/")}
    missing = sorted(_source_files() - packaged)
    assert not missing, f"files of src/botfactory not in the wheel: {missing}"
    assert {name for name in packaged if name.startswith("botfactory/runner/demo_bots/")} >= {
        "botfactory/runner/demo_bots/stop-untagged-instances.json",
        "botfactory/runner/demo_bots/block-public-buckets.json",
    }

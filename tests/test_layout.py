"""The code keeps the shape STYLE.md §2 gives it: no module past 600 lines (a larger one
becomes a package cut by responsibility), and every app in its layer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 600
SKIPPED_DIRS = {"migrations", "tests", "bench", ".venv", ".data", "node_modules"}


def _modules() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.py")
        if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts)
    )


def test_the_tree_has_modules_to_measure():
    names = {path.relative_to(ROOT).as_posix() for path in _modules()}

    assert "referrals/services/sending.py" in names
    assert "coordination/settings.py" in names


@pytest.mark.parametrize(
    "path", _modules(), ids=lambda p: p.relative_to(ROOT).as_posix()
)
def test_no_module_is_longer_than_600_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())

    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines"


def test_the_apps_import_each_other_only_downwards():
    linter = Path(sys.executable).with_name("lint-imports")
    if not linter.exists():
        pytest.fail("lint-imports is not installed (requirements-dev.txt)")

    result = subprocess.run(
        [str(linter)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout

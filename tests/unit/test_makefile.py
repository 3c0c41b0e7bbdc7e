"""The two commands: `make run` installs only what running needs; `make test` adds chromium."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def planned(target: str) -> str:
    """What `make <target>` would run (make -n prints the recipes without running them)."""
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    result = subprocess.run(
        ["make", "-n", target], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_run_installs_the_fonts_but_not_chromium() -> None:
    run = planned("run")
    assert "fonts-noto-cjk" in run and "fonts-noto-color-emoji" in run
    assert "chromium" not in run
    assert "vitrine run" in run


def test_test_installs_the_fonts_and_chromium() -> None:
    test = planned("test")
    assert "fonts-noto-cjk" in test and "fonts-noto-color-emoji" in test
    assert "chromium" in test
    assert "pytest" in test

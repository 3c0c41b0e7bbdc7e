"""The `vitrine` command line: help, migrate, and the demo catalogue with its deep links."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def vitrine(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "VITRINE_DATA_DIR": str(tmp_path / "data"),
        "VITRINE_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = vitrine(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("run", "migrate", "sandbox", "seed-demo"):
        assert command in result.stdout


def test_seed_demo_is_idempotent_and_prints_deep_links(tmp_path: Path) -> None:
    first = vitrine(tmp_path, "seed-demo", "--bot-username", "@demo_bot")
    second = vitrine(tmp_path, "seed-demo", "--bot-username", "demo_bot")
    assert first.returncode == second.returncode == 0, first.stderr
    assert "https://t.me/demo_bot?start=lina_beauty" in first.stdout
    assert first.stdout == second.stdout

    import sqlite3

    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        experts = db.execute("SELECT count(*) FROM experts").fetchone()[0]
        items = db.execute("SELECT count(*) FROM items").fetchone()[0]
    assert (experts, items) == (3, 11)  # one copy, however often it is seeded


def test_migrate_creates_the_database(tmp_path: Path) -> None:
    result = vitrine(tmp_path, "migrate")
    assert result.returncode == 0 and "up to date" in result.stdout
    assert (tmp_path / "db.sqlite3").exists()

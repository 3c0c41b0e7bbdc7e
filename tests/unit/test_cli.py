"""The `vitrine` command line: help, migrate, the demo catalogue, and `run` in sandbox mode."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import free_port
from tests.sandbox.harness import wait_until


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


def _run_until_ready(tmp_path: Path, env: dict[str, str], log_name: str) -> subprocess.Popen[bytes]:
    """`vitrine run` in sandbox mode, once it says it is running."""
    log = tmp_path / log_name
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            env=env,
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )

    def ready() -> bool:
        assert process.poll() is None, log.read_text()
        return "Press Ctrl+C to stop." in log.read_text()

    wait_until(ready, timeout=120)
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0


def test_run_in_sandbox_mode_keeps_the_sandbox_state_in_the_data_dir(tmp_path: Path) -> None:
    """Stopped and started again, `vitrine run` finds its people, chats and file ids in the sandbox."""
    sandbox_port = free_port()
    env = {
        **os.environ,
        "VITRINE_DATA_DIR": str(tmp_path / "data"),
        "VITRINE_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VITRINE_HTTP_PORT": str(free_port()),
        "VITRINE_SANDBOX_PORT": str(sandbox_port),
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    sim = httpx.Client(base_url=f"http://127.0.0.1:{sandbox_port}", timeout=30)

    def bot_photos() -> list[dict[str, Any]]:
        messages = sim.get("/sim/users/4242/transcript").json()["messages"]
        return [m for m in messages if m["from"] == "bot" and m["photo"]]

    first = _run_until_ready(tmp_path, env, "first.log")
    try:
        sim.post("/sim/users", json={"id": 4242, "first_name": "Mei", "language_code": "en"})
        sim.post("/sim/users/4242/messages", json={"text": "/start lina_beauty"})
        (card,) = wait_until(bot_photos)  # the bot uploads the item's photo, keeps its file_id

        def whole_welcome() -> list[dict[str, Any]]:
            """The transcript once the welcome's last message (the interests prompt) is in."""
            messages = sim.get("/sim/users/4242/transcript").json()["messages"]
            bots = [m for m in messages if m["from"] == "bot"]
            return messages if len(bots) >= 3 else []

        before = wait_until(whole_welcome)
    finally:
        _stop(first)
    assert (tmp_path / "data" / "sandbox" / "sandbox.sqlite3").is_file()

    second = _run_until_ready(tmp_path, env, "second.log")
    try:
        assert sim.get("/sim/users/4242").json()["first_name"] == "Mei"
        after = sim.get("/sim/users/4242/transcript").json()["messages"]
        assert [(m["message_id"], m["text"]) for m in after] == [
            (m["message_id"], m["text"]) for m in before
        ]
        sim.post("/sim/users/4242/messages", json={"text": "/window"})
        # The window sends the photo by the file_id from before the restart, and it works.
        again = wait_until(lambda: bot_photos()[1:])[0]
        assert again["photo"] == card["photo"]
        assert again["message_id"] > max(m["message_id"] for m in before)
    finally:
        _stop(second)
        sim.close()


def test_run_in_sandbox_mode_ends_with_one_block_of_where_to_chat_and_whom_to_follow(
    tmp_path: Path,
) -> None:
    """stdout is that one block: the chat page, and each demo expert's deep link and command."""
    sandbox_port = free_port()
    env = {
        **os.environ,
        "VITRINE_DATA_DIR": str(tmp_path / "data"),
        "VITRINE_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VITRINE_HTTP_PORT": str(free_port()),
        "VITRINE_SANDBOX_PORT": str(sandbox_port),
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            env=env,
            cwd=tmp_path,
            stdout=stdout,
            stderr=stderr,
        )
    try:

        def ready() -> bool:
            assert process.poll() is None, err.read_text()
            return "Press Ctrl+C to stop." in out.read_text()

        wait_until(ready, timeout=120)
        [bot] = httpx.get(f"http://127.0.0.1:{sandbox_port}/sim/bots", timeout=30).json()
    finally:
        _stop(process)
    printed = out.read_text().split("Vitrine stopped cleanly.")[0].strip().splitlines()
    assert printed[0] == "Vitrine is running against the local sandbox."
    assert printed[-1] == "Press Ctrl+C to stop."
    block = "\n".join(printed)
    assert f"Chat page: http://127.0.0.1:{sandbox_port}/" in block
    for handle in ("lina_beauty", "techwang", "chef_mei"):
        (line,) = [line for line in printed if f"?start={handle}" in line]
        assert f"https://t.me/{bot['username']}?start={handle}" in line
        assert line.endswith(f"or send /start {handle}")

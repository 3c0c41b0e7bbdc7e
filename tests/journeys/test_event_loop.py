"""`vitrine run` runs on uvloop by default, and on asyncio's own loop when told to.

A real process against the sandbox, asked over HTTP what it runs on (/healthz `event_loop`):
the choice is made in the CLI, so only a process started as production starts it shows it.
The journeys that run `vitrine run` (crash and restart, the roles, the scale-out) run on it too.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.auxil.processes import start_cli_bot
from tests.conftest import free_port


def _healthz_of_a_started_bot(tmp_path: Path, sandbox: Any, **extra: str) -> dict[str, object]:
    tmp_path.mkdir()
    port = free_port()
    log = tmp_path / "bot.log"
    bot = start_cli_bot(sandbox, tmp_path, port, log, **extra)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if bot.poll() is not None:
                pytest.fail(f"the bot exited with {bot.returncode}: {log.read_text()[-2000:]}")
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            if answer.status_code == 200:
                health: dict[str, object] = answer.json()
                return health
            time.sleep(0.2)
        pytest.fail(f"no /healthz within 60 s: {log.read_text()[-2000:]}")
    finally:
        bot.terminate()
        bot.wait(timeout=30)


def test_a_started_bot_runs_on_uvloop_and_on_asyncio_when_configured(tmp_path: Path) -> None:
    from sandbox.server import SandboxServer

    with SandboxServer() as sandbox:
        default = _healthz_of_a_started_bot(tmp_path / "default", sandbox)
        chosen = _healthz_of_a_started_bot(
            tmp_path / "chosen", sandbox, VITRINE_EVENT_LOOP="asyncio"
        )
    assert default["status"] == "ok" and default["event_loop"] == "uvloop"
    assert chosen["status"] == "ok" and chosen["event_loop"] == "asyncio"

"""Shared fixtures: a real SQLite file (or PostgreSQL database), the sandbox, and the real bot running against it."""

from __future__ import annotations

import logging
import random
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import BotEndpoint, Runtime, running
from bot.config import Settings, load_settings
from bot.logs import QUIET_LOGGERS
from tests.auxil.databases import fresh_database_url, on_postgresql
from tests.auxil.sim import Sim

BOT_TOKEN = "100001:vitrine-test-token-0000000000"
ADMIN_TELEGRAM_ID = 1004


# Below Linux's ephemeral range (32768-60999), from which every outgoing connection takes its
# local port: a port picked there and freed for the bot to bind a moment later can be taken by
# one of the many loopback connections the tests open meanwhile.
LISTEN_PORTS = range(20000, 32000)


def free_port() -> int:
    """A loopback port nobody listens on right now, outside the range outgoing connections use."""
    for port in random.sample(LISTEN_PORTS, 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port between 20000 and 32000")


def make_settings(tmp_path: Path, **overrides: str) -> Settings:
    """Settings for one test: its own data directory, database file and HTTP port."""
    env = {
        "VITRINE_DATA_DIR": str(tmp_path / "data"),
        "VITRINE_DATABASE_URL": fresh_database_url(tmp_path, sync_driver=True),
        "VITRINE_HTTP_PORT": str(free_port()),
        "VITRINE_ADMIN_IDS": str(ADMIN_TELEGRAM_ID),
        # The tests drive people at machine speed (a first day's 60 presses and commands in a few
        # seconds), which the per-person throttle exists to stop: it stays in every update's path
        # here, with a limit no test's person reaches. Its own tests set Telegram-like defaults.
        "VITRINE_THROTTLE_UPDATES": "1000",
        # PostgreSQL refuses to start without one key shared by the processes (bot/config.py).
        **(
            {"VITRINE_SECRET_KEY": "test-secret-key-shared-by-processes-0123"}
            if on_postgresql()
            else {}
        ),
        **overrides,
    }
    return load_settings(env)


@pytest.fixture(autouse=True)
def root_logging_restored() -> Iterator[None]:
    """Undo what a test's in-process `vitrine` command did to logging (bot/logs.py).

    `cli.main` installs a stderr handler on the root logger and sets its level, as a process
    should; left behind, the handler writes to a stream pytest has since closed, and the level
    lets INFO records into the next tests' caplog.
    """
    root = logging.getLogger()
    handlers = list(root.handlers)
    levels = {name: logging.getLogger(name).level for name in ("", *QUIET_LOGGERS)}
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def sandbox() -> Iterator[object]:
    """The sandbox Telegram in a background thread, limits off unless a test says otherwise."""
    from sandbox.server import SandboxServer

    with SandboxServer(limits="off") as server:
        yield server


@pytest.fixture
async def sim(sandbox: object) -> AsyncIterator[Sim]:
    client = Sim(sandbox.url)  # type: ignore[attr-defined]
    yield client
    await client.close()


@pytest.fixture
async def vitrine(settings: Settings, sandbox: object) -> AsyncIterator[Runtime]:
    """The real bot, polling the sandbox over loopback HTTP."""
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)  # type: ignore[attr-defined]
    async with running(settings, endpoint) as runtime:
        yield runtime


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    Playwright's sync API keeps its own event loop running in the main thread for as long as the
    session-wide browser lives; async tests after it would find a loop already running.
    """
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/"))

"""Shared fixtures: a real SQLite file, the sandbox, and the real bot running against it."""

from __future__ import annotations

import random
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import BotEndpoint, Runtime, running
from bot.config import Settings, load_settings
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
        "VITRINE_DATABASE_URL": f"sqlite:///{tmp_path / 'vitrine.sqlite3'}",
        "VITRINE_HTTP_PORT": str(free_port()),
        "VITRINE_ADMIN_IDS": str(ADMIN_TELEGRAM_ID),
        **overrides,
    }
    return load_settings(env)


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

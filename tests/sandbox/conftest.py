"""Fixtures for the sandbox's own tests: one sandbox per module, reset before every test."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import telegram
from PIL import Image

from sandbox.server import SandboxServer
from tests.sandbox.harness import FAST_SETTINGS, TOKEN, Api


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[SandboxServer]:
    """One sandbox (limits off) for the whole test module."""
    with SandboxServer(limits="off", **FAST_SETTINGS) as server:
        yield server


@pytest.fixture
def server(sandbox_server: SandboxServer) -> SandboxServer:
    """The module's sandbox, emptied for this test."""
    httpx.post(sandbox_server.url + "/sim/reset").raise_for_status()
    return sandbox_server


@pytest.fixture
def api(server: SandboxServer) -> Iterator[Api]:
    """An Api on a fresh sandbox whose bot has already called getMe."""
    client = Api(server.url)
    client.ok("getMe")
    yield client
    client.http.close()


@pytest.fixture
async def bot(server: SandboxServer) -> AsyncIterator[telegram.Bot]:
    """An unmodified python-telegram-bot Bot pointed at the sandbox."""
    ptb_bot = telegram.Bot(TOKEN, base_url=server.bot_api_url, base_file_url=server.file_api_url)
    async with ptb_bot:
        yield ptb_bot


@pytest.fixture(scope="session")
def png() -> bytes:
    """A small real PNG image (40x30)."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    return buffer.getvalue()

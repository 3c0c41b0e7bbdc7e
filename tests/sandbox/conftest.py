"""Fixtures for the sandbox's own tests: one sandbox per module, reset before every test."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import telegram
from PIL import Image

from sandbox.partner_api import partner_api_routes
from sandbox.partner_book import PartnerOrderBook
from sandbox.server import SandboxServer
from tests.sandbox.harness import FAST_SETTINGS, TOKEN, Api
from tests.sandbox.partner_client import (
    APP_KEY,
    APP_SECRET,
    OTHER_APP_KEY,
    OTHER_APP_SECRET,
    PLATFORM,
    FakeClock,
    FakeRateClock,
    PartnerClient,
)

# The partner sandbox serves whatever book is in this dict; the `book` fixture puts a fresh one in.
PARTNER_BOOKS: dict[str, PartnerOrderBook] = {}


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


# --- the simulated partner's order API (sandbox/partner_api.py) --------------------------------


@pytest.fixture(scope="module")
def partner_server() -> Iterator[SandboxServer]:
    """One sandbox for the module, serving the partner routes over PARTNER_BOOKS."""
    with SandboxServer(limits="off", extra_routes=partner_api_routes(PARTNER_BOOKS)) as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    """The partner's calendar, starting at 2026-12-02 10:15:00 Beijing time."""
    return FakeClock()


@pytest.fixture
def rate_clock() -> FakeRateClock:
    """The rate limit's clock (it only moves when a test says so)."""
    return FakeRateClock()


@pytest.fixture
def book(clock: FakeClock, rate_clock: FakeRateClock) -> Iterator[PartnerOrderBook]:
    """A fresh, well-behaved book (no rate limit) for two publisher apps, being served."""
    fresh = PartnerOrderBook(
        {APP_KEY: APP_SECRET, OTHER_APP_KEY: OTHER_APP_SECRET}, clock=clock, rate_clock=rate_clock
    )
    fresh.set_faults(rate_per_second=0)
    PARTNER_BOOKS[PLATFORM] = fresh
    yield fresh
    PARTNER_BOOKS.clear()


@pytest.fixture
def partner(partner_server: SandboxServer, clock: FakeClock) -> Iterator[PartnerClient]:
    """A publisher's client of the partner API."""
    client = PartnerClient(partner_server.url, clock)
    yield client
    client.close()

"""Fault-test fixtures: the sandbox with Telegram's limits ON, and helpers to make many fans."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import BotEndpoint, Runtime, running
from bot.config import Settings
from tests.conftest import BOT_TOKEN, make_settings


@pytest.fixture
def strict_sandbox() -> Iterator[Any]:
    """The sandbox enforcing Telegram's limits: 30/s per bot, 1/s per private chat."""
    from sandbox.server import SandboxServer

    with SandboxServer(limits="telegram") as server:
        yield server


@asynccontextmanager
async def bot_against(sandbox: Any, settings: Settings) -> AsyncIterator[Runtime]:
    """The real bot polling `sandbox`."""
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)
    async with running(settings, endpoint) as runtime:
        yield runtime


def fast_settings(tmp_path: Path, **overrides: str) -> Settings:
    """Settings for a fault test (own database, port)."""
    return make_settings(tmp_path, **overrides)


async def make_sim_users(sandbox_url: str, telegram_ids: range | list[int]) -> None:
    """Create the people on the sandbox side (private chats the bot may write to)."""
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=30) as http:
        for telegram_id in telegram_ids:
            response = await http.post(
                "/sim/users", json={"id": telegram_id, "first_name": f"Fan{telegram_id}"}
            )
            response.raise_for_status()


def bot_messages_per_chat(sandbox: Any) -> dict[int, int]:
    """How many messages the bot has in each chat (read from the sandbox's state after the run)."""
    counts: dict[int, int] = {}
    # The sandbox runs in another thread: copy each dict in one step (atomic under the GIL).
    for bot in list(sandbox.sandbox.bots.values()):
        for chat_id, log in list(bot.chats.items()):
            counts[chat_id] = sum(1 for m in list(log.messages.values()) if m.sender == "bot")
    return counts


def deliveries_of(sandbox: Any, title: str) -> dict[int, int]:
    """How many times each chat got a card with `title` (read from the sandbox's own state)."""
    counts: dict[int, int] = {}
    for bot in list(sandbox.sandbox.bots.values()):
        for chat_id, chat in list(bot.chats.items()):
            n = sum(
                1
                for m in list(chat.messages.values())
                if m.sender == "bot" and title in (m.caption or m.text or "")
            )
            if n:
                counts[chat_id] = n
    return counts


async def seed_campaign_audience(
    repos: Any, photo_dir: Path, telegram_ids: range | list[int], handle: str = "lina_beauty"
) -> tuple[int, int]:
    """The demo catalogue plus fans following an expert (default Lina), no quiet hours.

    Returns (expert id, item id of the first item in the expert's window).

    Thousands of fans are written in three bulk inserts: seeding is not what these tests test.
    """
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from bot.demo.seed import seed_into
    from storage.schema import fan_settings, follows, users

    await seed_into(repos, photo_dir)
    expert = await repos.experts.by_handle(handle)
    now = datetime.now(UTC)
    ids = list(telegram_ids)
    async with repos.engine.begin() as conn:
        await conn.execute(
            insert(users),
            [
                {
                    "telegram_id": t,
                    "first_name": f"Fan{t}",
                    "language": "en",
                    "timezone": "Asia/Shanghai",
                    "created_at": now,
                }
                for t in ids
            ],
        )
        rows = (
            (await conn.execute(select(users.c.id).where(users.c.telegram_id.in_(ids))))
            .scalars()
            .all()
        )
        await conn.execute(
            insert(fan_settings),
            [{"user_id": u, "quiet_start_min": 0, "quiet_end_min": 0} for u in rows],
        )
        await conn.execute(
            insert(follows),
            [
                {"fan_id": u, "expert_id": expert.id, "source": "link", "created_at": now}
                for u in rows
            ],
        )
    window, _ = await repos.items.window(expert.id, offset=0, limit=1)
    return expert.id, window[0].id


def _no_quiet_hours() -> Any:
    from storage.repositories.fan_settings import FanSettingsRow

    return FanSettingsRow(quiet_start_min=0, quiet_end_min=0)


async def create_push(
    repos: Any,
    expert_id: int,
    item_id: int,
    *,
    starts_in: float = 0.0,
    tags: list[str] | None = None,
) -> int:
    """A push campaign stored as the wizard would, starting `starts_in` seconds from now."""
    from datetime import UTC, datetime, timedelta

    campaign = await repos.campaigns.create(
        expert_id=expert_id,
        kind="push",
        item_ids=[item_id],
        audience={"tags": tags or [], "push": True},
        starts_at=datetime.now(UTC) + timedelta(seconds=starts_in),
        recurrence=None,
        progress_chat_id=None,
    )
    return int(campaign.id)


async def wait_for(predicate: Any, timeout: float, interval: float = 0.25) -> None:
    """Poll an async predicate until it holds."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not reached within {timeout}s")

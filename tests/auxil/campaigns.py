"""People and campaigns for the campaign journeys: Lina (the demo expert) and fans who follow her."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import Runtime
from bot.campaigns.jobs import campaigns_of
from bot.campaigns.service import Draft, create_campaign
from bot.demo.catalogue import DEMO_EXPERT_ID
from bot.demo.seed import seed_into
from bot.domain.tokens import BuyToken, derive_key, verify_buy_token
from bot.links import BUY_TOKEN_PURPOSE
from storage.repositories.experts import Expert
from storage.repositories.fan_settings import FanSettingsRow
from storage.repositories.items import Item
from tests.auxil.sim import Message, Sim, SimUser, buttons_of

LANGUAGE_CODES = {"en": "en", "zh_Hans": "zh-hans"}  # Telegram's language_code for each


@dataclass
class Lina:
    """The demo expert, speaking `language`, and her first listed items."""

    person: SimUser
    expert: Expert
    items: list[Item]


async def lina_in(runtime: Runtime, sim: Sim, tmp_path: Path, language: str) -> Lina:
    """Seed the demo and make Lina speak `language` (she chose it, so it sticks)."""
    repos = runtime.services.repos
    await seed_into(repos, tmp_path / "photos")
    person = await sim.user(DEMO_EXPERT_ID, "Lina", LANGUAGE_CODES[language])
    user = await repos.users.by_telegram_id(DEMO_EXPERT_ID)
    assert user is not None
    await repos.users.set_language(user.id, language)
    expert = await repos.experts.by_handle("lina_beauty")
    assert expert is not None
    window, _ = await repos.items.window(expert.id, offset=0, limit=3)
    return Lina(person, expert, list(window))


async def follower(
    runtime: Runtime,
    sim: Sim,
    telegram_id: int,
    language: str,
    *,
    tags: tuple[str, ...] = ("skincare",),
    **settings: Any,
) -> tuple[SimUser, int]:
    """A fan speaking `language` who follows Lina; no quiet hours unless `settings` say so.

    Returns the person and their user id.
    """
    repos = runtime.services.repos
    person = await sim.user(telegram_id, f"Fan{telegram_id}", LANGUAGE_CODES[language])
    user = await repos.users.upsert_from_telegram(
        telegram_id, f"Fan{telegram_id}", None, LANGUAGE_CODES[language]
    )
    await repos.users.set_language(user.id, language)
    expert = await repos.experts.by_handle("lina_beauty")
    assert expert is not None
    await repos.follows.follow(user.id, expert.id, "link")
    for tag in tags:
        await repos.interests.toggle(user.id, tag)
    # Quiet all day would hold pushes whatever the time the test runs: none by default.
    row = FanSettingsRow(**{"quiet_start_min": 0, "quiet_end_min": 0, **settings})
    await repos.fan_settings.save(user.id, row)
    return person, user.id


async def run_now(
    runtime: Runtime,
    expert: Expert,
    kind: str,
    item_ids: tuple[int, ...],
    *,
    tags: tuple[str, ...] = (),
    push: bool = True,
    recurrence: str | None = None,
    opens_at: datetime | None = None,
) -> int:
    """Create a campaign as Confirm does and fire it as its start job does; return its id."""
    campaigns = campaigns_of(runtime.application.bot_data)
    campaign = await create_campaign(
        runtime.services,
        expert_id=expert.id,
        tz="Asia/Shanghai",
        draft=Draft(
            kind=kind,
            item_ids=item_ids,
            tags=tags,
            push=push,
            starts_at=datetime.now(UTC),
            recurrence=recurrence,
            opens_at=opens_at,
        ),
        progress_chat_id=DEMO_EXPERT_ID,
    )
    await campaigns.fire(campaign.id)
    return campaign.id


def buy_token(runtime: Runtime, url: str) -> BuyToken:
    """What a Buy link says (verified with the bot's own key)."""
    assert "/go/" in url, url
    key = derive_key(runtime.services.settings.secret_key, BUY_TOKEN_PURPOSE)
    return verify_buy_token(url.rsplit("/go/", 1)[1], key, now=int(time.time()))


def has_button(data: str) -> Callable[[Message], bool]:
    """A predicate: the message carries a button with this callback data."""
    return lambda m: any(b.get("callback_data") == data for b in buttons_of(m))


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Wait until `check()` holds (the bot works asynchronously)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


def toast(record: dict[str, Any]) -> str:
    """The text of a press's answer (the toast a person sees)."""
    return str((record.get("answer") or record).get("text") or "")

"""A shared item card: whoever opens its Buy link is unknown to us, and the sharer is credited."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.app import Runtime
from bot.demo.seed import seed_into
from bot.domain.tokens import derive_key, verify_buy_token
from bot.links import BUY_TOKEN_PURPOSE
from storage.schema import clicks
from tests.auxil.sim import Sim, SimUser, buttons_of


@pytest.fixture
async def seeded(vitrine: Runtime, tmp_path: Path) -> Runtime:
    await seed_into(vitrine.services.repos, tmp_path / "photos")
    return vitrine


async def window_card(fan: SimUser, handle: str) -> dict[str, Any]:
    sent = await fan.send(f"/window {handle}")
    return await fan.wait_for(lambda m: m.get("photo") is not None, after=sent["message_id"])


async def test_a_shared_cards_buy_link_credits_the_sharer_not_as_the_buyer(
    seeded: Runtime, sim: Sim
) -> None:
    repos = seeded.services.repos
    sharer = await sim.user(6107, "Mei", "zh-hans")
    card = await window_card(sharer, "lina_beauty")
    share = next(b for b in buttons_of(card) if "switch_inline_query" in b)
    [result] = (await sharer.inline(share["switch_inline_query"]))["results"]
    buy = result["reply_markup"]["inline_keyboard"][0][0]["url"]

    key = derive_key(seeded.services.settings.secret_key, BUY_TOKEN_PURPOSE)
    token = verify_buy_token(buy.rsplit("/go/", 1)[1], key, now=int(time.time()))
    mei = await repos.users.by_telegram_id(6107)
    assert mei is not None
    assert (token.fan_ref, token.sharer_ref, token.source) == (0, mei.id, "share")

    # A friend in the group chat opens it in an English browser: the page follows the browser,
    # and the click is the friend's (unknown), credited to Mei as the sharer.
    async with httpx.AsyncClient(timeout=20) as browser:
        page = await browser.get(buy, headers={"accept-language": "en-US,en;q=0.8"})
    assert page.status_code == 200 and "Continue to Tmall" in page.text
    async with repos.engine.connect() as conn:
        [row] = (await conn.execute(select(clicks.c.fan_id, clicks.c.sharer_id))).all()
    assert (row.fan_id, row.sharer_id) == (None, mei.id)

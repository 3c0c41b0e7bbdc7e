"""/mydata tells a fan what they clicked and which orders were attributed to them, with status,
and nothing about anyone else: no other person's Telegram id, no secrets, no click ids."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import BotEndpoint, Runtime, running
from bot.demo.catalogue import DEMO_EXPERT_ID, DEMO_MERCHANT_ID
from bot.demo.seed import demo_secret, seed_into, write_checkout_config
from tests.auxil.sim import Sim, SimUser, buttons_of, text_of
from tests.conftest import ADMIN_TELEGRAM_ID, BOT_TOKEN, make_settings
from tests.journeys.test_buy_loop import form_fields, mount_checkout


@pytest.fixture
async def shop(tmp_path: Path, sandbox: Any) -> AsyncIterator[Runtime]:
    """The bot in sandbox mode whose Continue leads to the sandbox's simulated checkout."""
    settings = make_settings(tmp_path, VITRINE_DEMO_CHECKOUT_URL=f"{sandbox.url}/checkout")
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)
    async with running(settings, endpoint) as runtime:
        await seed_into(runtime.services.repos, tmp_path / "photos")
        mount_checkout(sandbox, await write_checkout_config(settings))
        yield runtime


async def buy(runtime: Runtime, sandbox: Any, fan: SimUser) -> tuple[str, str, dict[str, str]]:
    """Follow Lina, open a Buy link, pay on the checkout: (item title, click id, paid form)."""
    sent = await fan.send("/start lina_beauty")
    card = await fan.wait_for(
        lambda m: any("/go/" in b.get("url", "") for b in buttons_of(m)), after=sent["message_id"]
    )
    link = next(b["url"] for b in buttons_of(card) if "/go/" in b.get("url", ""))
    async with httpx.AsyncClient(timeout=20) as browser:
        page = await browser.get(link)
        title = re.search(r'<h1 id="title">([^<]+)</h1>', page.text).group(1)  # type: ignore[union-attr]
        path = re.search(r'id="continue" href="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        path = path.replace("&amp;", "&")
        click_id = re.search(r"[?&]c=([A-Za-z0-9_-]+)", path).group(1)  # type: ignore[union-attr]
        hop = await browser.get(runtime.http_url + path)
        checkout = await browser.get(hop.headers["location"])
        paid = await browser.post(f"{sandbox.url}/checkout/pay", data=form_fields(checkout.text))
        assert 'id="answer">200<' in paid.text
    return title, click_id, form_fields(paid.text)


async def my_data(sim: Sim, fan: SimUser) -> tuple[str, str]:
    """Send /mydata; return (the caption, the JSON document's text)."""
    sent = await fan.send("/mydata")
    message = await fan.wait_for(lambda m: m.get("document") is not None, after=sent["message_id"])
    response = await sim.http.get(message["document"]["url"])
    response.raise_for_status()
    return text_of(message), response.content.decode("utf-8")


async def test_mydata_lists_clicks_and_attributed_orders_and_nobody_elses_ids(
    shop: Runtime, sim: Sim, sandbox: Any
) -> None:
    fan = await sim.user(5201, "小安", "zh-hans")
    title, click_id, paid_form = await buy(shop, sandbox, fan)

    caption, raw = await my_data(sim, fan)
    assert "点击前往店铺的商品" in caption and "订单" in caption
    data = json.loads(raw)
    [click] = data["clicks"]
    assert (click["title"], click["expert"], click["source"]) == (title, "lina_beauty", "window")
    assert click["at"]
    [order] = data["orders"]
    assert (order["title"], order["status"], order["quantity"]) == (title, "paid", 1)
    assert order["order_id"] == paid_form["order"] and order["shop"] == "Lumière 官方旗舰店"
    assert order["amount_fen"] > 0 and order["clicked_at"] == click["at"]

    # Only the fan's own Telegram id; no secret, callback key, click id or commission.
    merchant = await shop.services.repos.merchants.by_shop("tmall", "5550001")
    assert merchant is not None
    for foreign in (str(DEMO_MERCHANT_ID), str(DEMO_EXPERT_ID), str(ADMIN_TELEGRAM_ID)):
        assert not re.search(rf"\b{foreign}\b", raw)
    assert "5201" in raw  # the fan's own id is theirs to see
    for secret in ("whsec_", demo_secret("lumiere"), merchant.callback_key, click_id):
        assert secret not in raw
    assert "commission" not in raw and "user_agent" not in raw

    # A refund shows as the order's new status.
    async with httpx.AsyncClient(timeout=20) as browser:
        refunded = await browser.post(f"{sandbox.url}/checkout/refund", data=paid_form)
        assert 'id="answer">200<' in refunded.text
    _caption, raw = await my_data(sim, fan)
    assert [o["status"] for o in json.loads(raw)["orders"]] == ["refunded"]


async def test_mydata_explains_clicks_and_orders_in_english_too(
    shop: Runtime, sim: Sim, sandbox: Any
) -> None:
    fan = await sim.user(5202, "Ann", "en")
    await fan.ask("/start")
    caption, raw = await my_data(sim, fan)
    assert "items you clicked through to a shop" in caption and "orders" in caption
    data = json.loads(raw)
    assert data["clicks"] == [] and data["orders"] == []

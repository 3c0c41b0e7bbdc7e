"""The half-closed loop on one machine: a fan taps Buy, pays on the simulated partner checkout,
the merchant is told, the expert earns, and a refund reverses it all."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import BotEndpoint, Runtime, running
from bot.demo.catalogue import DEMO_EXPERT_ID, DEMO_MERCHANT_ID
from bot.demo.seed import seed_into, write_checkout_config
from sandbox.checkout import checkout_routes
from tests.auxil.sim import Sim, buttons_of, text_of
from tests.conftest import BOT_TOKEN, make_settings


def mount_checkout(sandbox: Any, config: Path) -> None:
    """Serve the simulated checkout from the running sandbox (its routes are a plain list)."""
    sandbox.app.router.routes.extend(checkout_routes(config))


@pytest.fixture
async def shop_runtime(tmp_path: Path, sandbox: Any) -> AsyncIterator[Runtime]:
    """The real bot in sandbox mode with Continue leading to the sandbox's simulated checkout."""
    settings = make_settings(tmp_path, VITRINE_DEMO_CHECKOUT_URL=f"{sandbox.url}/checkout")
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)
    async with running(settings, endpoint) as runtime:
        await seed_into(runtime.services.repos, tmp_path / "photos")
        mount_checkout(sandbox, await write_checkout_config(settings))
        yield runtime


def form_fields(html: str) -> dict[str, str]:
    """The named inputs of the first form on a page."""
    form = html[html.index("<form") : html.index("</form>")]
    return dict(re.findall(r'name="([a-z]+)" value="([^"]*)"', form))


async def test_buy_pay_notice_earnings_refund(
    shop_runtime: Runtime, sim: Sim, sandbox: Any
) -> None:
    repos = shop_runtime.services.repos
    merchant = await sim.user(DEMO_MERCHANT_ID, "Lumière Store", "en")
    lina = await sim.user(DEMO_EXPERT_ID, "Lina", "en")
    fan = await sim.user(5101, "Ann", "en")
    for person in (merchant, lina):  # they speak English on Telegram; the demo seeded Chinese
        await person.ask("/help")

    # The fan follows Lina from her link and finds a Buy button in her window.
    sent = await fan.send("/start lina_beauty")
    card = await fan.wait_for(
        lambda m: any("/go/" in b.get("url", "") for b in buttons_of(m)), after=sent["message_id"]
    )
    buy = next(b["url"] for b in buttons_of(card) if "/go/" in b.get("url", ""))
    assert buy.startswith(shop_runtime.services.settings.public_url + "/go/")

    async with httpx.AsyncClient(timeout=20) as browser:
        # The intermediate page over HTTP names the item, the price and who delivers.
        page = await browser.get(buy)
        assert page.status_code == 200
        title = re.search(r'<h1 id="title">([^<]+)</h1>', page.text).group(1)  # type: ignore[union-attr]
        item = next(
            i
            for i in (
                await repos.items.window(
                    (await repos.experts.by_handle("lina_beauty")).id, offset=0, limit=10
                )
            )[0]
            if i.title == title
        )  # type: ignore[union-attr]
        assert "Lumière 官方旗舰店" in page.text and "Continue to Tmall" in page.text
        stock_before = item.stock

        # Continue leads to the simulated checkout (sandbox mode), which is clearly labelled.
        continue_path = (
            re.search(r'id="continue" href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
        )  # type: ignore[union-attr]
        hop = await browser.get(shop_runtime.http_url + continue_path)
        assert hop.status_code == 302 and hop.headers["location"].startswith(
            sandbox.url + "/checkout?"
        )
        checkout = await browser.get(hop.headers["location"])
        assert "Simulated partner checkout" in checkout.text

        # Pay: the sandbox signs an order callback and the bot accepts it.
        paid = await browser.post(
            f"{sandbox.url}/checkout/pay", data={**form_fields(checkout.text), "quantity": "2"}
        )
        assert 'id="answer">200<' in paid.text
        order_id = re.search(r'id="order">([^<]+)<', paid.text).group(1)  # type: ignore[union-attr]

    # The merchant's chat gets the order notice; the expert hears of the commission.
    notice = await merchant.wait_for(
        lambda m: order_id in text_of(m) and "New order" in text_of(m), timeout=20
    )
    commission = item.price_fen * 2 * 800 // 10_000
    assert "You handle delivery and after-sales" in text_of(notice)
    assert "@lina_beauty" in text_of(notice) and f"¥{commission / 100:.2f}" in text_of(notice)
    await lina.wait_for(lambda m: "You earned" in text_of(m), timeout=20)
    assert (await repos.items.get(item.id)).stock == stock_before - 2  # type: ignore[union-attr]

    earnings = await lina.ask("/earnings", lambda m: "Your earnings" in text_of(m))
    assert f"Pending: ¥{commission / 100:.2f}" in text_of(earnings)
    assert "Lumière 官方旗舰店" in text_of(earnings)

    orders = await merchant.ask("/orders", lambda m: "Recent orders" in text_of(m))
    assert order_id in text_of(orders) and "paid" in text_of(orders)

    # A refund from the same checkout reverses the commission and restores the stock.
    async with httpx.AsyncClient(timeout=20) as browser:
        refunded = await browser.post(f"{sandbox.url}/checkout/refund", data=form_fields(paid.text))
        assert 'id="answer">200<' in refunded.text
    await merchant.wait_for(
        lambda m: order_id in text_of(m) and "refunded" in text_of(m), timeout=20
    )
    assert (await repos.items.get(item.id)).stock == stock_before  # type: ignore[union-attr]
    after = await lina.ask("/earnings", lambda m: "Your earnings" in text_of(m))
    assert "Pending: ¥0.00" in text_of(after)

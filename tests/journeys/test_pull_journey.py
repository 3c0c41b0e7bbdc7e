"""The buy loop with the partner in pull mode (issue 17): a fan pays on the simulated Taobao
checkout, the partner only records the order, the bot finds it on its next poll; the expert's
/earnings shows it pending, then confirmed once the partner settles it; /reconcile explains it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import BotEndpoint, Runtime, running
from bot.config import Settings
from bot.demo.seed import (
    DEMO_PULL_APP_KEY,
    DEMO_PULL_PARTNER,
    DEMO_PULL_RATE_BP,
    demo_pull_secret,
    seed_into,
    write_checkout_config,
)
from bot.orders.pull_jobs import pullers_of
from sandbox.checkout import checkout_routes
from sandbox.partner_api import partner_api_routes
from sandbox.partner_book import PartnerOrderBook
from tests.auxil.sim import Sim, buttons_of, text_of
from tests.conftest import BOT_TOKEN, make_settings

WANG_EXPERT = 3001  # techwang: his window lists the demo's Taobao shop
WANG_SHOP_OWNER = 2001  # who runs 小王数码铺 on Taobao
MEI_SHOP_OWNER = 2002  # who runs 梅家厨房 on Weimai


@pytest.fixture
def book() -> PartnerOrderBook:
    return PartnerOrderBook({DEMO_PULL_APP_KEY: demo_pull_secret()})


def pull_settings(tmp_path: Path, sandbox: Any) -> Settings:
    """The demo's pull mode against the sandbox's partner API, polling every second."""
    key = DEMO_PULL_PARTNER.upper()
    return make_settings(
        tmp_path,
        VITRINE_DEMO_CHECKOUT_URL=f"{sandbox.url}/checkout",
        VITRINE_DEMO_PULL="true",
        VITRINE_PULL_PARTNERS=DEMO_PULL_PARTNER,
        **{
            f"VITRINE_PULL_{key}_URL": f"{sandbox.url}/partner/{DEMO_PULL_PARTNER}",
            f"VITRINE_PULL_{key}_APP_KEY": DEMO_PULL_APP_KEY,
            f"VITRINE_PULL_{key}_APP_SECRET": demo_pull_secret(),
        },
        VITRINE_PULL_INTERVAL_SECONDS="1",
        VITRINE_PULL_SETTLE_LAG_SECONDS="0",
    )


@pytest.fixture
async def pull_runtime(
    tmp_path: Path, sandbox: Any, book: PartnerOrderBook
) -> AsyncIterator[Runtime]:
    """The real bot polling the sandbox's partner API every second, as `VITRINE_DEMO_PULL` sets up."""
    settings = pull_settings(tmp_path, sandbox)
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)
    async with running(settings, endpoint) as runtime:
        await seed_into(runtime.services.repos, tmp_path / "photos")
        books = {DEMO_PULL_PARTNER: book}
        config = await write_checkout_config(settings)
        sandbox.app.router.routes.extend(
            [*checkout_routes(config, books), *partner_api_routes(books)]
        )
        yield runtime


def form_fields(html: str) -> dict[str, str]:
    form = html[html.index("<form") : html.index("</form>")]
    return dict(re.findall(r'name="([a-z]+)" value="([^"]*)"', form))


async def test_an_order_the_partner_only_records_is_polled_earned_and_settled(
    pull_runtime: Runtime, sim: Sim, sandbox: Any, book: PartnerOrderBook
) -> None:
    shop_owner = await sim.user(WANG_SHOP_OWNER, "Xiao Wang", "en")
    wang = await sim.user(WANG_EXPERT, "Wang", "en")
    fan = await sim.user(5301, "Mei", "en")
    for person in (shop_owner, wang):
        await person.ask("/help")

    sent = await fan.send("/start techwang")
    card = await fan.wait_for(
        lambda m: any("/go/" in b.get("url", "") for b in buttons_of(m)), after=sent["message_id"]
    )
    buy = next(b["url"] for b in buttons_of(card) if "/go/" in b.get("url", ""))
    async with httpx.AsyncClient(timeout=20) as browser:
        page = await browser.get(buy)
        assert page.status_code == 200 and "Continue to Taobao" in page.text
        continue_path = (
            re.search(r'id="continue" href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
        )  # type: ignore[union-attr]
        hop = await browser.get(pull_runtime.http_url + continue_path)
        checkout = await browser.get(hop.headers["location"])
        fields = form_fields(checkout.text)
        paid = await browser.post(f"{sandbox.url}/checkout/pay", data={**fields, "quantity": "1"})
        assert 'data-event="reported_later"' in paid.text  # no callback: the partner only records
        order_id = re.search(r'id="order">([^<]+)<', paid.text).group(1)  # type: ignore[union-attr]

    recorded = book.get(order_id)
    assert recorded is not None and recorded.sub_id == fields["click"]
    commission = recorded.total_fen * DEMO_PULL_RATE_BP // 10_000

    # The next poll finds it: the shop owner's notice and the expert's commission, as with push.
    notice = await shop_owner.wait_for(
        lambda m: order_id in text_of(m) and "New order" in text_of(m), timeout=30
    )
    assert "@techwang" in text_of(notice)
    await wang.wait_for(lambda m: "You earned" in text_of(m), timeout=30)
    earnings = await wang.ask("/earnings", lambda m: "Your earnings" in text_of(m))
    assert f"Pending: ¥{commission / 100:.2f}" in text_of(earnings)

    # The partner settles it: the commission is confirmed before our refund window closes.
    async with httpx.AsyncClient(timeout=20) as client:
        settled = await client.post(
            f"{sandbox.url}/sim/partner/{DEMO_PULL_PARTNER}/orders/{order_id}/settle"
        )
        assert settled.status_code == 200, settled.text

    async def confirmed() -> bool:
        text = text_of(await wang.ask("/earnings", lambda m: "Your earnings" in text_of(m)))
        return f"Confirmed: ¥{commission / 100:.2f}" in text

    for _ in range(30):
        if await confirmed():
            break
    else:
        raise AssertionError("the settled commission was never confirmed")

    # The two figures agree (the partner rounds half up, we round down: at most a fen of it).
    report = await wang.ask("/reconcile", lambda m: "Reconciliation" in text_of(m))
    assert "1 reported order checked" in text_of(report)

    # The shop's owner reads the same order from the merchant's side, and only their shops':
    # the owner of another shop has none reported.
    shop_report = await shop_owner.ask(
        "/reconcile", lambda m: "Reconciliation with the partners: your shops" in text_of(m)
    )
    assert "1 reported order checked" in text_of(shop_report)
    sheet = await shop_owner.wait_for(
        lambda m: "document" in m, after=shop_report["message_id"], timeout=10
    )
    assert sheet["document"]["file_name"] == "reconciliation-shop.csv"
    rows = (await sim.http.get(sheet["document"]["url"])).text.splitlines()
    assert len(rows) == 2 and order_id in rows[1] and "小王数码铺" in rows[1]
    other_owner = await sim.user(MEI_SHOP_OWNER, "Mei Jia", "en")
    other = await other_owner.ask("/reconcile", lambda m: "your shops" in text_of(m))
    assert "0 reported orders checked" in text_of(other)
    assert "No partner has reported an order yet" in text_of(other)
    # An expert asking for the shops' view owns no shop: told so, not shown his own orders.
    no_shop = await wang.ask("/reconcile shop", lambda m: "verified shop" in text_of(m))
    assert "You don't have a verified shop yet" in text_of(no_shop)


async def test_a_stop_closes_the_partner_apis_http_clients(tmp_path: Path, sandbox: Any) -> None:
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)
    async with running(pull_settings(tmp_path, sandbox), endpoint) as runtime:
        pullers = list(pullers_of(runtime.application, runtime.services).values())
        assert pullers and not any(puller.api.closed for puller in pullers)
    assert all(puller.api.closed for puller in pullers)

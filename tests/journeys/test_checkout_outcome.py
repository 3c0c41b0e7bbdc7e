"""The simulated checkout's result page says in words what happened to the order: sent to the
shop and the people notified, already known, or refused and why — in English and Chinese."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bot.app import BotEndpoint, Runtime, running
from bot.demo.catalogue import DEMO_EXPERT_ID, DEMO_MERCHANT_ID, DEMO_SHOPS
from bot.demo.seed import seed_into, write_checkout_config
from sandbox.checkout import (
    CallbackAnswer,
    CheckoutShop,
    Outcome,
    _page,
    checkout_routes,
    outcome_of,
)
from tests.auxil.sim import Sim, buttons_of, text_of
from tests.conftest import BOT_TOKEN, free_port, make_settings
from tests.journeys.test_buy_loop import form_fields, mount_checkout

SENT_AND_NOTIFIED = (
    "Your order was sent to the shop; the merchant and the expert have been notified."
)
SENT_AND_NOTIFIED_ZH = "订单已发送给店铺，商家和推荐它的达人都已收到通知。"


@pytest.fixture
async def shop_runtime(tmp_path: Path, sandbox: Any) -> AsyncIterator[Runtime]:
    """The bot in sandbox mode whose Continue leads to the sandbox's simulated checkout."""
    settings = make_settings(tmp_path, VITRINE_DEMO_CHECKOUT_URL=f"{sandbox.url}/checkout")
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)
    async with running(settings, endpoint) as runtime:
        await seed_into(runtime.services.repos, tmp_path / "photos")
        mount_checkout(sandbox, await write_checkout_config(settings))
        yield runtime


def outcome_text(page: httpx.Response) -> str:
    """The words of the result page's outcome paragraph, tags and spacing removed."""
    paragraph = re.search(r'<p id="outcome"[^>]*>(.*?)</p>', page.text, re.S)
    assert paragraph is not None, page.text
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", paragraph.group(1)).split()))


async def lumiere_item(runtime: Runtime) -> dict[str, str]:
    """The checkout fields of Lina's first item at the Lumière shop (no click: not via /go)."""
    repos = runtime.services.repos
    partner, shop_id, _name, _owner = DEMO_SHOPS["lumiere"]
    merchant = await repos.merchants.by_shop(partner, shop_id)
    expert = await repos.experts.by_handle("lina_beauty")
    assert merchant is not None and expert is not None
    item = (await repos.items.window(expert.id, offset=0, limit=1))[0][0]
    return {
        "merchant": str(merchant.id),
        "item": item.partner_item_id,
        "click": "",
        "price": str(item.price_fen),
        "title": item.title,
        "quantity": "1",
    }


async def test_a_paid_order_through_a_buy_link_says_who_was_notified_and_it_is_true(
    shop_runtime: Runtime, sim: Sim, sandbox: Any
) -> None:
    merchant = await sim.user(DEMO_MERCHANT_ID, "Lumière Store", "en")
    lina = await sim.user(DEMO_EXPERT_ID, "Lina", "en")
    fan = await sim.user(5301, "Ann", "en")
    for person in (merchant, lina):
        await person.ask("/help")
    sent = await fan.send("/start lina_beauty")
    card = await fan.wait_for(
        lambda m: any("/go/" in b.get("url", "") for b in buttons_of(m)), after=sent["message_id"]
    )
    buy = next(b["url"] for b in buttons_of(card) if "/go/" in b.get("url", ""))

    async with httpx.AsyncClient(timeout=20, follow_redirects=True) as browser:
        page = await browser.get(buy)
        continue_path = re.search(r'id="continue" href="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        checkout = await browser.get(shop_runtime.http_url + continue_path.replace("&amp;", "&"))
        paid = await browser.post(f"{sandbox.url}/checkout/pay", data=form_fields(checkout.text))
        words = outcome_text(paid)
        assert SENT_AND_NOTIFIED in words and SENT_AND_NOTIFIED_ZH in words
        assert "answered" not in paid.text
        order_id = re.search(r'id="order">([^<]+)<', paid.text).group(1)  # type: ignore[union-attr]

        # What the page says happened: the merchant and the expert are told.
        await merchant.wait_for(lambda m: order_id in text_of(m), timeout=20)
        await lina.wait_for(lambda m: "You earned" in text_of(m), timeout=20)

        refunded = await browser.post(f"{sandbox.url}/checkout/refund", data=form_fields(paid.text))
        words = outcome_text(refunded)
        assert (
            "Your refund was sent to the shop; the merchant and the expert have been notified."
            in words
        )
        assert "退款已发送给店铺，商家和推荐它的达人都已收到通知。" in words
        again = await browser.post(f"{sandbox.url}/checkout/refund", data=form_fields(paid.text))
        words = outcome_text(again)
        assert (
            "Vitrine already had this refund: nothing changed, and nobody was notified again."
            in words
        )
        assert "Vitrine 已经收到过这笔退款：没有任何变化，也不会重复通知。" in words


async def test_an_order_of_a_suspended_shop_is_refused_and_the_page_says_why(
    shop_runtime: Runtime, sandbox: Any
) -> None:
    fields = await lumiere_item(shop_runtime)
    async with httpx.AsyncClient(timeout=20) as browser:
        # Without a Buy link nobody recommended it: only the merchant is told.
        paid = await browser.post(f"{sandbox.url}/checkout/pay", data=fields)
        assert outcome_text(paid).startswith(
            "Your order was sent to the shop; the merchant has been notified. 订单已发送给店铺，商家已收到通知。"
        )
        await shop_runtime.services.repos.moderation.set_merchant_status(
            int(fields["merchant"]), "suspended", reason="Counterfeits."
        )
        refused = await browser.post(f"{sandbox.url}/checkout/pay", data=fields)
    words = outcome_text(refused)
    assert (
        "Your order was sent to the shop, but Vitrine refused it: this shop is not verified on "
        "Vitrine, or it is suspended. Nobody was notified."
    ) in words
    assert (
        "订单已发送给店铺，但 Vitrine 拒绝了它：这家店铺尚未通过 Vitrine 审核，或已被暂停。"
        in words
    )
    assert 'class="bad"' in refused.text


async def test_a_wrong_secret_or_no_bot_at_all_is_said_in_words(shop_runtime: Runtime) -> None:
    fields = await lumiere_item(shop_runtime)
    merchant = await shop_runtime.services.repos.merchants.get(int(fields["merchant"]))
    assert merchant is not None
    hook = f"{shop_runtime.services.settings.public_url}/hooks/orders/{merchant.callback_key}"
    wrong_secret = "whsec_" + "QUJD" * 8
    shops = {
        fields["merchant"]: CheckoutShop("Lumière", hook, wrong_secret),
        "999": CheckoutShop("Gone", f"http://127.0.0.1:{free_port()}/hooks/orders/x", wrong_secret),
    }
    checkout = Starlette(routes=checkout_routes(lambda: shops))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=checkout), base_url="http://checkout.test"
    ) as browser:
        forged = await browser.post("/checkout/pay", data=fields)
        unreachable = await browser.post("/checkout/pay", data={**fields, "merchant": "999"})
    words = outcome_text(forged)
    assert "Vitrine refused it: the shop's signature did not check out" in words
    assert "店铺的签名校验没有通过" in words
    words = outcome_text(unreachable)
    assert (
        "The shop could not reach Vitrine (is the bot running?), so nothing was recorded." in words
    )
    assert "店铺连不上 Vitrine" in words and 'id="answer">—<' in unreachable.text


def test_the_bots_answer_is_read_without_trusting_its_body() -> None:
    invalid = outcome_of(
        CallbackAnswer(400, {"error": "invalid_payload", "field": "x" * 500, "reason": ["no"]})
    )
    assert (invalid.event, invalid.reason, len(invalid.field), invalid.detail) == (
        "refused",
        "invalid_payload",
        64,
        "",
    )
    assert outcome_of(CallbackAnswer(200, {"status": "applied"})).event == "recorded"
    assert outcome_of(CallbackAnswer(200, {"status": "replayed"})).event == "already"
    assert outcome_of(CallbackAnswer(200, "not a dict")).event == "already"  # type: ignore[arg-type]
    assert outcome_of(CallbackAnswer(503, {})).event == "failed"
    assert outcome_of(CallbackAnswer(0, {})).event == "unreachable"


def test_an_invalid_field_is_named_and_hostile_text_stays_text() -> None:
    page = _page(
        step="result",
        status="paid",
        order_id="SIM-1",
        answer=400,
        outcome=Outcome("refused", "invalid_payload", field="amount_fen", detail="<b>range</b>"),
    )
    shown = page.body.decode()
    assert "<b>range</b>" not in shown and "&lt;b&gt;range&lt;/b&gt;" in shown
    words = html.unescape(shown)
    assert "Vitrine refused it: the order's field amount_fen is not valid (<b>range</b>)." in words
    assert "订单字段 amount_fen 不合格（<b>range</b>）。" in words

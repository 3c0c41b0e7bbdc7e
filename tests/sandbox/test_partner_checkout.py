"""The simulated checkout in pull mode: Pay and Refund land in the partner's order book, and the
publisher finds them by polling the partner's API (over real HTTP)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.checkout import CheckoutShop, checkout_routes, shops_from_file
from sandbox.partner_api import partner_api_routes
from sandbox.partner_book import PartnerOrderBook
from sandbox.server import SandboxServer
from tests.conftest import free_port
from tests.sandbox.partner_client import (
    APP_KEY,
    APP_SECRET,
    PLATFORM,
    START,
    FakeClock,
    PartnerClient,
)

PUSH_SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
CLOCK = FakeClock()
BOOKS: dict[str, PartnerOrderBook] = {}
SHOPS = {
    "701": CheckoutShop(
        "Lumière", mode="pull", platform=PLATFORM, shop_id="5550001", commission_rate_bp=1500
    ),
    "702": CheckoutShop(
        "Neighbour", mode="pull", platform=PLATFORM, shop_id="5550002", commission_rate_bp=900
    ),
    "703": CheckoutShop(
        "Elsewhere", mode="pull", platform="jd", shop_id="5550003", commission_rate_bp=900
    ),
    "704": CheckoutShop("Pusher", f"http://127.0.0.1:{free_port()}/hooks/orders/x", PUSH_SECRET),
}


@pytest.fixture(scope="module")
def checkout_server() -> Iterator[SandboxServer]:
    """A sandbox serving the checkout and the partner API over the same books."""
    routes = [*partner_api_routes(BOOKS), *checkout_routes(lambda: SHOPS, BOOKS)]
    with SandboxServer(limits="off", extra_routes=routes) as server:
        yield server


@pytest.fixture
def book() -> Iterator[PartnerOrderBook]:
    """A fresh book for the platform, on the fake clock at 2026-12-02 10:15:00 Beijing."""
    CLOCK.now = START
    BOOKS[PLATFORM] = PartnerOrderBook({APP_KEY: APP_SECRET}, clock=CLOCK)
    yield BOOKS[PLATFORM]
    BOOKS.clear()


@pytest.fixture
def browser(checkout_server: SandboxServer) -> Iterator[httpx.Client]:
    """A plain HTTP client playing the buyer's browser."""
    with httpx.Client(base_url=checkout_server.url, timeout=10) as client:
        yield client


@pytest.fixture
def partner(checkout_server: SandboxServer) -> Iterator[PartnerClient]:
    """The publisher polling the partner."""
    client = PartnerClient(checkout_server.url, CLOCK)
    yield client
    client.close()


def buy(browser: httpx.Client, merchant: str = "701", click: str = "clk_42") -> httpx.Response:
    """Press Pay for two of item 1000001 at 49.99 each."""
    form = {
        "merchant": merchant,
        "item": "1000001",
        "click": click,
        "price": "4999",
        "title": "Serum",
        "quantity": "2",
    }
    return browser.post("/checkout/pay", data=form)


def refund_form(page: str) -> dict[str, str]:
    """The hidden fields of the result page's Refund form."""
    form = page[page.index('action="/checkout/refund"') : page.index("</form>")]
    return dict(re.findall(r'name="([a-z]+)" value="([^"]*)"', form))


def outcome(page: str) -> tuple[str, str]:
    """The result page's (data-event, data-reason)."""
    found = re.search(r'id="outcome" data-event="([a-z_]*)" data-reason="([a-z_]*)"', page)
    assert found, page
    return found.group(1), found.group(2)


def test_pay_records_the_order_with_the_partner_for_the_next_poll(
    book: PartnerOrderBook, browser: httpx.Client, partner: PartnerClient
) -> None:
    page = buy(browser)
    assert page.status_code == 200
    assert outcome(page.text) == ("reported_later", "")
    assert "when Vitrine next asks for its orders" in page.text
    order_id = refund_form(page.text)["order"]
    (order,) = partner.page(START - 60, START + 60)["orders"]
    assert order["trade_id"] == order_id
    assert (order["tk_status"], order["sub_id"], order["shop_id"]) == (12, "clk_42", "5550001")
    assert (order["item_id"], order["item_num"]) == ("1000001", 2)
    assert order["alipay_total_price"] == "99.98"
    assert (order["total_commission_rate"], order["pub_share_pre_fee"]) == ("15.00", "15.00")


def test_a_buy_without_a_click_has_no_sub_id(book: PartnerOrderBook, browser: httpx.Client) -> None:
    buy(browser, click="")
    (order,) = book.all_orders()
    assert order.sub_id is None


def test_refund_refunds_it_at_the_partner_once(
    book: PartnerOrderBook, browser: httpx.Client, partner: PartnerClient
) -> None:
    form = refund_form(buy(browser).text)
    CLOCK.advance(2 * 24 * 3600)  # the buyer changes her mind two days later
    refunded = browser.post("/checkout/refund", data=form)
    assert outcome(refunded.text) == ("reported_later", "")
    (order,) = partner.page(START - 60, START + 60)["orders"]
    assert (order["tk_status"], order["refund_tag"]) == (13, 1)
    assert order["modified_time"] == "2026-12-04 10:15:00"
    again = browser.post("/checkout/refund", data=form)
    assert outcome(again.text) == ("already", "")
    assert book.get(form["order"]).modified_at == CLOCK.now  # type: ignore[union-attr]


def test_a_forged_or_foreign_refund_is_refused(
    book: PartnerOrderBook, browser: httpx.Client
) -> None:
    form = refund_form(buy(browser).text)
    forged = browser.post("/checkout/refund", data={**form, "order": "SIM-NOTMINE"})
    assert outcome(forged.text) == ("refused", "unknown_order")
    foreign = browser.post("/checkout/refund", data={**form, "merchant": "702"})
    assert outcome(foreign.text) == ("refused", "unknown_order")
    assert book.get(form["order"]).refund_tag == 0  # type: ignore[union-attr]


def test_a_pull_shop_of_an_unknown_platform_is_refused(
    book: PartnerOrderBook, browser: httpx.Client
) -> None:
    assert outcome(buy(browser, merchant="703").text) == ("refused", "unknown_platform")
    assert book.all_orders() == []


def test_a_push_shop_beside_them_still_sends_its_callback(
    book: PartnerOrderBook, browser: httpx.Client
) -> None:
    page = buy(browser, merchant="704")
    assert outcome(page.text)[0] == "unreachable"  # it tried its callback URL; nobody listens
    assert book.all_orders() == []


def test_the_checkout_file_reads_pull_entries_and_leaves_out_bad_ones(tmp_path: Path) -> None:
    config = tmp_path / "checkout.json"
    pull = {
        "name": "P",
        "mode": "pull",
        "platform": "taobao",
        "shop_id": "55",
        "commission_rate_bp": 1500,
    }
    config.write_text(
        json.dumps(
            {
                "1": {"name": "Push", "callback_url": "http://x/hooks", "secret": "c2VjcmV0"},
                "2": pull,
                "3": {**pull, "commission_rate_bp": "1500"},
                "4": {**pull, "commission_rate_bp": 10_001},
                "5": {**pull, "shop_id": "55 55"},
                "6": {**pull, "platform": ""},
                "7": {"name": "Half", "mode": "pull", "platform": "taobao"},
                "8": {**pull, "commission_rate_bp": True},
            }
        ),
        encoding="utf-8",
    )
    shops = shops_from_file(config)()
    assert sorted(shops) == ["1", "2"]
    assert shops["1"] == CheckoutShop("Push", "http://x/hooks", "c2VjcmV0")
    assert shops["2"] == CheckoutShop(
        "P", mode="pull", platform="taobao", shop_id="55", commission_rate_bp=1500
    )
    config.write_text("[1, 2]", encoding="utf-8")
    assert shops_from_file(config)() == {}

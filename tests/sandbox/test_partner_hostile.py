"""The simulated partner's /sim control routes, and its API and sim routes under hostile input:
every bad parameter or body is a 4xx naming what is wrong, never a 500 (over real HTTP)."""

from __future__ import annotations

import random

import pytest

from sandbox.partner_book import PartnerOrderBook
from sandbox.partner_orders import BookError
from sandbox.server import SandboxServer
from tests.sandbox.partner_client import (
    APP_SECRET,
    START,
    FakeClock,
    PartnerClient,
    contract_sign,
    pay,
    refusal,
)

# --- hostile input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"page_no": "0"}, "page_no"),
        ({"page_no": "-1"}, "page_no"),
        ({"page_no": "abc"}, "page_no"),
        ({"page_no": ""}, "page_no"),
        ({"page_no": "1" * 400}, "page_no"),
        ({"page_no": "１"}, "page_no"),  # a full-width digit
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"page_size": "99999999999999999999999"}, "page_size"),
        ({"page_size": "1.5"}, "page_size"),
        ({"start_time": "2026-12-02T10:00:00"}, "start_time"),
        ({"start_time": "2026-13-02 10:00:00"}, "start_time"),
        ({"start_time": "2026-02-30 10:00:00"}, "start_time"),
        ({"end_time": "1796177700"}, "end_time"),
        ({"end_time": "2026-12-02 10:15:00"}, "end_time"),  # not after the start
        ({"timestamp": "soon"}, "timestamp"),
        ({"timestamp": "1e9"}, "timestamp"),
    ],
)
def test_every_bad_parameter_is_a_400_naming_it(
    book: PartnerOrderBook, partner: PartnerClient, override: dict[str, str], named: str
) -> None:
    response = partner.get(partner.params(START, START + 60, overrides=override))
    assert refusal(response) == (400, "bad_param"), response.text
    assert response.json()["error"]["msg"].startswith(named + ":")


@pytest.mark.parametrize("missing", ["start_time", "end_time", "page_no", "app_key"])
def test_a_missing_parameter_is_a_400_naming_it(
    book: PartnerOrderBook, partner: PartnerClient, missing: str
) -> None:
    params = partner.params(START, START + 60)
    del params[missing]
    params["sign"] = contract_sign(params, APP_SECRET)
    response = partner.get(params)
    assert refusal(response) == (400, "bad_param"), response.text
    assert response.json()["error"]["msg"].startswith(missing + ":")


def test_a_repeated_parameter_is_a_400(book: PartnerOrderBook, partner: PartnerClient) -> None:
    params = [*partner.params(START, START + 60).items(), ("page_no", "2")]
    response = partner.get(params)
    assert refusal(response) == (400, "bad_param")
    assert response.json()["error"]["msg"].startswith("page_no:")


def test_an_unknown_platform_is_a_404_everywhere(
    book: PartnerOrderBook, partner_server: SandboxServer, clock: FakeClock
) -> None:
    stranger = PartnerClient(partner_server.url, clock, platform="jd")
    try:
        assert refusal(stranger.get(stranger.params(START, START + 60))) == (
            404,
            "unknown_platform",
        )
        for method, path in (
            ("GET", "/orders"),
            ("POST", "/faults"),
            ("POST", "/big_sale"),
            ("POST", "/orders/SIM-1/refund"),
        ):
            assert stranger.sim(method, path, json={}).status_code == 404
    finally:
        stranger.close()


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/faults", b"{not json", 400),
        ("/faults", b"[1, 2]", 400),
        ("/faults", b'"error_rate"', 400),
        ("/faults", b"[" * 20_000, 413),
        ("/faults", b"[" * 5_000, 400),
        ("/faults", b'{"error_rate": 2}', 400),
        ("/faults", b'{"error_rate": "0.1"}', 400),
        ("/faults", b'{"error_rate": NaN}', 400),
        ("/faults", b'{"slow_seconds": 1e400}', 400),
        ("/faults", b'{"rate_per_second": 2.5}', 400),
        ("/faults", b'{"shuffle_pages": 1}', 400),
        ("/faults", b'{"seed": true}', 400),
        ("/faults", b'{"explode": 1}', 400),
        ("/big_sale", b'{"start": "tomorrow", "end": "2026-12-03 00:00:00"}', 400),
        ("/big_sale", b'{"start": "2026-12-03 00:00:00", "end": "2026-12-02 00:00:00"}', 400),
        ("/big_sale", b'{"start": "2026-12-03 00:00:00"}', 400),
        ("/big_sale", b'{"start": true, "end": 5}', 400),
        ("/big_sale", b'{"start": 1e400, "end": 1e401}', 400),
        ("/orders/SIM-A1/refund", b'{"at": "noon"}', 400),
        ("/orders/SIM-A1/refund", b"{]", 400),
        ("/orders/" + "x" * 300 + "/refund", b"", 404),
    ],
)
def test_bad_sim_bodies_are_refused_not_crashed(
    book: PartnerOrderBook, partner: PartnerClient, path: str, body: bytes, status: int
) -> None:
    pay(book, "SIM-A1", START)
    before = book.faults
    response = partner.sim("POST", path, content=body)
    assert response.status_code == status, response.text
    assert "error" in response.json()
    assert book.faults == before
    assert book.big_sale is None
    assert book.get("SIM-A1").refund_tag == 0  # type: ignore[union-attr]


def test_the_sim_list_shows_every_order(book: PartnerOrderBook, partner: PartnerClient) -> None:
    pay(book, "SIM-B", START + 5)
    pay(book, "SIM-A", START + 5, sub_id=None)
    book.settle("SIM-B")
    orders = partner.sim("GET", "/orders").json()["orders"]
    assert [(o["trade_id"], o["tk_status"], o["sub_id"]) for o in orders] == [
        ("SIM-A", 12, None),
        ("SIM-B", 3, "click1"),
    ]


def test_a_change_at_a_given_moment_is_dated_then(
    book: PartnerOrderBook, partner: PartnerClient
) -> None:
    pay(book, "SIM-T", START)
    answer = partner.sim("POST", "/orders/SIM-T/settle", json={"at": "2026-12-20 08:00:00"})
    assert answer.json()["order"]["tk_earning_time"] == "2026-12-20 08:00:00"


def test_an_order_can_be_created_over_http(book: PartnerOrderBook, partner: PartnerClient) -> None:
    order = {
        "trade_id": "SIM-H1",
        "item_id": "1000001",
        "item_num": 2,
        "price_fen": 4_999,
        "sub_id": "clk",
        "shop_id": "123456",
        "commission_rate_bp": 1500,
        "at": "2026-12-02 10:15:00",
    }
    created = partner.sim("POST", "/orders", json=order)
    assert created.status_code == 200, created.text
    assert created.json()["order"]["alipay_total_price"] == "99.98"
    assert partner.page(START, START + 1)["orders"] == [created.json()["order"]]
    assert partner.sim("POST", "/orders", json=order).status_code == 409  # the same trade id
    unpaid = {**order, "trade_id": "SIM-H2", "paid": False}
    assert partner.sim("POST", "/orders", json=unpaid).json()["order"]["tk_status"] == 13


@pytest.mark.parametrize(
    "change",
    [
        {"trade_id": "SIM H"},
        {"trade_id": 7},
        {"item_num": 0},
        {"item_num": 1.0},
        {"price_fen": -1},
        {"price_fen": "4999"},
        {"sub_id": "x" * 65},
        {"shop_id": None},
        {"commission_rate_bp": 10_001},
        {"paid": "yes"},
        {"colour": "red"},
    ],
)
def test_a_bad_order_over_http_is_a_400(
    book: PartnerOrderBook, partner: PartnerClient, change: dict[str, object]
) -> None:
    order: dict[str, object] = {
        "trade_id": "SIM-H1",
        "item_id": "1000001",
        "item_num": 1,
        "price_fen": 4_999,
        "sub_id": None,
        "shop_id": "123456",
        "commission_rate_bp": 1500,
    }
    response = partner.sim("POST", "/orders", json={**order, **change})
    assert response.status_code == 400, response.text
    assert book.all_orders() == []
    del order["shop_id"]
    assert partner.sim("POST", "/orders", json=order).status_code == 400


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/orders/SIM-A1/settle", {"at": 1e300}),
        ("/orders/SIM-A1/settle", {"at": 1e18}),
        ("/orders/SIM-A1/settle", {"at": -1e12}),
        ("/orders/SIM-A1/settle", {"at": "0001-01-01 00:00:00"}),
        ("/orders/SIM-A1/settle", {"at": "9999-12-31 23:59:59"}),
        ("/big_sale", {"start": 0, "end": 1e300}),
    ],
)
def test_moments_the_partner_cannot_date_are_refused(
    book: PartnerOrderBook, partner: PartnerClient, path: str, body: dict[str, object]
) -> None:
    pay(book, "SIM-A1", START)
    response = partner.sim("POST", path, json=body)
    assert refusal(response) == (400, "bad_param")
    assert partner.sim("GET", "/orders").json()["orders"][0]["tk_status"] == 12


def test_a_window_in_the_year_1_or_9999_is_a_bad_parameter(
    book: PartnerOrderBook, partner: PartnerClient
) -> None:
    for start, end in (
        ("0001-01-01 00:00:00", "0001-01-01 01:00:00"),
        ("9999-12-31 22:00:00", "9999-12-31 23:00:00"),
    ):
        params = partner.params(START, START + 60, overrides={"start_time": start, "end_time": end})
        response = partner.get(params)
        assert refusal(response) == (400, "bad_param"), response.text


def test_the_book_refuses_an_undatable_change(book: PartnerOrderBook) -> None:
    pay(book, "SIM-A1", START)
    with pytest.raises(BookError):
        book.settle("SIM-A1", at=float("inf"))
    with pytest.raises(BookError):
        pay(book, "SIM-A2", float("nan"))
    assert [o.trade_id for o in book.all_orders()] == ["SIM-A1"]


JUNK = [
    "",
    "0",
    "-1",
    "1" * 50,
    "2026-12-02 10:15:00",
    "2026-12-02 13:15:01",
    "9999-99-99 99:99:99",
    "１２",
    "\u0000",
    "😀" * 30,
    "a&b=c",
    "%00",
    "x" * 5_000,
    "nan",
    "1e5",
]


def test_random_junk_queries_never_cause_a_server_error(
    book: PartnerOrderBook, partner: PartnerClient
) -> None:
    pay(book, "SIM-J", START)
    dice = random.Random(2026)
    names = ["app_key", "timestamp", "start_time", "end_time", "page_no", "page_size", "extra"]
    seen = set()
    for _ in range(300):
        params = partner.params(START, START + 60)
        for name in dice.sample(names, dice.randint(1, 3)):
            params[name] = dice.choice(JUNK)
        if dice.random() < 0.7:  # mostly signed, so the junk reaches the parameter checks
            del params["sign"]
            params["sign"] = contract_sign(params, APP_SECRET)
        response = partner.get(params)
        assert response.status_code in {200, 400, 401}, (params, response.text)
        if response.status_code != 200:
            assert set(response.json()["error"]) >= {"code", "msg"}
        seen.add(response.status_code)
    assert seen == {200, 400, 401}

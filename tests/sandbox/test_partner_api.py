"""The simulated partner's order-details API over real HTTP, as the pull contract describes it:
what an order looks like, signatures, windows, paging and the faults a publisher must survive."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime

import pytest

from sandbox.partner_api import partner_signature
from sandbox.partner_book import PartnerOrderBook
from tests.sandbox.partner_client import (
    APP_KEY,
    APP_SECRET,
    DAY,
    HOUR,
    OTHER_APP_KEY,
    OTHER_APP_SECRET,
    START,
    FakeClock,
    FakeRateClock,
    PartnerClient,
    contract_sign,
    pay,
    refusal,
)

# --- what an order looks like ------------------------------------------------------------------


def test_an_order_in_beijing_time_and_yuan(book: PartnerOrderBook, partner: PartnerClient) -> None:
    pay(book, "SIM-A1", START)
    body = partner.page(START - HOUR, START + HOUR)
    assert body == {
        "orders": [
            {
                "trade_id": "SIM-A1",
                "tk_status": 12,
                "refund_tag": 0,
                "item_id": "1000001",
                "item_num": 1,
                "alipay_total_price": "129.00",
                "sub_id": "click1",
                "shop_id": "123456",
                "total_commission_rate": "15.00",
                "pub_share_pre_fee": "19.35",
                "pub_share_fee": None,
                "tk_create_time": "2026-12-02 10:15:00",
                "tk_paid_time": "2026-12-02 10:15:00",
                "tk_earning_time": None,
                "modified_time": "2026-12-02 10:15:00",
            }
        ],
        "page_no": 1,
        "page_size": 20,
        "has_next": False,
    }


@pytest.mark.parametrize(
    ("price_fen", "item_num", "rate_bp", "total", "rate", "commission"),
    [
        (12_900, 1, 1500, "129.00", "15.00", "19.35"),
        (4_999, 3, 1250, "149.97", "12.50", "18.75"),  # 1874.625 fen rounds up
        (333, 1, 1500, "3.33", "15.00", "0.50"),  # 49.95 fen rounds up
        (500, 1, 50, "5.00", "0.50", "0.03"),  # 2.5 fen: half up, not half to even (0.02)
        (10, 1, 40, "0.10", "0.40", "0.00"),  # 0.04 fen rounds down
        (5, 1, 1, "0.05", "0.01", "0.00"),
        (123_456_789, 2, 10_000, "2469135.78", "100.00", "2469135.78"),
    ],
)
def test_money_is_yuan_with_two_decimals_and_commission_rounds_half_up(
    book: PartnerOrderBook,
    partner: PartnerClient,
    price_fen: int,
    item_num: int,
    rate_bp: int,
    total: str,
    rate: str,
    commission: str,
) -> None:
    pay(book, "SIM-M", START, price_fen=price_fen, item_num=item_num, commission_rate_bp=rate_bp)
    (order,) = partner.page(START, START + 1)["orders"]
    assert (order["alipay_total_price"], order["total_commission_rate"]) == (total, rate)
    assert order["pub_share_pre_fee"] == commission


def test_times_cross_midnight_in_beijing_not_utc(
    book: PartnerOrderBook, partner: PartnerClient
) -> None:
    # 16:30 UTC on 1 December is already 00:30 on 2 December in Beijing.
    late = datetime(2026, 12, 1, 16, 30, tzinfo=UTC).timestamp()
    pay(book, "SIM-NIGHT", late)
    (order,) = partner.page(late, late + 60)["orders"]
    assert order["tk_create_time"] == "2026-12-02 00:30:00"


def test_an_order_lives_paid_received_settled_then_refunded_days_later(
    book: PartnerOrderBook, partner: PartnerClient, clock: FakeClock
) -> None:
    pay(book, "SIM-L", START)
    clock.advance(DAY)
    received = partner.sim("POST", "/orders/SIM-L/receive")
    assert received.status_code == 200
    assert received.json()["order"]["tk_status"] == 14
    clock.advance(DAY)
    settled = partner.sim("POST", "/orders/SIM-L/settle").json()["order"]
    assert settled["tk_status"] == 3
    assert settled["pub_share_fee"] == "19.35"
    assert settled["tk_earning_time"] == "2026-12-04 10:15:00"
    clock.advance(DAY + 90)
    refunded = partner.sim("POST", "/orders/SIM-L/refund").json()["order"]
    assert (refunded["tk_status"], refunded["refund_tag"]) == (13, 1)
    assert refunded["pub_share_fee"] is None  # only a settled order has a settled commission
    assert refunded["modified_time"] == "2026-12-05 10:16:30"
    assert refunded["tk_create_time"] == "2026-12-02 10:15:00"
    # The API reports the same, still under the order's creation window.
    clock.advance(5)
    (polled,) = partner.page(START, START + 60)["orders"]
    assert polled == refunded
    # A refunded order cannot move again; an unknown one is not there.
    assert partner.sim("POST", "/orders/SIM-L/settle").status_code == 409
    assert partner.sim("POST", "/orders/SIM-L/refund").status_code == 409
    assert partner.sim("POST", "/orders/SIM-NONE/refund").status_code == 404


def test_an_unpaid_order_is_closed_without_refund_tag(
    book: PartnerOrderBook, partner: PartnerClient
) -> None:
    book.close_unpaid("SIM-U", "1000001", 1, 12_900, None, "123456", 1500, at=START)
    (order,) = partner.page(START, START + 1)["orders"]
    assert (order["tk_status"], order["refund_tag"], order["tk_paid_time"]) == (13, 0, None)
    assert order["sub_id"] is None


# --- signatures and staleness --------------------------------------------------------------


def test_the_sign_is_hmac_sha256_over_the_sorted_unencoded_parameters() -> None:
    params = {"page_no": "1", "app_key": "k", "start_time": "2026-12-02 10:00:00", "sign": "x"}
    # Written out by hand from the contract: sorted by name, raw values, `sign` left out.
    canonical = "app_key=k&page_no=1&start_time=2026-12-02 10:00:00"
    expected = hmac.new(b"secret", canonical.encode(), hashlib.sha256).hexdigest()
    assert partner_signature(params, "secret") == expected


def test_a_good_signature_from_either_app_is_accepted(
    book: PartnerOrderBook, partner: PartnerClient
) -> None:
    pay(book, "SIM-S", START)
    for app_key, secret in ((APP_KEY, APP_SECRET), (OTHER_APP_KEY, OTHER_APP_SECRET)):
        response = partner.get(partner.params(START, START + 60, app_key=app_key, secret=secret))
        assert response.status_code == 200, response.text
        assert [o["trade_id"] for o in response.json()["orders"]] == ["SIM-S"]


def test_forged_missing_or_borrowed_signatures_are_refused(
    book: PartnerOrderBook, partner: PartnerClient
) -> None:
    pay(book, "SIM-S", START)
    good = partner.params(START, START + 60)
    forged = {**good, "sign": contract_sign(good, "guessed-secret")}
    missing = {k: v for k, v in good.items() if k != "sign"}
    tampered = {**good, "page_size": "100"}  # added after signing
    uppercase = {**good, "sign": good["sign"].upper()}
    borrowed = partner.params(START, START + 60, app_key=OTHER_APP_KEY, secret=APP_SECRET)
    encoded_values = dict(good)
    encoded_values["sign"] = contract_sign(
        {k: v.replace(" ", "%20").replace(":", "%3A") for k, v in good.items()}, APP_SECRET
    )
    for params in (forged, missing, tampered, uppercase, borrowed, encoded_values):
        assert refusal(partner.get(params)) == (401, "bad_signature"), params
    unknown = partner.params(START, START + 60, app_key="nobody", secret="x")
    assert refusal(partner.get(unknown)) == (401, "unknown_app")
    assert partner.get(good).status_code == 200  # the same request, untouched, is fine


def test_a_request_more_than_300_seconds_off_is_stale(
    book: PartnerOrderBook, partner: PartnerClient, clock: FakeClock
) -> None:
    for offset, status in ((-301, 401), (301, 401), (-300, 200), (300, 200)):
        params = partner.params(
            START, START + 60, overrides={"timestamp": str(int(clock()) + offset)}
        )
        response = partner.get(params)
        assert response.status_code == status, (offset, response.text)
        if status == 401:
            assert response.json()["error"]["code"] == "stale_request"


# --- windows -------------------------------------------------------------------------------


def test_a_window_spans_at_most_three_hours(book: PartnerOrderBook, partner: PartnerClient) -> None:
    assert partner.get(partner.params(START, START + 3 * HOUR)).status_code == 200
    response = partner.get(partner.params(START, START + 3 * HOUR + 1))
    assert refusal(response) == (400, "window_too_long")
    assert response.json()["error"]["max_seconds"] == 10_800


def test_during_a_big_sale_a_window_overlapping_it_spans_at_most_20_minutes(
    book: PartnerOrderBook, partner: PartnerClient
) -> None:
    sale = {"start": "2026-12-02 12:00:00", "end": "2026-12-03 00:00:00"}
    assert partner.sim("POST", "/big_sale", json=sale).status_code == 200
    noon = START + HOUR + 45 * 60  # 12:00 Beijing
    assert partner.get(partner.params(noon, noon + 20 * 60)).status_code == 200
    response = partner.get(partner.params(noon + HOUR, noon + HOUR + 20 * 60 + 1))
    assert refusal(response) == (400, "window_too_long")
    assert response.json()["error"]["max_seconds"] == 1_200
    # A window ending just inside the sale overlaps it; one ending at its start does not.
    assert partner.get(partner.params(noon - HOUR, noon + 1)).status_code == 400
    assert partner.get(partner.params(noon - 3 * HOUR, noon)).status_code == 200
    # The sale ends: three hours again.
    assert partner.sim("POST", "/big_sale", json={"start": None, "end": None}).status_code == 200
    assert partner.get(partner.params(noon, noon + 3 * HOUR)).status_code == 200


def test_the_window_is_on_creation_time_start_inclusive_end_exclusive(
    book: PartnerOrderBook, partner: PartnerClient
) -> None:
    for n, at in enumerate((START - 1, START, START + 59, START + 60)):
        pay(book, f"SIM-W{n}", at)
    ids = [o["trade_id"] for o in partner.page(START, START + 60)["orders"]]
    assert ids == ["SIM-W1", "SIM-W2"]


# --- paging ----------------------------------------------------------------------------------


def test_pages_report_every_order_exactly_once_in_time_then_id_order(
    book: PartnerOrderBook, partner: PartnerClient
) -> None:
    # 45 orders, three to a second, their ids not in time order.
    expected = []
    for n in range(45):
        trade_id = f"SIM-{(n * 7) % 45:03d}"
        pay(book, trade_id, START + n // 3)
        expected.append((n // 3, trade_id))
    expected.sort()
    pages = [partner.page(START, START + HOUR, page_no, 20) for page_no in (1, 2, 3, 4)]
    assert [len(p["orders"]) for p in pages] == [20, 20, 5, 0]
    assert [p["has_next"] for p in pages] == [True, True, False, False]
    assert [p["page_no"] for p in pages] == [1, 2, 3, 4]
    reported = [o["trade_id"] for p in pages for o in p["orders"]]
    assert reported == [trade_id for _, trade_id in expected]


def test_exactly_full_last_page_has_no_next(book: PartnerOrderBook, partner: PartnerClient) -> None:
    for n in range(40):
        pay(book, f"SIM-F{n:02d}", START + n)
    assert partner.page(START, START + HOUR, 2, 20)["has_next"] is False
    assert partner.page(START, START + HOUR, 1, 20)["has_next"] is True


def test_a_page_is_stable_and_a_changed_order_shows_its_new_status(
    book: PartnerOrderBook, partner: PartnerClient
) -> None:
    for n in range(30):
        pay(book, f"SIM-P{n:02d}", START + n)
    first = partner.page(START, START + HOUR, 2, 10)
    assert partner.page(START, START + HOUR, 2, 10) == first
    book.refund("SIM-P15")
    again = partner.page(START, START + HOUR, 2, 10)
    assert [o["trade_id"] for o in again["orders"]] == [o["trade_id"] for o in first["orders"]]
    changed = {o["trade_id"]: o["tk_status"] for o in again["orders"]}
    assert changed["SIM-P15"] == 13
    assert [s for t, s in changed.items() if t != "SIM-P15"] == [12] * 9


def test_polling_three_days_in_windows_finds_every_order(
    book: PartnerOrderBook, partner: PartnerClient, clock: FakeClock
) -> None:
    created = set()
    for n in range(72):  # one order an hour for three days
        clock.now = START + n * HOUR + 17
        trade_id = f"SIM-D{n:02d}"
        pay(book, trade_id, clock())
        created.add(trade_id)
    clock.now = START + 3 * DAY
    seen = []
    for window in range(24):
        start = START + window * 3 * HOUR
        page_no = 1
        while True:
            body = partner.page(start, start + 3 * HOUR, page_no, 2)
            seen += [o["trade_id"] for o in body["orders"]]
            if not body["has_next"]:
                break
            page_no += 1
    assert sorted(seen) == sorted(created)


# --- faults ----------------------------------------------------------------------------------


def count_unavailable(partner: PartnerClient, calls: int) -> list[int]:
    """The statuses of `calls` identical good requests."""
    params = partner.params(START, START + 60)
    return [partner.get(params).status_code for _ in range(calls)]


def test_error_rate_injects_about_that_share_of_503s_reproducibly(
    book: PartnerOrderBook, partner: PartnerClient
) -> None:
    assert partner.sim("POST", "/faults", json={"error_rate": 0.1, "seed": 7}).status_code == 200
    statuses = count_unavailable(partner, 200)
    assert set(statuses) == {200, 503}
    assert 10 <= statuses.count(503) <= 32  # binomial(200, 0.1): 20 ± 4.2
    partner.sim("POST", "/faults", json={"seed": 7})
    assert count_unavailable(partner, 200) == statuses  # same seed, same dice
    partner.sim("POST", "/faults", json={"error_rate": 1.0})
    body = partner.get(partner.params(START, START + 60))
    assert refusal(body) == (503, "unavailable")
    partner.sim("POST", "/faults", json={"error_rate": 0})
    assert set(count_unavailable(partner, 20)) == {200}


def test_slow_answers_wait_slow_seconds(book: PartnerOrderBook, partner: PartnerClient) -> None:
    partner.sim("POST", "/faults", json={"slow_rate": 1.0, "slow_seconds": 0.4})
    began = time.monotonic()
    assert partner.get(partner.params(START, START + 60)).status_code == 200
    assert time.monotonic() - began >= 0.4
    partner.sim("POST", "/faults", json={"slow_rate": 0.0})
    began = time.monotonic()
    partner.get(partner.params(START, START + 60))
    assert time.monotonic() - began < 0.4


def test_shuffled_pages_hold_the_same_orders_in_another_order(
    book: PartnerOrderBook, partner: PartnerClient
) -> None:
    for n in range(20):
        pay(book, f"SIM-X{n:02d}", START + n)
    in_order = [o["trade_id"] for o in partner.page(START, START + HOUR)["orders"]]
    partner.sim("POST", "/faults", json={"shuffle_pages": True, "seed": 3})
    shuffled = [o["trade_id"] for o in partner.page(START, START + HOUR)["orders"]]
    assert shuffled != in_order
    assert sorted(shuffled) == in_order


def test_duplicates_repeat_orders_of_the_previous_page_and_lose_none(
    book: PartnerOrderBook, partner: PartnerClient
) -> None:
    for n in range(50):
        pay(book, f"SIM-Y{n:02d}", START + n)
    partner.sim("POST", "/faults", json={"duplicate_rate": 0.3, "seed": 11})
    pages = [partner.page(START, START + HOUR, page_no, 20)["orders"] for page_no in (1, 2, 3)]
    ids = [o["trade_id"] for page in pages for o in page]
    assert len(ids) > 50  # some were reported twice
    assert sorted(set(ids)) == [f"SIM-Y{n:02d}" for n in range(50)]
    first_page = {o["trade_id"] for o in pages[0]}
    repeated_on_two = [o["trade_id"] for o in pages[1] if o["trade_id"] in first_page]
    assert repeated_on_two and len(pages[1]) == 20 + len(repeated_on_two)
    assert len(pages[0]) == 20  # the first page has nothing before it to repeat


def test_more_than_rate_per_second_calls_get_429_with_retry_after(
    book: PartnerOrderBook, partner: PartnerClient, rate_clock: FakeRateClock
) -> None:
    partner.sim("POST", "/faults", json={"rate_per_second": 3})
    params = partner.params(START, START + 60)
    assert [partner.get(params).status_code for _ in range(3)] == [200, 200, 200]
    limited = partner.get(params)
    assert refusal(limited) == (429, "rate_limited")
    assert limited.headers["Retry-After"] == "1"
    # Another app has its own allowance.
    other = partner.params(START, START + 60, app_key=OTHER_APP_KEY, secret=OTHER_APP_SECRET)
    assert partner.get(other).status_code == 200
    rate_clock.advance(0.5)
    # The second is not up yet; these refused calls must not count against the next one.
    assert [partner.get(params).status_code for _ in range(3)] == [429, 429, 429]
    rate_clock.advance(0.6)
    assert partner.get(params).status_code == 200
    # Forged calls never spend the publisher's allowance.
    forged = {**params, "sign": "0" * 64}
    rate_clock.advance(5)
    assert [partner.get(forged).status_code for _ in range(5)] == [401] * 5
    assert partner.get(params).status_code == 200

"""The pull side's pure rules: windows, Beijing time, yuan, signatures, orders and statuses."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.domain.errors import DomainError
from bot.domain.partner_pull import (
    Window,
    canonical_string,
    from_partner_time,
    next_window,
    order_event,
    percent_to_bp,
    read_order,
    receipt_id,
    sign_params,
    signed_query,
    to_partner_time,
    yuan_to_fen,
)

NOON = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
HOURS_3 = timedelta(hours=3)
TEN_MIN = timedelta(minutes=10)
LAG = timedelta(minutes=2)


def test_a_window_starts_before_the_cursor_by_the_overlap_and_stops_short_of_now() -> None:
    window = next_window(
        NOON - timedelta(hours=1), NOON, length=HOURS_3, overlap=TEN_MIN, settle_lag=LAG
    )
    assert window == Window(NOON - timedelta(hours=1, minutes=10), NOON - LAG)


def test_a_window_is_at_most_its_length() -> None:
    cursor = NOON - timedelta(days=1)
    window = next_window(cursor, NOON, length=HOURS_3, overlap=TEN_MIN, settle_lag=LAG)
    assert window is not None and window.seconds == 3 * 3600
    assert window.start == cursor - TEN_MIN


def test_no_window_while_the_cursor_is_within_the_lag() -> None:
    assert next_window(NOON - LAG, NOON, length=HOURS_3, overlap=TEN_MIN, settle_lag=LAG) is None
    assert next_window(NOON, NOON, length=HOURS_3, overlap=TEN_MIN, settle_lag=LAG) is None


def test_walking_windows_covers_every_second_once_moved() -> None:
    cursor = NOON - timedelta(days=2)
    covered = []
    while (
        w := next_window(cursor, NOON, length=HOURS_3, overlap=TEN_MIN, settle_lag=LAG)
    ) is not None:
        covered.append(w)
        cursor = w.end
    assert covered[0].start == NOON - timedelta(days=2) - TEN_MIN
    assert covered[-1].end == NOON - LAG
    assert all(b.start == a.end - TEN_MIN for a, b in itertools.pairwise(covered))


@pytest.mark.parametrize("overlap", [HOURS_3, HOURS_3 * 2, -TEN_MIN])
def test_an_overlap_not_shorter_than_the_window_is_refused(overlap: timedelta) -> None:
    with pytest.raises(DomainError):
        next_window(NOON - timedelta(days=1), NOON, length=HOURS_3, overlap=overlap, settle_lag=LAG)


def test_partner_times_are_beijing_time() -> None:
    assert to_partner_time(NOON) == "2026-12-02 20:00:00"
    assert from_partner_time("2026-12-03 07:30:05", "t") == datetime(
        2026, 12, 2, 23, 30, 5, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text", ["2026-12-03T07:30:05", "2026-13-03 07:30:05", "", None, 5, "2026-12-03 07:30"]
)
def test_a_bad_time_names_its_field(text: object) -> None:
    with pytest.raises(DomainError) as caught:
        from_partner_time(text, "tk_create_time")
    assert caught.value.params["field"] == "tk_create_time"


@pytest.mark.parametrize(("text", "fen"), [("129.00", 12900), ("0.5", 50), ("3", 300), ("0.01", 1)])
def test_yuan_strings_become_exact_fen(text: str, fen: int) -> None:
    assert yuan_to_fen(text, "x") == fen


@pytest.mark.parametrize("text", ["1.001", "1e3", "NaN", "12,30", " 1.00", 12.5, "", "¥3"])
def test_anything_but_a_plain_yuan_string_is_refused(text: object) -> None:
    with pytest.raises(DomainError):
        yuan_to_fen(text, "alipay_total_price")


def test_percent_rates_become_basis_points_within_100_percent() -> None:
    assert percent_to_bp("15.00", "r") == 1500
    assert percent_to_bp("0.5", "r") == 50
    with pytest.raises(DomainError):
        percent_to_bp("100.01", "r")


def test_the_signature_covers_every_parameter_but_itself_in_name_order() -> None:
    params = {"b": "2", "a": "1", "sign": "ignored"}
    assert canonical_string(params) == "a=1&b=2"
    assert sign_params(params, "s") == sign_params({"a": "1", "b": "2"}, "s")
    assert sign_params(params, "s") != sign_params(params, "t")
    assert sign_params(params, "s") != sign_params({"a": "1", "b": "3"}, "s")


def test_a_signed_query_asks_for_the_window_in_beijing_time() -> None:
    query = signed_query(
        app_key="k",
        app_secret="s",
        window=Window(NOON - HOURS_3, NOON),
        page_no=2,
        page_size=50,
        now=NOON,
    )
    assert (
        query["start_time"] == "2026-12-02 17:00:00" and query["end_time"] == "2026-12-02 20:00:00"
    )
    assert query["page_no"] == "2" and query["timestamp"] == str(int(NOON.timestamp()))
    unsigned = {k: v for k, v in query.items() if k != "sign"}
    assert query["sign"] == sign_params(unsigned, "s")


def _order(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "trade_id": "SIM-1",
        "tk_status": 12,
        "refund_tag": 0,
        "item_id": "1000001",
        "item_num": 2,
        "alipay_total_price": "258.00",
        "sub_id": "clk_1",
        "shop_id": "777",
        "total_commission_rate": "15.00",
        "pub_share_pre_fee": "38.70",
        "pub_share_fee": None,
        "tk_create_time": "2026-12-02 10:15:00",
        "tk_paid_time": "2026-12-02 10:16:00",
        "tk_earning_time": None,
        "modified_time": "2026-12-02 10:16:00",
    }
    document.update(changes)
    return document


def test_a_paid_order_reads_as_paid_at_its_payment_time() -> None:
    order = read_order(_order())
    event = order_event(order)
    assert (event.status, event.quantity, event.amount_fen, event.click_id) == (
        "paid",
        2,
        25800,
        "clk_1",
    )
    assert event.occurred_at == datetime(2026, 12, 2, 2, 16, tzinfo=UTC)
    assert order.rate_bp == 1500 and order.partner_commission_fen == 3870


@pytest.mark.parametrize(
    ("tk_status", "refund_tag", "status"),
    [(12, 0, "paid"), (14, 0, "paid"), (3, 0, "paid"), (13, 1, "refunded"), (13, 0, "cancelled")],
)
def test_partner_statuses_map_onto_the_order_machine(
    tk_status: int, refund_tag: int, status: str
) -> None:
    assert read_order(_order(tk_status=tk_status, refund_tag=refund_tag)).status == status


def test_a_settled_order_reports_its_settled_commission_and_has_its_own_receipt() -> None:
    settled = read_order(
        _order(tk_status=3, pub_share_fee="38.00", tk_earning_time="2026-12-05 09:00:00")
    )
    paid = read_order(_order())
    assert settled.settled and settled.partner_commission_fen == 3800
    assert receipt_id("taobao", paid) == "pull:taobao:SIM-1:paid"
    assert receipt_id("taobao", settled) == "pull:taobao:SIM-1:settled"
    refunded = read_order(_order(tk_status=13, refund_tag=1, modified_time="2026-12-20 10:00:00"))
    assert receipt_id("taobao", refunded) == "pull:taobao:SIM-1:refunded"
    assert order_event(refunded).occurred_at == datetime(2026, 12, 20, 2, 0, tzinfo=UTC)


def test_no_sub_id_means_no_click() -> None:
    assert order_event(read_order(_order(sub_id=None))).click_id is None
    assert order_event(read_order(_order(sub_id=""))).click_id is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("trade_id", "SIM 1"),
        ("trade_id", None),
        ("tk_status", 99),
        ("tk_status", "12"),
        ("tk_status", True),
        ("item_num", 0),
        ("item_num", 10_001),
        ("alipay_total_price", "-1.00"),
        ("alipay_total_price", 129),
        ("sub_id", "<script>"),
        ("total_commission_rate", "150.00"),
        ("modified_time", None),
        ("refund_tag", 2),
    ],
)
def test_a_bad_order_field_is_named(field: str, value: object) -> None:
    with pytest.raises(DomainError) as caught:
        read_order(_order(**{field: value}))
    assert caught.value.code == "pull.bad_order" and caught.value.params["field"] == field


def test_an_order_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(DomainError):
        read_order(["SIM-1"])

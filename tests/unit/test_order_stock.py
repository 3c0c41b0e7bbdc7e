"""The stock rules of an order (bot/domain/orders.py): never below zero, sold out, low stock
warned once and re-armed by refunds, and what a stored order holds."""

from __future__ import annotations

import pytest

from bot.domain.orders import held_stock, stock_change


def test_a_sale_takes_its_quantity_and_warns_at_the_threshold() -> None:
    change = stock_change(6, -3, warned=False, threshold=3)
    assert (change.after, change.taken, change.sold_out, change.low_stock) == (3, 3, False, True)
    assert change.warned is True


def test_the_low_stock_warning_is_given_once() -> None:
    change = stock_change(3, -1, warned=True, threshold=3)
    assert (change.after, change.low_stock, change.warned) == (2, False, True)


def test_the_last_piece_is_sold_out_not_low() -> None:
    change = stock_change(2, -2, warned=False, threshold=3)
    assert (change.after, change.sold_out, change.low_stock) == (0, True, False)


def test_an_oversold_order_takes_only_what_was_there() -> None:
    change = stock_change(2, -5, warned=False, threshold=3)
    assert (change.after, change.taken, change.sold_out) == (0, 2, True)


@pytest.mark.parametrize(("after_refund", "warned_after"), [(4, False), (3, True)])
def test_a_refund_above_the_threshold_re_arms_the_warning(
    after_refund: int, warned_after: bool
) -> None:
    change = stock_change(2, after_refund - 2, warned=True, threshold=3)
    assert (change.after, change.taken, change.sold_out, change.low_stock) == (
        after_refund,
        0,
        False,
        False,
    )
    assert change.warned is warned_after


def test_no_change_keeps_the_flag() -> None:
    assert stock_change(5, 0, warned=True, threshold=3).warned is True
    assert stock_change(5, 0, warned=False, threshold=3).low_stock is False


@pytest.mark.parametrize(
    ("status", "has_item", "taken", "held"),
    [
        ("paid", True, None, 4),  # stored before stock_taken existed: the whole quantity
        ("paid", True, 2, 2),  # oversold: only what it took
        ("paid", True, 9, 4),  # never more than the quantity
        ("paid", True, -1, 0),
        ("paid", False, 4, 0),  # no item of ours: no stock held
        ("refunded", True, 4, 0),
        ("cancelled", True, None, 0),
    ],
)
def test_what_a_stored_order_holds(
    status: str, has_item: bool, taken: int | None, held: int
) -> None:
    assert held_stock(status, has_item=has_item, quantity=4, stock_taken=taken) == held

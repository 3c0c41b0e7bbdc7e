"""bot/domain/buying.py: what a fan can buy now, the one rule behind Buy, + and subtotals."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.domain.buying import check_buyable, is_buyable, is_listed, is_sold_out
from bot.domain.errors import DomainError
from bot.domain.states import ItemStatus


@dataclass(frozen=True)
class Shelf:
    status: str
    stock: int


@pytest.mark.parametrize(
    ("status", "stock", "listed", "sold_out", "buyable"),
    [
        (ItemStatus.LISTED, 3, True, False, True),
        (ItemStatus.LISTED, 1, True, False, True),
        (ItemStatus.LISTED, 0, True, True, False),
        (ItemStatus.LISTED, -1, True, True, False),  # oversold by a late order: still sold out
        (ItemStatus.DELISTED, 5, False, False, False),
        (ItemStatus.SUSPENDED, 5, False, False, False),
        (ItemStatus.SUSPENDED, 0, False, True, False),
    ],
)
def test_buyable_is_listed_and_in_stock(
    status: str, stock: int, listed: bool, sold_out: bool, buyable: bool
) -> None:
    shelf = Shelf(status, stock)
    assert (is_listed(shelf), is_sold_out(shelf), is_buyable(shelf)) == (listed, sold_out, buyable)


def test_check_buyable_returns_the_item_or_says_why_not() -> None:
    item = Shelf(ItemStatus.LISTED, 2)
    assert check_buyable(item) is item
    cases = [
        (None, "item.gone"),
        (Shelf(ItemStatus.DELISTED, 2), "item.gone"),
        (Shelf(ItemStatus.SUSPENDED, 0), "item.gone"),  # gone says more than sold out
        (Shelf(ItemStatus.LISTED, 0), "item.sold_out"),
    ]
    for shelf, code in cases:
        with pytest.raises(DomainError) as refused:
            check_buyable(shelf)
        assert refused.value.code == code

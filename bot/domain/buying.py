"""Whether a fan can buy an item now: listed (neither delisted nor suspended) and in stock.

One rule for every place that offers a Buy button, a cart's + or a subtotal, so they can never
disagree about what is for sale.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from bot.domain.errors import DomainError
from bot.domain.states import ItemStatus


class Stocked(Protocol):
    """What the rule reads of an item: its status and the stock left."""

    @property
    def status(self) -> str:
        """The item's status (an ItemStatus value)."""
        ...

    @property
    def stock(self) -> int:
        """Pieces left; 0 or less is sold out."""
        ...


S = TypeVar("S", bound=Stocked)


def is_listed(item: Stocked) -> bool:
    """Shown to fans: neither delisted by its expert nor suspended by an admin."""
    return item.status == ItemStatus.LISTED


def is_sold_out(item: Stocked) -> bool:
    """No stock left."""
    return item.stock <= 0


def is_buyable(item: Stocked) -> bool:
    """Listed and in stock: only these can be bought (and count towards a subtotal)."""
    return is_listed(item) and not is_sold_out(item)


def check_buyable(item: S | None) -> S:
    """The item if it can be bought now, else DomainError("item.gone") for a missing or unlisted
    item and DomainError("item.sold_out") for one with no stock left."""
    if item is None or not is_listed(item):
        raise DomainError("item.gone")
    if is_sold_out(item):
        raise DomainError("item.sold_out")
    return item

"""The cart as fans see it: lines grouped by partner shop with a subtotal per shop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.repositories.cart import CartLine
from storage.repositories.items import Item


def is_buyable(item: Item) -> bool:
    """Listed and in stock: only these can be bought (and count towards a subtotal)."""
    return item.available and not item.sold_out


@dataclass(frozen=True)
class ShopGroup:
    """The cart lines of one shop and what the buyable ones cost together."""

    merchant_id: int | None
    shop_name: str | None
    partner_key: str
    lines: tuple[CartLine, ...]

    @property
    def subtotal_fen(self) -> int:
        """Sum of price × quantity over lines that can be bought now."""
        return sum(
            line.item.price_fen * line.quantity for line in self.lines if is_buyable(line.item)
        )


def group_by_shop(lines: Sequence[CartLine]) -> list[ShopGroup]:
    """Group lines by merchant (shops in order of first appearance, lines kept in order)."""
    groups: dict[tuple[int | None, str], list[CartLine]] = {}
    for line in lines:
        key = (line.item.merchant_id, line.item.partner_key)
        groups.setdefault(key, []).append(line)
    return [
        ShopGroup(
            merchant_id=merchant_id,
            shop_name=group[0].item.merchant_name,
            partner_key=partner_key,
            lines=tuple(group),
        )
        for (merchant_id, partner_key), group in groups.items()
    ]


def total_fen(groups: Sequence[ShopGroup]) -> int:
    """What every buyable line of the cart costs together."""
    return sum(group.subtotal_fen for group in groups)

"""The cart (购物车) as fans see it, and its use cases: add an item, set a line's quantity,
remove a line, show a page of the cart grouped by partner shop with a subtotal per shop.

Each use case opens one unit of work. Refusals are DomainError("item.gone") or
DomainError("item.sold_out") (bot/domain/buying.py); the changes return the cart as it is after
them, so the list redraws from the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.domain.buying import check_buyable, is_buyable
from bot.fan.paging import Paging, clamp_page
from bot.fan.records import CartLine, Item
from storage.repositories import Repositories

if TYPE_CHECKING:
    from bot.services import Services

CART_PAGE_SIZE = 5


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


@dataclass(frozen=True)
class CartView:
    """A page of the cart: every shop group (for the total), and the lines on this page."""

    groups: tuple[ShopGroup, ...]
    shown: tuple[CartLine, ...]
    paging: Paging
    moved: bool  # the page asked for no longer exists; the last one is shown

    @property
    def total_fen(self) -> int:
        """What every buyable line of the cart costs together."""
        return total_fen(self.groups)


@dataclass(frozen=True)
class CartAdded:
    """One more of `item` in the cart: `quantity` of it now."""

    item: Item
    quantity: int


@dataclass(frozen=True)
class CartChanged:
    """A line changed: its quantity now (0: removed; None: it was not in the cart) and the page."""

    quantity: int | None
    cart: CartView


async def cart_in(uow: Repositories, fan_id: int, page: int) -> CartView:
    """Page `page` of the fan's cart, lines in shop order (the last page if it moved)."""
    groups = group_by_shop(await uow.cart.lines(fan_id))
    ordered = [line for group in groups for line in group.lines]
    paging, moved = clamp_page(page, CART_PAGE_SIZE, len(ordered))
    shown = tuple(ordered[paging.offset : paging.offset + paging.size])
    return CartView(tuple(groups), shown, paging, moved)


async def show_cart(services: Services, *, fan_id: int, page: int) -> CartView:
    """/cart and its page buttons."""
    async with services.unit_of_work() as uow:
        return await cart_in(uow, fan_id, page)


async def add_to_cart(
    services: Services, *, fan_id: int, item_id: int, source: str = "card"
) -> CartAdded:
    """Put one more of a buyable item in the cart (at most 99), counted for the reports."""
    async with services.unit_of_work(write=True) as uow:
        item = check_buyable(await uow.items.get(item_id))
        quantity = await uow.cart.add(fan_id, item.id)
        await uow.events.record(
            "cart_add", user_id=fan_id, expert_id=item.expert_id, item_id=item.id, source=source
        )
        return CartAdded(item, quantity)


async def set_cart_quantity(
    services: Services, *, fan_id: int, item_id: int, quantity: int, page: int
) -> CartChanged:
    """− / + on a cart line: 0 removes it; any other quantity needs the item buyable now (a line
    that sold out or was delisted can only be removed)."""
    async with services.unit_of_work(write=True) as uow:
        item = await uow.items.get(item_id)
        if item is not None and quantity > 0:
            check_buyable(item)
        changed = await uow.cart.set_quantity(fan_id, item_id, quantity)
        return CartChanged(changed, await cart_in(uow, fan_id, page))


async def remove_from_cart(
    services: Services, *, fan_id: int, item_id: int, page: int
) -> CartChanged:
    """✕ on a cart line: quantity 0 if it was there, None if it was not."""
    async with services.unit_of_work(write=True) as uow:
        removed = await uow.cart.remove(fan_id, item_id)
        return CartChanged(0 if removed else None, await cart_in(uow, fan_id, page))

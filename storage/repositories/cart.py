"""The cart (购物车): items and quantities a fan means to buy on the partners' checkouts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, delete, select, update

from storage.repositories.items import Item, row_to_item, select_items
from storage.schema import cart_items, items
from storage.unit_of_work import Database
from storage.upsert import upsert

MAX_QUANTITY = 99  # the table's check constraint


@dataclass(frozen=True)
class CartLine:
    """One item in the cart and how many of it."""

    item: Item
    quantity: int


class CartRepository:
    """Reads and writes the cart_items table."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def add(self, user_id: int, item_id: int) -> int:
        """Put one more of the item in the cart (at most 99); the quantity afterwards."""
        key = and_(cart_items.c.user_id == user_id, cart_items.c.item_id == item_id)
        async with self._engine.begin() as conn:
            inserted = await conn.execute(
                upsert(
                    conn,
                    cart_items,
                    {
                        "user_id": user_id,
                        "item_id": item_id,
                        "quantity": 1,
                        "created_at": datetime.now(UTC),
                    },
                    ("user_id", "item_id"),
                    update=(),
                )
            )
            if inserted.rowcount != 1:
                await conn.execute(
                    update(cart_items)
                    .where(key, cart_items.c.quantity < MAX_QUANTITY)
                    .values(quantity=cart_items.c.quantity + 1)
                )
            return int((await conn.execute(select(cart_items.c.quantity).where(key))).scalar_one())

    async def set_quantity(self, user_id: int, item_id: int, quantity: int) -> int | None:
        """Set the quantity (0 removes, above 99 is held at 99); None if the item is not in the cart."""
        key = and_(cart_items.c.user_id == user_id, cart_items.c.item_id == item_id)
        async with self._engine.begin() as conn:
            if quantity <= 0:
                result = await conn.execute(delete(cart_items).where(key))
                return 0 if result.rowcount == 1 else None
            quantity = min(quantity, MAX_QUANTITY)
            result = await conn.execute(update(cart_items).where(key).values(quantity=quantity))
        return quantity if result.rowcount == 1 else None

    async def remove(self, user_id: int, item_id: int) -> bool:
        """Take the item out of the cart; True if it was there."""
        return await self.set_quantity(user_id, item_id, 0) == 0

    async def lines(self, user_id: int) -> list[CartLine]:
        """Every line of the cart, whatever the items' status, grouped by shop, oldest first."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select_items()
                    .add_columns(cart_items.c.quantity.label("cart_quantity"))
                    .join(cart_items, cart_items.c.item_id == items.c.id)
                    .where(cart_items.c.user_id == user_id)
                    .order_by(items.c.merchant_id, cart_items.c.created_at, items.c.id)
                )
            ).all()
        return [CartLine(row_to_item(row), int(row.cart_quantity)) for row in rows]

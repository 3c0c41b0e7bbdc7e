"""Favourites (收藏): items a fan keeps to come back to."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import delete, func, select

from storage.repositories.items import Item, row_to_item, select_items
from storage.schema import favourites, items
from storage.unit_of_work import Database
from storage.upsert import upsert


class FavouriteRepository:
    """Reads and writes the favourites table."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def add(self, user_id: int, item_id: int) -> bool:
        """Favourite the item; True if it was not a favourite yet."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                upsert(
                    conn,
                    favourites,
                    {"user_id": user_id, "item_id": item_id, "created_at": datetime.now(UTC)},
                    ("user_id", "item_id"),
                    update=(),
                )
            )
        return result.rowcount == 1

    async def remove(self, user_id: int, item_id: int) -> bool:
        """Drop the item from the favourites; True if it was there."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(favourites).where(
                    favourites.c.user_id == user_id, favourites.c.item_id == item_id
                )
            )
        return result.rowcount == 1

    async def toggle(self, user_id: int, item_id: int) -> bool:
        """Add the item, or remove it if it is there; True if it is a favourite afterwards."""
        if await self.remove(user_id, item_id):
            return False
        await self.add(user_id, item_id)
        return True

    async def among(self, user_id: int, item_ids: Iterable[int]) -> frozenset[int]:
        """Which of `item_ids` the user has favourited."""
        ids = list(item_ids)
        if not ids:
            return frozenset()
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(favourites.c.item_id).where(
                        favourites.c.user_id == user_id, favourites.c.item_id.in_(ids)
                    )
                )
            ).all()
        return frozenset(row.item_id for row in rows)

    async def page(self, user_id: int, *, offset: int, limit: int) -> tuple[list[Item], int]:
        """A page of the user's favourites, newest first, whatever their status, and the total."""
        where = favourites.c.user_id == user_id
        async with self._engine.connect() as conn:
            total = (
                await conn.execute(select(func.count()).select_from(favourites).where(where))
            ).scalar_one()
            rows = (
                await conn.execute(
                    select_items()
                    .join(favourites, favourites.c.item_id == items.c.id)
                    .where(where)
                    .order_by(favourites.c.created_at.desc(), items.c.id.desc())
                    .offset(offset)
                    .limit(limit)
                )
            ).all()
        return [row_to_item(row) for row in rows], int(total)

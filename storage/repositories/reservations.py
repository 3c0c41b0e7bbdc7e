"""Pre-sale reservations: fans who asked to be reminded when an item opens."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage.schema import reservations
from storage.unit_of_work import Database
from storage.upsert import upsert


class ReservationRepository:
    """Reads and writes the reservations table."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def reserve(self, user_id: int, item_id: int) -> bool:
        """Reserve the item for the user; True if this is a new reservation."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                upsert(
                    conn,
                    reservations,
                    {"user_id": user_id, "item_id": item_id, "created_at": datetime.now(UTC)},
                    ("user_id", "item_id"),
                    update=(),
                )
            )
        return result.rowcount == 1

    async def item_ids(self, user_id: int) -> frozenset[int]:
        """Every item the user reserved."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(reservations.c.item_id).where(reservations.c.user_id == user_id)
                )
            ).all()
        return frozenset(row.item_id for row in rows)

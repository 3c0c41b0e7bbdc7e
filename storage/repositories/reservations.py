"""Pre-sale reservations: fans who asked to be reminded when an item opens."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import exists, select, update

from storage.schema import items, reservations, users
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

    async def presales_to_remind(self) -> list[tuple[int, datetime]]:
        """(item id, opening time) of pre-sales with reservers not yet reminded."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(items.c.id, items.c.presale_opens_at).where(
                        items.c.presale_opens_at.is_not(None),
                        exists().where(
                            reservations.c.item_id == items.c.id,
                            reservations.c.reminded_at.is_(None),
                        ),
                    )
                )
            ).all()
        return [(r[0], r[1]) for r in rows]

    async def take_unreminded(self, item_id: int, now: datetime) -> list[tuple[int, int]]:
        """(user id, telegram id) of reachable reservers not yet reminded; marks them reminded."""
        async with self._engine.begin() as conn:
            rows = (
                await conn.execute(
                    select(users.c.id, users.c.telegram_id)
                    .select_from(reservations.join(users, users.c.id == reservations.c.user_id))
                    .where(
                        reservations.c.item_id == item_id,
                        reservations.c.reminded_at.is_(None),
                        users.c.telegram_id.is_not(None),
                        users.c.unreachable_at.is_(None),
                    )
                )
            ).all()
            await conn.execute(
                update(reservations)
                .where(reservations.c.item_id == item_id, reservations.c.reminded_at.is_(None))
                .values(reminded_at=now)
            )
        return [(r[0], r[1]) for r in rows]

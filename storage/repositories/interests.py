"""A fan's interest tags."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from storage.schema import interests
from storage.unit_of_work import Database


class InterestRepository:
    """Reads and writes the interests table."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def tags(self, user_id: int) -> frozenset[str]:
        """Every tag the user picked."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(select(interests.c.tag).where(interests.c.user_id == user_id))
            ).all()
        return frozenset(row.tag for row in rows)

    async def toggle(self, user_id: int, tag: str) -> bool:
        """Add the tag, or remove it if the user had it; True if the user has it afterwards."""
        async with self._engine.begin() as conn:
            removed = await conn.execute(
                delete(interests).where(interests.c.user_id == user_id, interests.c.tag == tag)
            )
            if removed.rowcount:
                return False
            await conn.execute(insert(interests).values(user_id=user_id, tag=tag))
        return True

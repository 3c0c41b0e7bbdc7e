"""Telegram update ids already taken by the webhook route (one row per update, pruned by age)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from storage.schema import seen_updates
from storage.unit_of_work import Database
from storage.upsert import upsert


class SeenUpdateRepository:
    """Rows of seen_updates: the first insert of an id wins, later ones change nothing."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def take(self, update_id: int, now: datetime) -> bool:
        """Record `update_id` as seen at `now`; False when it had been seen already."""
        row = {"update_id": update_id, "seen_at": now}
        async with self._engine.begin() as conn:
            result = await conn.execute(upsert(conn, seen_updates, row, ("update_id",), update=()))
        return bool(result.rowcount)

    async def prune(self, before: datetime) -> int:
        """Forget the ids seen before `before`; how many went."""
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(seen_updates).where(seen_updates.c.seen_at < before))
        return int(result.rowcount)

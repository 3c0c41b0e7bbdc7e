"""Small JSON values the bot keeps between restarts: flow positions and drafts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select

from storage.schema import bot_state
from storage.unit_of_work import Database
from storage.upsert import upsert


class BotStateRepository:
    """Key/value rows of the bot_state table (keys are namespaced, e.g. "conv:publish:1:1")."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def get(self, key: str) -> Any | None:
        """The value stored under `key`, or None."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(bot_state.c.value).where(bot_state.c.key == key))
            ).first()
        return None if row is None else row[0]

    async def put(self, key: str, value: Any) -> None:
        """Store (or replace) the JSON `value` under `key`."""
        row = {"key": key, "value": value, "updated_at": datetime.now(UTC)}
        async with self._engine.begin() as conn:
            await conn.execute(upsert(conn, bot_state, row, ("key",)))

    async def delete(self, key: str) -> None:
        """Forget `key` (nothing happens when it is absent)."""
        async with self._engine.begin() as conn:
            await conn.execute(delete(bot_state).where(bot_state.c.key == key))

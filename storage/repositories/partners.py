"""The partner whitelist as stored (the configuration is the source; the table mirrors it)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from storage.schema import partners
from storage.unit_of_work import Database
from storage.upsert import upsert


class PartnerRepository:
    """Mirror of the configured partner platforms (orders and items refer to them)."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def sync(self, configured: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        """Upsert (key, name, config) for every configured partner."""
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            for key, name, config in configured:
                await conn.execute(
                    upsert(
                        conn,
                        partners,
                        {"key": key, "name": name, "config": config, "updated_at": now},
                        ("key",),
                    )
                )

    async def keys(self) -> list[str]:
        """Keys of the stored partners."""
        async with self._engine.connect() as conn:
            return list((await conn.execute(select(partners.c.key))).scalars())

"""The Buy page's item and expert, kept in memory for a few seconds (the `/go` hot path).

Every visit of a Buy link reads the same few items again; the cache keeps each item with its
shop's name and its expert (the /go route asks without a fan: the fan's language comes with the
visit's click, bot/attribution/click_log.py). What a fan sees must still be true: the cache is a
`CatalogueCache` (storage/repositories/catalogue_cache.py), emptied by any write in this process
to the catalogue and stale for at most its lifetime after another process's.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.repositories.catalogue_cache import MAX_ENTRIES, TTL_SECONDS, CatalogueCache
from storage.repositories.clicks import BuyPage, ClickRepository
from storage.repositories.experts import Expert
from storage.repositories.items import Item
from storage.schema import users

_FAN_LANGUAGE = select(users.c.language).where(users.c.id == bindparam("fan_id"))


class BuyPageCache:
    """Buy pages of one engine; `page()` answers like `ClickRepository.buy_page`."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        ttl: float = TTL_SECONDS,
        size: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._clicks = ClickRepository(engine)
        self._pages: CatalogueCache[int, tuple[Item, Expert]] = CatalogueCache(
            engine, ttl=ttl, size=size, clock=clock
        )

    async def page(self, item_id: int, fan_id: int | None) -> BuyPage | None:
        """The item, its expert and the fan's stored language (None: no such item)."""
        kept = self._pages.get(item_id)
        if kept is not None:
            return BuyPage(*kept, await self._fan_language(fan_id))
        read_at = self._pages.reading()
        page = await self._clicks.buy_page(item_id, fan_id)
        if page is not None:
            self._pages.keep(item_id, (page.item, page.expert), read_at)
        return page

    def cached_items(self) -> list[int]:
        """The ids kept now, oldest first."""
        return self._pages.kept_keys()

    def clear(self) -> None:
        """Forget every page (the next visits read the database)."""
        self._pages.clear()

    async def _fan_language(self, fan_id: int | None) -> str | None:
        if not fan_id:
            return None
        async with self._engine.connect() as conn:
            language = (await conn.execute(_FAN_LANGUAGE, {"fan_id": fan_id})).scalar()
        return None if language is None else str(language)

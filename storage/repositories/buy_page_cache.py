"""The Buy page's item and expert, kept in memory for a few seconds (the `/go` hot path).

Every visit of a Buy link reads the same few items again; the cache keeps each item with its
shop's name and its expert (the /go route asks without a fan: the fan's language comes with the
visit's click, bot/attribution/click_log.py). What a fan sees must still be true:
- any write in this process to `items`, `experts`, `merchants` or `partners` empties the cache
  (whoever writes it: an edited price, stock an order took, a suspension, a delisting), and until
  that transaction has ended no page read is kept, so a read of the old rows racing the commit
  cannot be cached;
- a change made by another process (a second bot, the CLI) is seen within `TTL_SECONDS`;
- at most `MAX_ITEMS` items are kept (the oldest entry goes first).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.repositories.clicks import BuyPage, ClickRepository
from storage.repositories.experts import Expert
from storage.repositories.items import Item
from storage.schema import users

TTL_SECONDS = 5.0
MAX_ITEMS = 4096
WATCHED = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b[^;]*?\b(items|experts|merchants|partners)\b",
    re.IGNORECASE,
)
_DIRTY = "vitrine_buy_page_dirty"
_FAN_LANGUAGE = select(users.c.language).where(users.c.id == bindparam("fan_id"))


@dataclass(frozen=True)
class _Entry:
    item: Item
    expert: Expert
    expires: float


class BuyPageCache:
    """Buy pages of one engine; `page()` answers like `ClickRepository.buy_page`."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        ttl: float = TTL_SECONDS,
        size: int = MAX_ITEMS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._clicks = ClickRepository(engine)
        self._ttl, self._size, self._clock = ttl, size, clock
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._generation = 0  # moves whenever a watched write starts or its transaction ends
        self._writing = 0  # connections with a watched write not yet committed or rolled back
        self._statements: dict[str, bool] = {}
        sync = engine.sync_engine
        event.listen(sync, "after_cursor_execute", self._after_execute)
        for ended in ("commit", "rollback"):
            event.listen(sync, ended, self._ended)
        event.listen(sync.pool, "checkin", self._checked_in)

    async def page(self, item_id: int, fan_id: int | None) -> BuyPage | None:
        """The item, its expert and the fan's stored language (None: no such item)."""
        entry = self._entries.get(item_id)
        if entry is not None and entry.expires > self._clock():
            return BuyPage(entry.item, entry.expert, await self._fan_language(fan_id))
        generation = self._generation
        page = await self._clicks.buy_page(item_id, fan_id)
        if page is not None and self._writing == 0 and generation == self._generation:
            self._entries[item_id] = _Entry(page.item, page.expert, self._clock() + self._ttl)
            self._entries.move_to_end(item_id)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return page

    def cached_items(self) -> list[int]:
        """The ids kept now, oldest first."""
        return list(self._entries)

    def clear(self) -> None:
        """Forget every page (the next visits read the database)."""
        self._generation += 1
        self._entries.clear()

    async def _fan_language(self, fan_id: int | None) -> str | None:
        if not fan_id:
            return None
        async with self._engine.connect() as conn:
            language = (await conn.execute(_FAN_LANGUAGE, {"fan_id": fan_id})).scalar()
        return None if language is None else str(language)

    def _after_execute(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        watched = self._statements.get(statement)
        if watched is None:
            watched = self._statements[statement] = bool(WATCHED.match(statement))
            if len(self._statements) > 4 * MAX_ITEMS:
                self._statements.clear()
        if watched:
            if not conn.info.get(_DIRTY):
                conn.info[_DIRTY] = True
                self._writing += 1
            self.clear()

    def _ended(self, conn: Any) -> None:
        # Called as the transaction ends; the pool's checkin below comes after it has ended.
        if conn.info.get(_DIRTY):
            self.clear()

    def _checked_in(self, _dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(_DIRTY, False):
            self._writing -= 1
            self.clear()

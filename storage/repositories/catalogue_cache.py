"""Reads of the catalogue kept in memory for a few seconds, never showing a number that changed.

The hot read paths (the Buy page, the Mini App's window grid) read the same few items and
experts again and again. A `CatalogueCache` keeps what they read, keyed as they like, and:
- any write in this process to `items`, `experts`, `merchants` or `partners` empties it
  (whoever writes it: an edited price, stock an order took, a suspension, a delisting), and until
  that transaction has ended nothing read is kept, so a read of the old rows racing the commit
  cannot be cached;
- a change made by another process (a second bot, the CLI) is seen within `TTL_SECONDS`;
- at most `size` entries are kept (the oldest goes first).

    read_at = cache.reading()
    value = cache.get(key)
    if value is None:
        value = await read_from_the_database()
        cache.keep(key, value, read_at)
"""

from __future__ import annotations

import itertools
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

TTL_SECONDS = 5.0
MAX_ENTRIES = 4096
WATCHED = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b[^;]*?\b(items|experts|merchants|partners)\b",
    re.IGNORECASE,
)
_instances = itertools.count()

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class _Entry(Generic[V]):
    value: V
    expires: float


class CatalogueCache(Generic[K, V]):
    """Values read from the catalogue tables of one engine, by key."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        ttl: float = TTL_SECONDS,
        size: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl, self._size, self._clock = ttl, size, clock
        self._entries: OrderedDict[K, _Entry[V]] = OrderedDict()
        self._generation = 0  # moves whenever a watched write starts or its transaction ends
        self._writing = 0  # connections with a watched write not yet committed or rolled back
        self._statements: dict[str, bool] = {}
        # Each cache marks the connections it saw write under a key of its own.
        self._dirty = f"vitrine_catalogue_dirty_{next(_instances)}"
        sync = engine.sync_engine
        event.listen(sync, "after_cursor_execute", self._after_execute)
        for ended in ("commit", "rollback"):
            event.listen(sync, ended, self._ended)
        event.listen(sync.pool, "checkin", self._checked_in)

    def get(self, key: K) -> V | None:
        """The value kept for `key`, if it is still fresh."""
        entry = self._entries.get(key)
        if entry is None or entry.expires <= self._clock():
            return None
        return entry.value

    def reading(self) -> int:
        """A mark to take before reading the database for a value `keep` may then keep."""
        return self._generation

    def keep(self, key: K, value: V, read_at: int) -> None:
        """Keep `value`, read after `reading()` returned `read_at`, unless a write may have
        changed it since (or is still open)."""
        if self._writing or read_at != self._generation:
            return
        self._entries[key] = _Entry(value, self._clock() + self._ttl)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def kept_keys(self) -> list[K]:
        """The keys kept now, oldest first."""
        return list(self._entries)

    def clear(self) -> None:
        """Forget everything (the next reads go to the database)."""
        self._generation += 1
        self._entries.clear()

    def _after_execute(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        watched = self._statements.get(statement)
        if watched is None:
            watched = self._statements[statement] = bool(WATCHED.match(statement))
            if len(self._statements) > 4 * MAX_ENTRIES:
                self._statements.clear()
        if watched:
            if not conn.info.get(self._dirty):
                conn.info[self._dirty] = True
                self._writing += 1
            self.clear()

    def _ended(self, conn: Any) -> None:
        # Called as the transaction ends; the pool's checkin below comes after it has ended.
        if conn.info.get(self._dirty):
            self.clear()

    def _checked_in(self, _dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(self._dirty, False):
            self._writing -= 1
            self.clear()

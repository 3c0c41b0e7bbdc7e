"""A small in-memory cache of Telegram photo bytes, bounded in bytes, least recently used out."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable

DEFAULT_MAX_BYTES = 16 * 1024 * 1024


class PhotoCache:
    """Photo bytes by Telegram file id; concurrent misses for one id share a single download."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._max_bytes = max_bytes
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._in_flight: dict[str, asyncio.Future[bytes | None]] = {}

    @property
    def size(self) -> int:
        """Bytes held now (never more than the bound)."""
        return self._size

    async def get(
        self, file_id: str, fetch: Callable[[str], Awaitable[bytes | None]]
    ) -> bytes | None:
        """The cached bytes of `file_id`, fetching them once on a miss (None if that failed)."""
        data = self._entries.get(file_id)
        if data is not None:
            self._entries.move_to_end(file_id)
            return data
        pending = self._in_flight.get(file_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        self._in_flight[file_id] = future
        try:
            data = await fetch(file_id)
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved here so a lone waiter-less failure is not logged
            raise
        finally:
            self._in_flight.pop(file_id, None)
        future.set_result(data)
        if data:
            self.put(file_id, data)
        return data

    def put(self, file_id: str, data: bytes) -> None:
        """Keep `data`, dropping the least recently used entries to stay within the bound."""
        if len(data) > self._max_bytes // 4:
            return  # one huge photo must not flush everything else
        old = self._entries.pop(file_id, None)
        if old is not None:
            self._size -= len(old)
        self._entries[file_id] = data
        self._size += len(data)
        while self._size > self._max_bytes:
            _id, dropped = self._entries.popitem(last=False)
            self._size -= len(dropped)

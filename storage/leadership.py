"""One leader among the processes that share a database: a PostgreSQL session advisory lock.

The scheduler role arms timed work (campaign starts, digests, summaries, partner polling) only
while it leads. `LeaderLock.wait_for_lead` returns once this process holds the lock; a standby
keeps trying every `poll_seconds`. The lock lives as long as the one connection that took it:
when the leader's process dies, PostgreSQL ends its session and the lock is free for a standby at
once. `still_leading` asks that connection; a leader whose connection is gone must stop leading
(another process may hold the lock by then).

SQLite is one process by rule, so there the lock is always held and never asked.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

SCHEDULER_LOCK_KEY = 0x76697363  # "visc": one per database, beside the writer and migration keys
CHECK_TIMEOUT_SECONDS = 5.0  # the lock's connection must answer within this to still lead


class LeaderLock:
    """The leadership of one role over one database."""

    def __init__(self, engine: AsyncEngine, key: int = SCHEDULER_LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._shared = engine.dialect.name == "postgresql"
        self._connection: AsyncConnection | None = None  # PostgreSQL: the session holding it
        self._held = False

    @property
    def held(self) -> bool:
        """True from a successful `try_lead` until `release` (or a lost connection)."""
        return self._held

    async def try_lead(self) -> bool:
        """Take the lock if it is free; True when this process now leads."""
        if self._held:
            return True
        if not self._shared:
            self._held = True
            return True
        connection = await self._engine.connect()
        try:
            taken = bool(
                await connection.scalar(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
                )
            )
            # End the implicit transaction: the session lock stays, nothing else is held open.
            await connection.commit()
        except BaseException:
            await _discard(connection)
            raise
        if not taken:
            await connection.close()  # holds nothing: back to the pool
            return False
        self._connection = connection
        self._held = True
        return True

    async def wait_for_lead(
        self, *, poll_seconds: float, on_standby: Callable[[], None] | None = None
    ) -> None:
        """Return once this process leads; until then try every `poll_seconds`."""
        told = False
        while not await self._try_quietly():
            if not told and on_standby is not None:
                on_standby()
                told = True
            await asyncio.sleep(poll_seconds)

    async def _try_quietly(self) -> bool:
        try:
            return await self.try_lead()
        except (OSError, SQLAlchemyError):  # the database is away: a standby keeps waiting
            log.warning("could not ask for the scheduler lock; trying again", exc_info=True)
            return False

    async def still_leading(self) -> bool:
        """True while the connection holding the lock is alive (so the lock is still ours)."""
        if not self._held or not self._shared:
            return self._held
        assert self._connection is not None
        try:
            # A dropped network path would leave the query waiting for minutes: not leading.
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                await self._connection.scalar(text("SELECT 1"))
                await self._connection.commit()
        except (OSError, SQLAlchemyError, TimeoutError):
            log.error("lost the connection that holds the scheduler lock")
            await self.release()
            return False
        return True

    async def release(self) -> None:
        """Give the lead up."""
        self._held = False
        connection, self._connection = self._connection, None
        if connection is not None:
            await _discard(connection)


async def _discard(connection: AsyncConnection) -> None:
    """Close the connection for good: back in the pool, its session would keep the lock."""
    try:
        await connection.invalidate()
        await connection.close()
    except (OSError, SQLAlchemyError):
        pass  # already gone: its session, and so the lock, ended with it

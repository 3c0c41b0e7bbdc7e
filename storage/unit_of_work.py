"""One use case, one transaction: the unit of work hands out repositories on one connection.

    async with services.unit_of_work(write=True) as uow:
        item = await uow.items.get(item_id)
        ...                      # every repository call here shares one connection
    # committed here; an exception anywhere inside rolls all of it back

Repositories open their transactions through a `Database` — the engine itself, or, inside a
unit of work, `JoinedDatabase`, whose transactions are all the unit's one transaction. On
SQLite a writing unit begins IMMEDIATE (it takes the write lock first and waits for it up to
the busy timeout); a reading one begins DEFERRED and sees one consistent snapshot. The same code
runs on PostgreSQL: a reading unit is one REPEATABLE READ transaction (one snapshot), and a
writing unit holds one advisory lock for its transaction (`WRITER_LOCK_KEY`), so writers take
turns there as they do on SQLite, whichever process they run in.

SQLite has one write lock, and a writer that finds it taken sleeps in the busy handler (25 to
100 ms between retries) instead of being woken when it is free: under load, writers spent most of
their time asleep with the lock idle, and the unlucky ones for seconds. So a writing unit first
queues on the engine's in-process write lock (`write_lock`, an asyncio.Lock: FIFO, woken at
once), and only then begins IMMEDIATE; the busy timeout is left for writers of other processes.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Protocol, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.database import SQLITE_BEGIN

Built = TypeVar("Built")


class Database(Protocol):
    """Where a repository gets its connections: an engine, or a unit of work's connection."""

    def begin(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection in a transaction committed when the block ends."""
        ...

    def connect(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection for reading."""
        ...


class JoinedDatabase:
    """A `Database` whose every transaction is the unit of work's one connection and transaction.

    Nothing is committed when a repository's block ends: the unit of work commits at its end.
    """

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        yield self._connection

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        yield self._connection


# PostgreSQL: every writing unit of work holds this transaction-level advisory lock, the one
# writer at a time SQLite has, across all processes on the database. The repositories' rules
# read and then write (a cap counted, stock checked, a status moved) and are correct because no
# other writer runs in between; on PostgreSQL this keeps them so. The key is arbitrary but fixed:
# 0x76697472 is "vitr".
WRITER_LOCK_KEY = 0x76697472
_TAKE_WRITER_LOCK = text(f"SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY})")


class EngineDatabase:
    """A PostgreSQL engine as a `Database`: each repository call its own transaction.

    Every `begin()` takes the writer lock (`WRITER_LOCK_KEY`) first, so a repository's own read-
    then-write transaction (a fan-out chunk counting today's pushes, then inserting) never
    interleaves with another writer's, in this process or another, as SQLite's one write lock
    keeps it (there the engine itself is the `Database`). Reads (`connect()`) take no lock.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        async with self._engine.begin() as connection:
            await connection.execute(_TAKE_WRITER_LOCK)
            yield connection

    def connect(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return self._engine.connect()


# engine -> (event loop, lock): an asyncio.Lock belongs to one loop, and tests run several.
_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, tuple[asyncio.AbstractEventLoop, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def write_lock(engine: AsyncEngine) -> asyncio.Lock:
    """The one in-process lock every writing unit of work on this engine queues on."""
    loop = asyncio.get_running_loop()
    held = _WRITE_LOCKS.get(engine.sync_engine)
    if held is None or held[0] is not loop:
        held = _WRITE_LOCKS[engine.sync_engine] = (loop, asyncio.Lock())
    return held[1]


@asynccontextmanager
async def unit_of_work(
    engine: AsyncEngine, build: Callable[[Database], Built], *, write: bool
) -> AsyncIterator[Built]:
    """`build(database)` over one connection in one transaction, committed at the end."""
    dialect = engine.dialect.name
    async with AsyncExitStack() as stack:
        if write:
            await stack.enter_async_context(write_lock(engine))
        connection = await stack.enter_async_context(engine.connect())
        if dialect == "sqlite":
            mode = "IMMEDIATE" if write else "DEFERRED"
            await connection.execution_options(**{SQLITE_BEGIN: mode})
        elif not write:
            await connection.execution_options(isolation_level="REPEATABLE READ")
        async with connection.begin():
            if dialect == "postgresql" and write:
                await connection.execute(_TAKE_WRITER_LOCK)
            yield build(JoinedDatabase(connection))

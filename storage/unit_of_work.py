"""One use case, one transaction: the unit of work hands out repositories on one connection.

    async with services.unit_of_work(write=True) as uow:
        item = await uow.items.get(item_id)
        ...                      # every repository call here shares one connection
    # committed here; an exception anywhere inside rolls all of it back

Repositories open their transactions through a `Database` — the engine itself, or, inside a
unit of work, `JoinedDatabase`, whose transactions are all the unit's one transaction. On
SQLite a writing unit begins IMMEDIATE (it takes the write lock first and waits for it up to
the busy timeout); a reading one begins DEFERRED and sees one consistent snapshot. The same code
runs on PostgreSQL, where the unit is one ordinary transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol, TypeVar

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


@asynccontextmanager
async def unit_of_work(
    engine: AsyncEngine, build: Callable[[Database], Built], *, write: bool
) -> AsyncIterator[Built]:
    """`build(database)` over one connection in one transaction, committed at the end."""
    async with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            mode = "IMMEDIATE" if write else "DEFERRED"
            await connection.execution_options(**{SQLITE_BEGIN: mode})
        async with connection.begin():
            yield build(JoinedDatabase(connection))

"""Engines and migrations: the one place that knows which database we talk to."""

from __future__ import annotations

import asyncio
import logging
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000

# PostgreSQL advisory lock migrations run under (storage/migrations/env.py): "vitm".
MIGRATION_LOCK_KEY = 0x7669746D


def is_sqlite(url: str) -> bool:
    """True for SQLite URLs, whatever the driver."""
    return url.startswith("sqlite")


def sync_url(url: str) -> str:
    """The synchronous-driver twin of an async URL (Alembic runs synchronously)."""
    return url.replace("sqlite+aiosqlite://", "sqlite://", 1).replace(
        "postgresql+asyncpg://", "postgresql+psycopg://", 1
    )


# Execution option naming how a transaction begins on SQLite: "DEFERRED" (the default) or
# "IMMEDIATE", which a unit of work that writes asks for (storage/unit_of_work.py).
SQLITE_BEGIN = "vitrine_sqlite_begin"
_BEGIN_MODES = ("DEFERRED", "IMMEDIATE")


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers proceed while the dispatcher writes; the busy timeout makes a
    # second writer wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    # Outside a unit of work the sqlite3 driver's own (legacy) control stays: it begins a
    # transaction just before the first write, so a block's reads run before it. A unit of work
    # asks for an explicit BEGIN, which the driver then respects: DEFERRED for a reading unit (one
    # snapshot for all its reads), IMMEDIATE for a writing one — it takes the write lock first,
    # waiting up to the busy timeout, where a deferred read-then-write would fail at once with
    # "database is locked" after another writer committed in between.
    mode = connection.get_execution_options().get(SQLITE_BEGIN)
    if mode is None:
        return
    if mode not in _BEGIN_MODES:
        raise ValueError(f"{SQLITE_BEGIN} must be one of {_BEGIN_MODES}")
    connection.exec_driver_sql(f"BEGIN {mode}")


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", NUL_STAND_IN) if "\x00" in value else value
    if isinstance(value, dict):
        return {key: _scrubbed(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_scrubbed(item) for item in value)
    return value


# PostgreSQL's text cannot hold U+0000 ("invalid byte sequence for encoding UTF8: 0x00"), where
# SQLite stores it. Telegram's clients never send one, but an update is hostile input: a NUL in a
# name or a message becomes U+FFFD on the way in, instead of failing the person's whole request.
NUL_STAND_IN = "\ufffd"


def _without_nul(
    _conn: Connection,
    _cursor: Any,
    statement: str,
    parameters: Any,
    _context: Any,
    _executemany: bool,
) -> tuple[str, Any]:
    return statement, _scrubbed(parameters)


def tune_sync_engine(engine: Engine) -> None:
    """SQLite: the pragmas and transaction control on every connection. PostgreSQL: no NULs."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "before_cursor_execute", _without_nul, retval=True)


def create_engine(url: str) -> AsyncEngine:
    """An async engine: SQLite tuned for one writer and many readers, or PostgreSQL (asyncpg)."""
    # hide_parameters: errors and SQL logs never carry values (secrets and keys are parameters).
    if is_sqlite(url):
        engine = create_async_engine(url, hide_parameters=True)
    else:
        # A writer waits for the writer lock (storage/unit_of_work.py) as long as SQLite's busy
        # timeout lets one wait for the file's, then fails instead of hanging for ever.
        engine = create_async_engine(
            url,
            pool_pre_ping=True,
            hide_parameters=True,
            connect_args={
                "server_settings": {
                    "lock_timeout": str(SQLITE_BUSY_TIMEOUT_MS),
                    # The server ends the session of a client that vanished (its host died, the
                    # network dropped) within about 25 s instead of the kernel's two hours: a
                    # dead scheduler leader's lock is free for its standby that soon.
                    "tcp_keepalives_idle": "10",
                    "tcp_keepalives_interval": "5",
                    "tcp_keepalives_count": "3",
                }
            },
        )
    tune_sync_engine(engine.sync_engine)
    return engine


def alembic_config(url: str) -> Config:
    """Alembic's config pointing at our migrations inside the `storage` package."""
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("storage").joinpath("migrations"))
    )
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def migrate_sync(url: str, revision: str = "head") -> None:
    """Bring the database schema up to `revision` (creating the file if needed)."""
    command.upgrade(alembic_config(url), revision)


async def migrate(url: str, revision: str = "head") -> None:
    """Run the migrations off the event loop."""
    await asyncio.to_thread(migrate_sync, url, revision)

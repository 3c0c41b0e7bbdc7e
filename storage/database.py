"""Engines and migrations: the one place that knows which database we talk to."""

from __future__ import annotations

import asyncio
import logging
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000


def is_sqlite(url: str) -> bool:
    """True for SQLite URLs, whatever the driver."""
    return url.startswith("sqlite")


def sync_url(url: str) -> str:
    """The synchronous-driver twin of an async URL (Alembic runs synchronously)."""
    return url.replace("sqlite+aiosqlite://", "sqlite://", 1).replace(
        "postgresql+asyncpg://", "postgresql+psycopg://", 1
    )


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers proceed while the dispatcher writes; the busy timeout makes a
    # second writer wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def tune_sync_engine(engine: Engine) -> None:
    """Apply the SQLite pragmas to every new connection of a synchronous engine."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)


def create_engine(url: str) -> AsyncEngine:
    """An async engine with SQLite tuned for one writer and many readers."""
    engine = create_async_engine(url, pool_pre_ping=not is_sqlite(url))
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

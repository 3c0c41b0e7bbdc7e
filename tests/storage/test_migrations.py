"""Migrations on an empty and on an existing database, with SQLite tuned for concurrency."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from storage.database import create_engine, migrate, migrate_sync
from storage.schema import metadata, users


def url_for(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def test_empty_database_gets_every_table(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    migrate_sync(url_for(path))
    tables = {
        row[0]
        for row in sqlite3.connect(path).execute(
            "SELECT name FROM sqlite_master WHERE type='table'"
        )
    }
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


async def test_existing_database_keeps_its_data_and_is_not_migrated_twice(tmp_path: Path) -> None:
    path = tmp_path / "existing.sqlite3"
    await migrate(url_for(path))
    engine = create_engine(url_for(path))
    async with engine.begin() as conn:
        await conn.execute(
            insert(users).values(telegram_id=42, first_name="Ann", created_at=datetime.now(UTC))
        )
    await engine.dispose()

    await migrate(url_for(path))  # a restart runs migrations again

    engine = create_engine(url_for(path))
    async with engine.connect() as conn:
        rows = (await conn.execute(select(users.c.telegram_id, users.c.language))).all()
    await engine.dispose()
    assert rows == [(42, "zh_Hans")]
    versions = sqlite3.connect(path).execute("SELECT version_num FROM alembic_version").fetchall()
    assert len(versions) == 1


async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "wal.sqlite3"
    await migrate(url_for(path))
    engine = create_engine(url_for(path))
    async with engine.connect() as conn:
        mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
        timeout = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one()
        foreign_keys = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar_one()
    await engine.dispose()
    assert (mode, timeout, foreign_keys) == ("wal", 10_000, 1)


def test_schema_matches_the_migrations(tmp_path: Path) -> None:
    """A change to storage/schema/ without a migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine as create_sync_engine

    path = tmp_path / "diff.sqlite3"
    migrate_sync(url_for(path))
    engine = create_sync_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []

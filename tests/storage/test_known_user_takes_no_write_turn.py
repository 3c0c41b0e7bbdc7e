"""A returning person's update reads their row and writes nothing: it does not queue for the
writers' turn (SQLite's write lock; on PostgreSQL the one advisory lock every writer takes), so a
long write elsewhere (a fan-out chunk) does not hold every update up."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from storage.database import create_engine, migrate
from storage.repositories import Repositories
from storage.unit_of_work import WRITER_LOCK_KEY
from tests.auxil.databases import fresh_database_url, on_postgresql


async def test_a_known_unchanged_person_is_read_while_a_writer_holds_its_turn(
    tmp_path: Path,
) -> None:
    url = fresh_database_url(tmp_path, "users")
    await migrate(url)
    repos = Repositories.build(create_engine(url), default_timezone="Asia/Shanghai")
    writer_engine = create_engine(url)
    try:
        mei = await repos.users.upsert_from_telegram(8101, "Mei", "mei", "en")
        async with writer_engine.connect() as writer:
            # Another process's long write holds the writers' turn.
            if on_postgresql():
                await writer.execute(text(f"SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY})"))
            else:
                await writer.exec_driver_sql("BEGIN IMMEDIATE")
            again = await asyncio.wait_for(
                repos.users.upsert_from_telegram(8101, "Mei", "mei", "en"), timeout=2
            )
            assert again.id == mei.id
            # A change (a new name) is a write: it waits for the turn, then goes through.
            renamed = asyncio.create_task(
                repos.users.upsert_from_telegram(8101, "Mei Lin", "mei", "en")
            )
            await asyncio.sleep(0.3)
            assert not renamed.done()
            await writer.rollback()
        assert (await asyncio.wait_for(renamed, timeout=10)).first_name == "Mei Lin"
    finally:
        await writer_engine.dispose()
        await repos.engine.dispose()

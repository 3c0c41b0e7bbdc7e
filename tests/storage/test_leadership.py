"""One scheduler leads: a PostgreSQL session advisory lock, taken over by a standby when the
leader's process dies or its connection is cut (storage/leadership.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import text

from storage.database import create_engine, migrate
from storage.leadership import SCHEDULER_LOCK_KEY, LeaderLock
from tests.auxil.databases import fresh_database_url, postgresql_only, sqlite_only

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@sqlite_only("one process by rule: the lock is this process's at once")
async def test_on_sqlite_the_one_process_leads(tmp_path: Path) -> None:
    url = fresh_database_url(tmp_path, "lead")
    await migrate(url)
    engine = create_engine(url)
    lock = LeaderLock(engine)
    await lock.wait_for_lead(poll_seconds=0.01)
    assert lock.held and await lock.still_leading()
    await lock.release()
    assert not await lock.still_leading()
    await engine.dispose()


@postgresql_only("the advisory lock is PostgreSQL's")
async def test_one_leads_the_other_stands_by_and_takes_over_when_the_connection_is_cut(
    tmp_path: Path,
) -> None:
    url = fresh_database_url(tmp_path, "lead")
    first_engine, second_engine = create_engine(url), create_engine(url)
    first, second = LeaderLock(first_engine), LeaderLock(second_engine)
    try:
        assert await first.try_lead()
        assert not await second.try_lead()
        told: list[str] = []
        standby = asyncio.create_task(
            second.wait_for_lead(poll_seconds=0.05, on_standby=lambda: told.append("standby"))
        )
        await asyncio.sleep(0.3)
        assert not standby.done() and told == ["standby"]
        assert await first.still_leading()
        # The leader's connection is cut (a network failure, an operator's kill): the server
        # ends its session, and with it the lock.
        async with second_engine.connect() as admin:
            cut = await admin.scalar(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks"
                    " WHERE locktype = 'advisory' AND objid = :key AND granted"
                    " AND database = (SELECT oid FROM pg_database"
                    " WHERE datname = current_database())"
                ),
                {"key": SCHEDULER_LOCK_KEY},
            )
        assert cut is True
        await asyncio.wait_for(standby, timeout=10)
        assert second.held
        assert not await first.still_leading()  # the old leader knows it no longer leads
        assert not first.held
    finally:
        await first.release()
        await second.release()
        await first_engine.dispose()
        await second_engine.dispose()


def start_leader(url: str) -> subprocess.Popen[str]:
    """A process that takes the scheduler lock, says so, and holds it."""
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import asyncio
                from storage.database import create_engine
                from storage.leadership import LeaderLock

                async def main():
                    lock = LeaderLock(create_engine({url!r}))
                    await lock.wait_for_lead(poll_seconds=0.05)
                    print("leading", flush=True)
                    await asyncio.sleep(600)

                asyncio.run(main())
                """
            ),
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


@postgresql_only("the advisory lock is PostgreSQL's")
async def test_a_standby_leads_once_the_leaders_process_is_killed(tmp_path: Path) -> None:
    url = fresh_database_url(tmp_path, "lead")
    leader = start_leader(url)
    engine = create_engine(url)
    standby = LeaderLock(engine)
    try:
        assert leader.stdout is not None
        line = await asyncio.to_thread(leader.stdout.readline)
        assert line.strip() == "leading"
        assert not await standby.try_lead()
        os.kill(leader.pid, signal.SIGKILL)
        await asyncio.wait_for(standby.wait_for_lead(poll_seconds=0.05), timeout=10)
        assert await standby.still_leading()
    finally:
        leader.kill()
        leader.wait()
        await standby.release()
        await engine.dispose()

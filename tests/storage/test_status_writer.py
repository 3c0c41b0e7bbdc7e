"""The status writer on a real SQLite file: senders go on without waiting for their commit, but
never more than `uncommitted` outcomes wait uncommitted — the second half of the dispatcher's
crash-duplicate bound (in flight + uncommitted, bot/delivery/dispatcher.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import DeliverySettings
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.gate import MemorySendGate
from bot.delivery.status_writer import StatusWriter
from storage.database import create_engine, migrate
from storage.repositories import Repositories
from storage.repositories.outbox import SendResult

UNCOMMITTED = 3


async def test_at_most_the_bound_of_outcomes_wait_for_their_commit(tmp_path: Path) -> None:
    path = tmp_path / "writer.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    await migrate(url)
    repos = Repositories.build(create_engine(url), default_timezone="Asia/Shanghai")
    for n in range(6):
        await repos.outbox.enqueue("notice", 500 + n, {"method": "sendMessage"}, f"w{n}")
    rows = await repos.outbox.due(datetime.now(UTC), 10)
    lease = datetime.now(UTC) + timedelta(minutes=1)
    claimed = sorted(
        await repos.outbox.claim([row.id for row in rows], worker="w", lease_until=lease)
    )
    writer = StatusWriter(repos.outbox, worker="w", uncommitted=UNCOMMITTED)
    writer.start()
    # Another process holds the write lock: no commit can happen until it lets go.
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        now = datetime.now(UTC)
        handed = [await writer.submit(SendResult(i, "sent", now)) for i in claimed[:UNCOMMITTED]]
        assert not any(f.done() for f in handed)  # handed over, not committed: the senders go on
        fourth = asyncio.create_task(writer.submit(SendResult(claimed[3], "sent", now)))
        for _ in range(20):
            await asyncio.sleep(0)
        assert not fourth.done()  # no room: a fourth sender waits
    finally:
        other.execute("ROLLBACK")
        other.close()
    await asyncio.gather(*handed)
    await (await fourth)
    await writer.stop()
    statuses = {r["id"]: r["status"] for r in await repos.outbox.all_rows()}
    assert [statuses[i] for i in claimed[:4]] == ["sent"] * 4
    assert [statuses[i] for i in claimed[4:]] == ["sending", "sending"]
    await repos.engine.dispose()


def test_the_dispatchers_duplicate_bound_is_twice_the_send_concurrency() -> None:
    for concurrency in (1, 8, 32):
        settings = replace(DeliverySettings(), send_concurrency=concurrency)
        dispatcher = Dispatcher(
            None,  # type: ignore[arg-type]  # the bound is arithmetic: no database is touched
            None,
            settings,
            MemorySendGate(30),
        )
        assert dispatcher.duplicate_bound == 2 * concurrency

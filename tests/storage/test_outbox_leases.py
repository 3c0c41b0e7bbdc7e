"""Several workers share one outbox: each row is claimed by one, a killed worker's rows come back
when its lease ends, and a worker that lost its rows cannot write their outcome.

Each worker has its own engine (its own connections), as two processes would; on PostgreSQL
(`make test-postgres`) the claims really race on the server.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.states import OutboxStatus
from storage.database import create_engine, migrate
from storage.repositories import Repositories
from storage.repositories.outbox import SendResult
from tests.auxil.databases import fresh_database_url

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
ROWS = 60


@pytest.fixture
async def two_workers(tmp_path: Path) -> AsyncIterator[tuple[Repositories, Repositories]]:
    url = fresh_database_url(tmp_path, "leases")
    await migrate(url)
    first = Repositories.build(create_engine(url), default_timezone="Asia/Shanghai")
    second = Repositories.build(create_engine(url), default_timezone="Asia/Shanghai")
    yield first, second
    await first.engine.dispose()
    await second.engine.dispose()


async def queue_rows(repos: Repositories, count: int) -> list[int]:
    for n in range(count):
        assert await repos.outbox.enqueue(
            "notice", 7000 + n, {"method": "sendMessage"}, f"lease:{n}", not_before=NOW
        )
    return [row.id for row in await repos.outbox.due(NOW, count)]


def statuses(rows: list[dict[str, object]]) -> dict[int, tuple[object, object]]:
    return {int(str(r["id"])): (r["status"], r["claimed_by"]) for r in rows}


async def test_racing_claims_give_each_row_to_exactly_one_worker(
    two_workers: tuple[Repositories, Repositories],
) -> None:
    a, b = two_workers
    ids = await queue_rows(a, ROWS)
    # Both read the same due rows and claim them all at once, batch by batch, as two
    # dispatchers would.
    batches = [ids[n : n + 10] for n in range(0, ROWS, 10)]
    claims = await asyncio.gather(
        *(
            repos.outbox.claim(batch, worker=name, lease_until=NOW + LEASE)
            for batch in batches
            for repos, name in ((a, "a"), (b, "b"))
        )
    )
    by_a = set().union(*claims[0::2])
    by_b = set().union(*claims[1::2])
    assert by_a.isdisjoint(by_b)
    assert by_a | by_b == set(ids)
    rows = statuses(await a.outbox.all_rows())
    assert {rows[i] for i in by_a} <= {("sending", "a")}
    assert {rows[i] for i in by_b} <= {("sending", "b")}


async def test_a_killed_workers_rows_return_when_its_lease_ends_and_its_late_outcome_is_refused(
    two_workers: tuple[Repositories, Repositories],
) -> None:
    a, b = two_workers
    ids = await queue_rows(a, 4)
    assert await a.outbox.claim(ids, worker="a", lease_until=NOW + LEASE) == set(ids)
    # Worker b lives on and renews its (no) leases; worker a renews nothing from here: killed.
    assert await b.outbox.renew_leases("b", ids, NOW + timedelta(seconds=20) + LEASE) == 0
    assert await b.outbox.reclaim_expired(NOW + LEASE - timedelta(seconds=1)) == 0
    assert await b.outbox.reclaim_expired(NOW + LEASE) == 4
    later = NOW + LEASE + timedelta(seconds=1)
    assert await b.outbox.claim(ids, worker="b", lease_until=later + LEASE) == set(ids)
    await b.outbox.record(
        [SendResult(i, OutboxStatus.SENT, later, 500 + i) for i in ids], worker="b"
    )
    # Worker a was only cut off: its outcome for the same rows comes late and is not written.
    await a.outbox.record(
        [SendResult(i, OutboxStatus.FAILED, later, error="late") for i in ids], worker="a"
    )
    rows = {int(str(r["id"])): r for r in await a.outbox.all_rows()}
    assert {rows[i]["status"] for i in ids} == {"sent"}
    assert {rows[i]["telegram_message_id"] for i in ids} == {500 + i for i in ids}
    assert {rows[i]["attempts"] for i in ids} == {1}


async def test_a_live_worker_keeps_its_rows_by_renewing(
    two_workers: tuple[Repositories, Repositories],
) -> None:
    a, b = two_workers
    ids = await queue_rows(a, 3)
    assert await a.outbox.claim(ids, worker="a", lease_until=NOW + LEASE) == set(ids)
    assert await a.outbox.renew_leases("a", ids, NOW + timedelta(seconds=20) + LEASE) == 3
    # The first lease's end has passed, the renewed one's not: another worker takes nothing.
    assert await b.outbox.reclaim_expired(NOW + LEASE + timedelta(seconds=5)) == 0
    assert await b.outbox.claim(ids, worker="b", lease_until=NOW + 2 * LEASE) == set()
    await a.outbox.record([SendResult(i, OutboxStatus.SENT, NOW, 1) for i in ids], worker="a")
    assert {r["status"] for r in await a.outbox.all_rows()} == {"sent"}
    # A written outcome holds no lease: nothing to renew, nothing to reclaim.
    assert await a.outbox.renew_leases("a", ids, NOW + 3 * LEASE) == 0
    assert await b.outbox.reclaim_expired(NOW + 10 * LEASE) == 0


async def test_the_only_worker_requeues_everything_in_flight_at_its_restart(
    two_workers: tuple[Repositories, Repositories],
) -> None:
    a, _ = two_workers
    ids = await queue_rows(a, 2)
    assert await a.outbox.claim(ids, worker="a", lease_until=NOW + LEASE) == set(ids)
    assert await a.outbox.requeue_in_flight() == 2
    assert statuses(await a.outbox.all_rows()) == {i: ("queued", None) for i in ids}

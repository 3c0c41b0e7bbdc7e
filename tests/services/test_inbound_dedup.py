"""Webhook updates are taken once per update_id, across processes, and old ids are pruned."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.inbound import KEEP_SEEN, PRUNE_EVERY, first_delivery, is_update_id
from bot.services import Services
from storage.schema import seen_updates
from tests.conftest import make_settings


@pytest.fixture
async def two_processes(tmp_path: Path) -> AsyncIterator[tuple[Services, Services]]:
    """Two web processes' services over one database, each with its own engine."""
    settings = make_settings(tmp_path)
    first = await Services.start(settings)
    second = await Services.start(settings)
    yield first, second
    await first.close()
    await second.close()


async def test_an_update_seen_by_one_process_is_refused_by_the_other(
    two_processes: tuple[Services, Services],
) -> None:
    first, second = two_processes
    assert await first_delivery(first, 7001) is True
    assert await second_delivery_results(second, 7001) == [False] * 9
    assert await first_delivery(second, 7002) is True


async def second_delivery_results(services: Services, update_id: int) -> list[bool]:
    return [await first_delivery(services, update_id) for _ in range(9)]


async def test_ten_concurrent_deliveries_across_two_processes_take_it_once(
    two_processes: tuple[Services, Services],
) -> None:
    first, second = two_processes
    results = await asyncio.gather(
        *(first_delivery((first, second)[n % 2], 8000) for n in range(10))
    )
    print(f"\n10 concurrent deliveries of one update_id over 2 processes: {sum(results)} taken")
    assert sorted(results) == [False] * 9 + [True]


async def test_ids_older_than_a_day_are_pruned(
    two_processes: tuple[Services, Services], tmp_path: Path
) -> None:
    services, _ = two_processes
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    old = now - KEEP_SEEN - timedelta(minutes=1)
    for update_id in range(1, 6):
        assert await first_delivery(services, update_id, now=old)
    assert await first_delivery(services, 50, now=now - timedelta(hours=1))
    # The next id at a pruning boundary takes the old ones away, keeps the recent one.
    assert await first_delivery(services, PRUNE_EVERY, now=now)
    async with services.repos.engine.connect() as conn:
        kept = list((await conn.execute(select(seen_updates.c.update_id))).scalars())
    assert sorted(kept) == [50, PRUNE_EVERY]


@pytest.mark.parametrize("value", [-1, 2**63, True, "5", 1.0, None])
def test_update_ids_out_of_range_or_of_another_type_are_refused(value: object) -> None:
    assert not is_update_id(value)


def test_update_ids_telegram_sends_are_accepted() -> None:
    assert is_update_id(0) and is_update_id(123_456_789) and is_update_id(2**63 - 1)

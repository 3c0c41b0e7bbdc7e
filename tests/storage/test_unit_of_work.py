"""The unit of work on a real SQLite file: one transaction across repositories, writers queued."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.database import create_engine, migrate
from storage.repositories import Repositories
from storage.schema import users
from tests.auxil.databases import fresh_database_url


@pytest.fixture
async def repos(tmp_path: Path) -> AsyncIterator[Repositories]:
    url = fresh_database_url(tmp_path, "uow")
    await migrate(url)
    built = Repositories.build(create_engine(url), default_timezone="Asia/Shanghai")
    yield built
    await built.engine.dispose()


async def _expert(repos: Repositories) -> int:
    owner = await repos.users.upsert_from_telegram(9000, "Lina", None, "en")
    expert = await repos.experts.create(
        user_id=owner.id,
        handle="lina",
        display_name="Lina",
        vertical="beauty",
        tags=[],
        bio="",
        status="verified",
    )
    return expert.id


class Boom(Exception):
    pass


async def test_writes_of_several_repositories_commit_together(repos: Repositories) -> None:
    expert_id = await _expert(repos)
    async with repos.unit_of_work(write=True) as uow:
        fan = await uow.users.upsert_from_telegram(1, "Fan", None, "en")
        await uow.follows.follow(fan.id, expert_id, "link")
        # Inside the unit its own writes are visible; outside, nothing yet.
        assert await uow.users.by_telegram_id(1) is not None
        assert await repos.users.by_telegram_id(1) is None
    fan_after = await repos.users.by_telegram_id(1)
    assert fan_after is not None
    assert (await repos.follows.status(fan_after.id, expert_id))[0]


async def test_an_error_anywhere_rolls_back_every_repository(repos: Repositories) -> None:
    expert_id = await _expert(repos)
    with pytest.raises(Boom):
        async with repos.unit_of_work(write=True) as uow:
            fan = await uow.users.upsert_from_telegram(2, "Fan", None, "en")
            await uow.follows.follow(fan.id, expert_id, "link")
            raise Boom
    assert await repos.users.by_telegram_id(2) is None
    async with repos.engine.connect() as conn:
        assert (
            await conn.execute(select(users.c.id).where(users.c.telegram_id == 2))
        ).first() is None


async def test_concurrent_read_then_write_units_wait_for_each_other_instead_of_failing(
    repos: Repositories,
) -> None:
    """Writers begin IMMEDIATE: a read-then-write never dies with "database is locked".

    Deferred transactions would both read, then both try to take the write lock; SQLite refuses
    the second at once (waiting could deadlock), whatever the busy timeout.
    """
    await repos.users.upsert_from_telegram(3, "Counter", None, "en")

    async def bump() -> None:
        async with repos.unit_of_work(write=True) as uow:
            user = await uow.users.by_telegram_id(3)
            assert user is not None
            await asyncio.sleep(0.05)  # the other unit tries to start meanwhile
            await uow.users.upsert_from_telegram(3, user.first_name + "+", None, "en")

    await asyncio.gather(*(bump() for _ in range(4)))
    counter = await repos.users.by_telegram_id(3)
    assert counter is not None and counter.first_name == "Counter++++"


async def test_a_reading_unit_sees_one_snapshot(repos: Repositories) -> None:
    await repos.users.upsert_from_telegram(4, "Before", None, "en")
    async with repos.unit_of_work() as uow:
        first = await uow.users.by_telegram_id(4)
        await repos.users.upsert_from_telegram(4, "After", None, "en")  # another writer commits
        second = await uow.users.by_telegram_id(4)
    assert first is not None and second is not None
    assert first.first_name == second.first_name == "Before"
    latest = await repos.users.by_telegram_id(4)
    assert latest is not None and latest.first_name == "After"

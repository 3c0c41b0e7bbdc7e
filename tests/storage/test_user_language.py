"""Users on a real SQLite file: the stored language follows the client until it is chosen."""

from __future__ import annotations

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
    url = fresh_database_url(tmp_path, "users")
    await migrate(url)
    engine = create_engine(url)
    yield Repositories.build(engine, default_timezone="Asia/Shanghai")
    await engine.dispose()


async def _stored(repos: Repositories, user_id: int) -> tuple[str, bool, str | None]:
    async with repos.engine.connect() as conn:
        row = (
            await conn.execute(
                select(users.c.language, users.c.language_chosen, users.c.client_language).where(
                    users.c.id == user_id
                )
            )
        ).one()
    return row.language, row.language_chosen, row.client_language


async def test_the_client_language_is_recorded_and_followed(repos: Repositories) -> None:
    user = await repos.users.upsert_from_telegram(7, "Ann", None, "en-GB")
    assert user.language == "en"
    assert await _stored(repos, user.id) == ("en", False, "en-GB")
    again = await repos.users.upsert_from_telegram(7, "Ann", None, "zh-hans")
    assert again.language == "zh_Hans"
    assert await _stored(repos, user.id) == ("zh_Hans", False, "zh-hans")


async def test_a_chosen_language_stays_while_the_client_is_still_recorded(
    repos: Repositories,
) -> None:
    user = await repos.users.upsert_from_telegram(8, "Bo", None, "zh-hans")
    await repos.users.set_language(user.id, "en")
    again = await repos.users.upsert_from_telegram(8, "Bo", None, "zh-hans")
    assert again.language == "en"
    moved = await repos.users.upsert_from_telegram(8, "Bo", None, "de")
    assert moved.language == "en"
    assert await _stored(repos, user.id) == ("en", True, "de")


async def test_an_update_without_a_tag_keeps_the_language(repos: Repositories) -> None:
    user = await repos.users.upsert_from_telegram(9, "Cy", None, "en")
    again = await repos.users.upsert_from_telegram(9, "Cy", None, None)
    assert again.language == "en"
    assert await _stored(repos, user.id) == ("en", False, None)

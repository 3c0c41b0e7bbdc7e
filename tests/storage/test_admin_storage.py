"""The admins' queries on real SQLite: pages of the audit log, a target's last suspension, the
counts of what waits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.database import create_engine, migrate
from storage.repositories import Repositories
from tests.auxil.databases import fresh_database_url


@pytest.fixture
async def repos(tmp_path: Path) -> AsyncIterator[Repositories]:
    url = fresh_database_url(tmp_path, "test")
    await migrate(url)
    engine = create_engine(url)
    yield Repositories.build(engine, default_timezone="Asia/Shanghai")
    await engine.dispose()


async def test_audit_pages_are_newest_first_and_can_be_about_one_target(
    repos: Repositories,
) -> None:
    admin = await repos.users.upsert_from_telegram(1, "Ada", None, "en")
    for n in range(12):
        await repos.audit.record(admin.id, "item.edit.price", "item", 7, {"new": n})
    await repos.audit.record(admin.id, "expert.suspend", "expert", 7, {"reason": "spam"})

    first, total = await repos.audit.page(limit=5)
    assert total == 13 and len(first) == 5
    assert first[0].action == "expert.suspend"  # newest first
    last, _ = await repos.audit.page(offset=10, limit=5)
    assert [e.detail["new"] for e in last] == [2, 1, 0]

    mine, total = await repos.audit.page(target_kind="item", target_id=7, limit=100)
    assert total == 12 and {e.target_kind for e in mine} == {"item"}
    none, total = await repos.audit.page(target_kind="merchant", target_id=7)
    assert (none, total) == ([], 0)


async def test_latest_finds_the_last_of_some_actions_about_a_target(repos: Repositories) -> None:
    await repos.audit.record(None, "item.suspend", "item", 3, {"reason": "first"})
    await repos.audit.record(None, "item.unsuspend", "item", 3, {"reason": "second"})
    await repos.audit.record(None, "item.edit.price", "item", 3)
    await repos.audit.record(None, "item.suspend", "item", 4, {"reason": "other item"})
    latest = await repos.audit.latest("item", 3, ("item.suspend", "item.unsuspend"))
    assert latest is not None and latest.detail == {"reason": "second"}
    assert await repos.audit.latest("item", 5, ("item.suspend",)) is None


async def test_waiting_counts_count_pending_and_open_only(repos: Repositories) -> None:
    assert await repos.moderation.waiting_counts() == (0, 0, 0)
    for n, status in enumerate(("pending", "pending", "verified", "rejected")):
        user = await repos.users.upsert_from_telegram(100 + n, "E", None, "en")
        await repos.experts.create(
            user_id=user.id,
            handle=f"e_{n}",
            display_name="E",
            vertical="beauty",
            tags=[],
            bio="b",
            status=status,
        )
    assert await repos.moderation.waiting_counts() == (2, 0, 0)

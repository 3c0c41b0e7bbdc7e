"""The dispatcher's read of due rows on a real SQLite file: notices first, campaigns share fairly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from storage.database import create_engine, migrate
from storage.repositories import Repositories
from storage.repositories.audience import PUSH_KIND
from storage.schema import outbox
from tests.auxil.databases import fresh_database_url

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def repos(tmp_path: Path) -> AsyncIterator[Repositories]:
    url = fresh_database_url(tmp_path, "fair")
    await migrate(url)
    built = Repositories.build(create_engine(url), default_timezone="Asia/Shanghai")
    yield built
    await built.engine.dispose()


async def make_campaign(repos: Repositories) -> int:
    owner = await repos.users.upsert_from_telegram(9000, "Lina", None, "en")
    expert = await repos.experts.by_handle("lina") or await repos.experts.create(
        user_id=owner.id,
        handle="lina",
        display_name="Lina",
        vertical="beauty",
        tags=[],
        bio="",
        status="verified",
    )
    campaign = await repos.campaigns.create(
        expert_id=expert.id,
        kind="push",
        item_ids=[],
        audience={"tags": [], "push": True},
        starts_at=NOW,
        recurrence=None,
        progress_chat_id=None,
    )
    return int(campaign.id)


async def queue(
    repos: Repositories, campaign_id: int | None, chats: range, at: datetime, kind: str = PUSH_KIND
) -> None:
    rows = [
        {
            "kind": kind,
            "chat_id": chat,
            "campaign_id": campaign_id,
            "dedup_key": f"{campaign_id}:{kind}:{chat}",
            "payload": {"method": "sendMessage", "params": {"text": "x"}},
            "status": "queued",
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
        }
        for chat in chats
    ]
    async with repos.engine.begin() as conn:
        await conn.execute(insert(outbox), rows)


async def test_a_later_campaign_gets_an_equal_share_of_the_very_next_batch(
    repos: Repositories,
) -> None:
    big, small = await make_campaign(repos), await make_campaign(repos)
    await queue(repos, big, range(1, 10_001), NOW - timedelta(minutes=5))  # queued long before
    await queue(repos, small, range(20_001, 20_301), NOW - timedelta(seconds=1))
    rows = await repos.outbox.due(NOW, 16)
    assert [r.campaign_id for r in rows] == [big, small] * 8
    # Each campaign's own rows stay oldest first.
    assert [r.chat_id for r in rows if r.campaign_id == small] == list(range(20_001, 20_009))


async def test_notices_come_before_campaign_rows_and_take_what_they_need(
    repos: Repositories,
) -> None:
    push = await make_campaign(repos)
    await queue(repos, push, range(1, 101), NOW - timedelta(minutes=5))
    await queue(repos, None, range(500, 503), NOW, kind="merchant_notice")
    rows = await repos.outbox.due(NOW, 8)
    assert [r.kind for r in rows] == ["merchant_notice"] * 3 + [PUSH_KIND] * 5


async def test_paused_campaigns_busy_chats_and_rows_not_yet_due_are_left(
    repos: Repositories,
) -> None:
    paused, running = await make_campaign(repos), await make_campaign(repos)
    await queue(repos, paused, range(1, 11), NOW - timedelta(minutes=1))
    await queue(repos, running, range(100, 111), NOW - timedelta(minutes=1))
    await queue(repos, None, range(900, 902), NOW + timedelta(hours=8), kind="reminder")
    assert await repos.campaigns.set_status(paused, "paused", only_from=("scheduled",))
    rows = await repos.outbox.due(NOW, 50, skip_chats=[100, 101])
    assert {r.campaign_id for r in rows} == {running}
    assert [r.chat_id for r in rows] == list(range(102, 111))


async def test_a_campaign_with_nothing_due_now_does_not_shrink_the_others_share(
    repos: Repositories,
) -> None:
    later, now = await make_campaign(repos), await make_campaign(repos)
    await queue(repos, later, range(1, 50), NOW + timedelta(hours=3))  # quiet hours
    await queue(repos, now, range(100, 150), NOW - timedelta(seconds=5))
    rows = await repos.outbox.due(NOW, 10)
    # The quiet campaign takes no row now: the other one gets its turns.
    assert {r.campaign_id for r in rows} == {now} and len(rows) == 10

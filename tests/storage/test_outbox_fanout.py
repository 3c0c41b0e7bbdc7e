"""The fan-out planner on a real SQLite file: every push rule applied in one INSERT … SELECT."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.campaigns.fanout import plan_fanout
from bot.domain.push_rules import FanPushSettings, next_digest_time, next_send_time
from storage.database import create_engine, migrate
from storage.repositories import Repositories
from storage.repositories.campaigns import Audience
from storage.repositories.fan_settings import FanSettingsRow
from tests.auxil.databases import fresh_database_url

# 2024-05-01 12:00 in Shanghai: outside the default quiet hours (22:00-08:00).
NOON = datetime(2024, 5, 1, 4, 0, tzinfo=UTC)


@pytest.fixture
async def repos(tmp_path: Path) -> Repositories:
    url = fresh_database_url(tmp_path, "fanout")
    await migrate(url)
    built = Repositories.build(create_engine(url), default_timezone="Asia/Shanghai")
    yield built
    await built.engine.dispose()


async def make_fan(
    repos: Repositories, telegram_id: int, expert_id: int | None, **settings: object
) -> int:
    user = await repos.users.upsert_from_telegram(telegram_id, f"Fan{telegram_id}", None, "en")
    if settings:
        await repos.fan_settings.save(user.id, FanSettingsRow(**settings))  # type: ignore[arg-type]
    if expert_id is not None:
        await repos.follows.follow(user.id, expert_id, "link")
    return user.id


async def make_expert(repos: Repositories) -> tuple[int, int]:
    owner = await repos.users.upsert_from_telegram(9000, "Lina", None, "en")
    expert = await repos.experts.create(
        user_id=owner.id,
        handle="lina",
        display_name="Lina",
        vertical="beauty",
        tags=["skincare"],
        bio="",
        status="verified",
    )
    return expert.id, owner.id


async def fire(
    repos: Repositories, campaign_id: int, audience: Audience, now: datetime = NOON, cap: int = 3
) -> int:
    return await plan_fanout(
        repos.campaigns,
        campaign_id=campaign_id,
        audience=audience,
        payload={"render": "campaign", "campaign_id": campaign_id},
        dedup_prefix=f"c{campaign_id}:u",
        now=now,
        platform_cap=cap,
        mark_running=False,
    )


async def new_campaign(repos: Repositories, expert_id: int) -> int:
    campaign = await repos.campaigns.create(
        expert_id=expert_id,
        kind="push",
        item_ids=[],
        audience={},
        starts_at=NOON,
        recurrence=None,
        progress_chat_id=None,
    )
    return campaign.id


async def rows_by_user(repos: Repositories, campaign_id: int) -> dict[int, dict]:
    return {r["user_id"]: r for r in await repos.outbox.all_rows(campaign_id)}


async def test_each_fan_gets_the_status_and_time_the_push_rules_give(repos: Repositories) -> None:
    expert_id, owner_id = await make_expert(repos)
    plain = await make_fan(repos, 1, expert_id)
    off = await make_fan(repos, 2, expert_id, push_mode="off")
    digest = await make_fan(repos, 3, expert_id, push_mode="digest", digest_hour=20)
    quiet = await make_fan(repos, 4, expert_id, quiet_start_min=11 * 60, quiet_end_min=13 * 60 + 30)
    muted = await make_fan(repos, 5, expert_id)
    await repos.follows.toggle_mute(muted, expert_id)
    blocked = await make_fan(repos, 6, expert_id)
    await repos.users.mark_unreachable(6)
    stranger = await make_fan(repos, 7, None)

    campaign_id = await new_campaign(repos, expert_id)
    written = await fire(repos, campaign_id, Audience(expert_id, owner_id, False, ()))

    rows = await rows_by_user(repos, campaign_id)
    assert written == 3 and set(rows) == {plain, digest, quiet}
    assert {off, muted, blocked, stranger}.isdisjoint(rows)
    assert rows[plain]["status"] == "queued" and rows[plain]["next_attempt_at"] == NOON
    assert rows[digest]["status"] == "digest"
    assert rows[digest]["next_attempt_at"] == next_digest_time(
        FanPushSettings(digest_hour=20), NOON
    )
    quiet_rules = FanPushSettings(
        quiet_start=datetime(1, 1, 1, 11).time(), quiet_end=datetime(1, 1, 1, 13, 30).time()
    )
    assert rows[quiet]["next_attempt_at"] == next_send_time(quiet_rules, NOON) != NOON
    assert rows[plain]["dedup_key"] == f"c{campaign_id}:u{plain}"


async def test_a_second_fan_out_of_the_same_campaign_writes_nothing(repos: Repositories) -> None:
    expert_id, owner_id = await make_expert(repos)
    await make_fan(repos, 1, expert_id)
    campaign_id = await new_campaign(repos, expert_id)
    audience = Audience(expert_id, owner_id, False, ())
    assert await fire(repos, campaign_id, audience) == 1
    assert await fire(repos, campaign_id, audience) == 0


async def test_the_daily_cap_counts_pushes_from_every_expert_on_the_fans_day(
    repos: Repositories,
) -> None:
    expert_id, owner_id = await make_expert(repos)
    fan = await make_fan(repos, 1, expert_id, daily_cap=2)
    audience = Audience(expert_id, owner_id, False, ())
    first, second, third = [await new_campaign(repos, expert_id) for _ in range(3)]
    assert await fire(repos, first, audience) == 1
    assert await fire(repos, second, audience, now=NOON + timedelta(hours=1)) == 1
    assert await fire(repos, third, audience, now=NOON + timedelta(hours=2)) == 0  # fan's cap of 2
    # The next local day the count starts again.
    fourth = await new_campaign(repos, expert_id)
    assert await fire(repos, fourth, audience, now=NOON + timedelta(days=1)) == 1
    # The platform cap applies when it is lower than the fan's own.
    fifth = await new_campaign(repos, expert_id)
    assert await fire(repos, fifth, audience, now=NOON + timedelta(days=1, hours=1), cap=1) == 0
    assert fan in await rows_by_user(repos, fourth)


async def test_interest_segments_and_discovery_audiences(repos: Repositories) -> None:
    expert_id, owner_id = await make_expert(repos)
    skincare_fan = await make_fan(repos, 1, expert_id)
    await repos.interests.toggle(skincare_fan, "skincare")
    other_fan = await make_fan(repos, 2, expert_id)
    consenting_stranger = await make_fan(repos, 3, None, discovery_consent=True)
    await repos.interests.toggle(consenting_stranger, "skincare")
    shy_stranger = await make_fan(repos, 4, None)
    await repos.interests.toggle(shy_stranger, "skincare")

    segment = await new_campaign(repos, expert_id)
    await fire(repos, segment, Audience(expert_id, owner_id, False, ("skincare",)))
    assert set(await rows_by_user(repos, segment)) == {skincare_fan}
    assert other_fan not in await rows_by_user(repos, segment)

    passer_by = await new_campaign(repos, expert_id)
    await fire(repos, passer_by, Audience(expert_id, owner_id, True, ("skincare",)))
    assert set(await rows_by_user(repos, passer_by)) == {consenting_stranger}

"""The fan-out planned in chunks, on real SQLite files: the same rows as one statement, the daily
cap exact while chunks of two campaigns interleave, and a plan cut short resumed to the end."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, update

from bot.campaigns.fanout import plan_fanout
from storage.database import create_engine, migrate
from storage.repositories import Repositories
from storage.repositories.campaigns import Audience, CampaignRepository
from storage.schema import users
from tests.auxil.databases import fresh_database_url
from tests.storage.test_outbox_fanout import NOON, make_expert, make_fan, new_campaign

FANS = 60


async def open_repos(path: Path) -> Repositories:
    url = fresh_database_url(path.parent, path.stem)
    await migrate(url)
    return Repositories.build(create_engine(url), default_timezone="Asia/Shanghai")


async def seed_every_rule(repos: Repositories) -> tuple[int, int, int]:
    """An expert, a second expert, and FANS followers with every rule the fan-out applies.

    Returns (expert id, owner user id, second expert id).
    """
    expert_id, owner_id = await make_expert(repos)
    other_owner = await repos.users.upsert_from_telegram(9001, "Mei", None, "en")
    other = await repos.experts.create(
        user_id=other_owner.id,
        handle="mei",
        display_name="Mei",
        vertical="beauty",
        tags=[],
        bio="",
        status="verified",
    )
    zones = ("Asia/Shanghai", "Europe/Berlin", "America/New_York")
    for n in range(FANS):
        settings: dict[str, Any] = {"quiet_start_min": 0, "quiet_end_min": 0}
        if n % 10 == 1:
            settings = {"push_mode": "digest", "digest_hour": n % 24}
        elif n % 10 == 2:
            settings = {"push_mode": "off"}
        elif n % 10 == 3:
            settings = {"quiet_start_min": 11 * 60, "quiet_end_min": 13 * 60}  # noon is quiet
        elif n % 10 == 4:
            settings = {"daily_cap": 1, "quiet_start_min": 0, "quiet_end_min": 0}
        fan = await make_fan(repos, 100 + n, expert_id, **settings)
        await repos.follows.follow(fan, other.id, "link")
        if n % 3 == 0:
            async with repos.engine.begin() as conn:
                await conn.execute(
                    update(users).where(users.c.id == fan).values(timezone=zones[n % len(zones)])
                )
        if n % 10 == 5:
            await repos.follows.toggle_mute(fan, expert_id)
        if n % 10 == 6:
            await repos.users.mark_unreachable(100 + n)
    # Some fans already got a push today from the other expert: the cap counts it.
    earlier = await new_campaign(repos, other.id)
    await plan(repos, earlier, Audience(other.id, other_owner.id, False, ()), chunk=1_000)
    return expert_id, owner_id, other.id


async def plan(
    repos: Repositories,
    campaign_id: int,
    audience: Audience,
    *,
    chunk: int,
    cap: int = 3,
    mark_running: bool = False,
) -> int:
    """Plan with the repository writing `chunk` fans per transaction."""
    return await plan_fanout(
        repos.campaigns,
        campaign_id=campaign_id,
        audience=audience,
        payload={"render": "campaign", "campaign_id": campaign_id},
        dedup_prefix=f"c{campaign_id}:u",
        now=NOON,
        platform_cap=cap,
        mark_running=mark_running,
        chunk_fans=chunk,
    )


def comparable(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """A campaign's rows without their ids: what the plan decided for each fan."""
    return sorted(
        (
            r["user_id"],
            r["chat_id"],
            r["kind"],
            r["status"],
            r["next_attempt_at"],
            r["dedup_key"],
            r["attempts"],
        )
        for r in rows
    )


async def test_the_chunked_plan_writes_exactly_the_rows_of_one_statement(tmp_path: Path) -> None:
    single = await open_repos(tmp_path / "single.sqlite3")
    chunked = await open_repos(tmp_path / "chunked.sqlite3")
    try:
        results = []
        for repos, chunk in ((single, 1_000_000), (chunked, 7)):
            expert_id, owner_id, _ = await seed_every_rule(repos)
            campaign_id = await new_campaign(repos, expert_id)
            commits: list[None] = []
            event.listen(
                repos.engine.sync_engine, "commit", lambda _c, into=commits: into.append(None)
            )
            written = await plan(
                repos, campaign_id, Audience(expert_id, owner_id, False, ()), chunk=chunk
            )
            rows = await repos.outbox.all_rows(campaign_id)
            campaign = await repos.campaigns.get(campaign_id)
            assert campaign is not None and campaign.audience_size == len(rows) == written
            results.append((comparable(rows), len(commits)))
        (single_rows, single_commits), (chunked_rows, chunked_commits) = results
        assert chunked_rows == single_rows
        statuses = {row[3] for row in single_rows}
        assert statuses == {"queued", "digest"} and len(single_rows) > FANS // 3
        # One write per chunk of 7 fan ids (plus the audience size), not one for everyone.
        assert single_commits == 2
        assert chunked_commits > (FANS // 7) + 1
    finally:
        await single.engine.dispose()
        await chunked.engine.dispose()


async def test_the_daily_cap_stays_exact_while_chunks_of_two_campaigns_interleave(
    tmp_path: Path,
) -> None:
    repos = await open_repos(tmp_path / "cap.sqlite3")
    try:
        expert_id, owner_id, other_id = await seed_every_rule(repos)
        other_owner = (await repos.experts.get(other_id)).user_id  # type: ignore[union-attr]
        first = await new_campaign(repos, expert_id)
        second = await new_campaign(repos, other_id)
        # Chunks of 3 fans, both campaigns at once: their transactions alternate.
        await asyncio.gather(
            plan(repos, first, Audience(expert_id, owner_id, False, ()), chunk=3, cap=2),
            plan(repos, second, Audience(other_id, other_owner, False, ()), chunk=3, cap=2),
        )
        pushes: dict[int, int] = {}
        for row in await repos.outbox.all_rows():
            if row["status"] != "digest" and row["next_attempt_at"] < NOON + timedelta(hours=12):
                pushes[row["user_id"]] = pushes.get(row["user_id"], 0) + 1
        assert max(pushes.values()) == 2  # the platform cap of 2 is reached, never passed
        for fan, count in pushes.items():
            settings = await repos.fan_settings.get(fan)
            assert count <= min(settings.daily_cap, 2), (fan, count)
        # A fan with a cap of 1 who already had the earlier push got neither new campaign.
        capped = [f for f, c in pushes.items() if (await repos.fan_settings.get(f)).daily_cap == 1]
        assert capped and all(pushes[f] == 1 for f in capped)
    finally:
        await repos.engine.dispose()


async def test_a_plan_cut_short_by_a_crash_resumes_where_it_stopped(tmp_path: Path) -> None:
    whole = await open_repos(tmp_path / "whole.sqlite3")
    crashed = await open_repos(tmp_path / "crashed.sqlite3")
    try:
        expert_id, owner_id, _ = await seed_every_rule(whole)
        reference = await new_campaign(whole, expert_id)
        audience = Audience(expert_id, owner_id, False, ())
        await plan(whole, reference, audience, chunk=1_000_000)
        expected = comparable(await whole.outbox.all_rows(reference))

        await seed_every_rule(crashed)
        campaign_id = await new_campaign(crashed, expert_id)
        chunks = CampaignRepository._fan_out_chunk
        calls = 0

        async def dies_in_the_third_chunk(self: CampaignRepository, *args: Any) -> int:
            # Stands for the process being killed: the third chunk's transaction never commits.
            nonlocal calls
            calls += 1
            if calls == 3:
                raise SystemExit("killed mid-plan")
            return await chunks(self, *args)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(CampaignRepository, "_fan_out_chunk", dies_in_the_third_chunk)
            with pytest.raises(SystemExit):
                await plan(crashed, campaign_id, audience, chunk=7, mark_running=True)
        before = await crashed.outbox.all_rows(campaign_id)
        campaign = await crashed.campaigns.get(campaign_id)
        assert campaign is not None and campaign.status == "scheduled"  # fires again on restart
        assert 0 < len(before) < len(expected)

        resumed = await plan(crashed, campaign_id, audience, chunk=7, mark_running=True)
        rows = await crashed.outbox.all_rows(campaign_id)
        assert comparable(rows) == expected
        assert resumed == len(expected) - len(before)  # nothing planned twice
        campaign = await crashed.campaigns.get(campaign_id)
        assert campaign is not None and campaign.status == "running"
        assert campaign.audience_size == len(expected)
        # Fired once: a third attempt finds it running and writes nothing.
        assert await plan(crashed, campaign_id, audience, chunk=7, mark_running=True) is None
    finally:
        await whole.engine.dispose()
        await crashed.engine.dispose()

"""Each campaign run fires once, under its unique key, whichever processes try (bot/campaigns/runs.py).

Two processes are two `Services` over one database (two engines, two connection pools): a web
process firing a campaign while the scheduler leader's start job fires it too, or a standby that
took over. On PostgreSQL (`make test-postgres`) they race on the server.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.campaigns import runs
from bot.campaigns.service import Draft, create_campaign, now_utc
from bot.config import Settings
from bot.domain.states import CampaignStatus
from bot.services import Services
from tests.conftest import make_settings
from tests.services.campaign_world import TZ, expert, fan, window

FANS = 12


@pytest.fixture
async def two_processes(tmp_path: Path) -> AsyncIterator[tuple[Services, Services]]:
    settings: Settings = make_settings(tmp_path, VITRINE_CAMPAIGNS_PER_DAY="10")
    first = await Services.start(settings)
    second = await Services.start(settings)
    yield first, second
    await first.close()
    await second.close()


async def campaign_to_fans(services: Services, *, recurrence: str | None = None) -> int:
    _user_id, lina = await expert(services, 951, "lina")
    (item,) = await window(services, lina.id, 1)
    for n in range(FANS):
        await fan(services, 9500 + n, lina.id)
    draft = Draft("push", (item.id,), (), True, now_utc() + timedelta(seconds=1), recurrence)
    campaign = await create_campaign(
        services, expert_id=lina.id, tz=TZ, draft=draft, progress_chat_id=None
    )
    return campaign.id


async def test_two_processes_firing_the_same_run_at_once_fire_it_once(
    two_processes: tuple[Services, Services],
) -> None:
    web, scheduler = two_processes
    campaign_id = await campaign_to_fans(web)
    fired = await asyncio.gather(
        runs.fire_run(web, campaign_id, now_utc(), fired_by="web-1"),
        runs.fire_run(scheduler, campaign_id, now_utc(), fired_by="scheduler-1"),
    )
    assert sorted(fired, key=lambda n: n is None) == [FANS, None]
    rows = await web.repos.outbox.all_rows(campaign_id)
    assert len(rows) == FANS and len({row["chat_id"] for row in rows}) == FANS
    campaign = await web.repos.campaigns.get(campaign_id)
    assert campaign is not None and campaign.status == CampaignStatus.RUNNING


async def test_a_run_whose_firer_died_is_fired_by_the_leader_that_adopts_it(
    two_processes: tuple[Services, Services],
) -> None:
    old, new = two_processes
    campaign_id = await campaign_to_fans(old)
    campaign = await old.repos.campaigns.get(campaign_id)
    assert campaign is not None
    # The old leader recorded the run and died before its fan-out: still 'scheduled'.
    assert await old.repos.campaigns.record_run(
        campaign_id,
        "at" + str(int(campaign.starts_at.timestamp())),  # type: ignore[union-attr]
        fired_by="old-leader",
        fired_at=now_utc(),
    )
    assert await runs.fire_run(new, campaign_id, now_utc(), fired_by="new-leader") is None
    # Taking the lead proves the old one gone: its unfinished runs become the new leader's.
    assert await runs.adopt_unfinished_runs(new, "new-leader") == 1
    assert await runs.fire_run(new, campaign_id, now_utc(), fired_by="new-leader") == FANS
    # And the dead one, were it only cut off, can no longer fire it.
    assert await runs.fire_run(old, campaign_id, now_utc(), fired_by="old-leader") is None
    assert len(await new.repos.outbox.all_rows(campaign_id)) == FANS


async def test_each_run_of_a_recurring_campaign_has_its_own_key(
    two_processes: tuple[Services, Services],
) -> None:
    services, _ = two_processes
    campaign_id = await campaign_to_fans(services, recurrence="daily 20:00")
    assert await runs.fire_run(services, campaign_id, now_utc(), fired_by="leader") == FANS
    finished = await runs.finish_run(services, campaign_id, now_utc())
    assert finished is not None and finished.status == CampaignStatus.SCHEDULED
    # The next occurrence is another run: it fires (and reaches nobody new today: same day's
    # dedup keys, the fans' daily cap), but it is not refused as "fired already".
    assert await runs.fire_run(services, campaign_id, now_utc(), fired_by="leader") is not None

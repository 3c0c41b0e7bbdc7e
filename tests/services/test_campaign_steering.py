"""/campaigns' use cases and a run's steps on a real SQLite file: list, pause, resume, cancel,
fire, finish, re-arm, pre-sale reminders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.campaigns import runs, service
from bot.campaigns.service import Draft, create_campaign, now_utc
from bot.domain.campaigns import CampaignAction
from bot.domain.errors import DomainError
from bot.domain.states import CampaignKind, CampaignStatus
from bot.services import Services
from tests.services.campaign_world import TZ, RecordingRunner, expert, fan, start_services, window

GRACE = timedelta(minutes=30)


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    # Several campaigns an hour or two apart: the flood rule's daily count (tested in
    # test_campaign_wizard.py) would otherwise depend on whether they straddle local midnight.
    built = await start_services(tmp_path, VITRINE_CAMPAIGNS_PER_DAY="10")
    yield built
    await built.close()


async def stored(
    services: Services,
    expert_id: int,
    item_id: int,
    *,
    kind: str = "push",
    starts_in: timedelta = timedelta(),
    recurrence: str | None = None,
) -> int:
    draft = Draft(kind, (item_id,), (), True, now_utc() + starts_in, recurrence)
    campaign = await create_campaign(
        services, expert_id=expert_id, tz=TZ, draft=draft, progress_chat_id=None
    )
    return campaign.id


async def status_of(services: Services, campaign_id: int) -> CampaignStatus:
    campaign = await services.repos.campaigns.get(campaign_id)
    assert campaign is not None
    return campaign.status


async def test_the_list_gives_each_campaign_the_buttons_its_status_allows(
    services: Services,
) -> None:
    user_id, lina = await expert(services, 901, "lina")
    (item,) = await window(services, lina.id, 1)
    scheduled = await stored(services, lina.id, item.id, starts_in=timedelta(days=3))
    paused = await stored(services, lina.id, item.id, starts_in=timedelta(days=4))
    done = await stored(services, lina.id, item.id, starts_in=timedelta(days=5))
    runner = RecordingRunner(services)
    await service.pause_campaign(services, runner, user_id=user_id, campaign_id=paused)
    await services.repos.campaigns.set_status(
        done, CampaignStatus.DONE, only_from={CampaignStatus.SCHEDULED}
    )
    listing = await service.list_campaigns(services, user_id=user_id)
    assert [(e.campaign.id, e.actions) for e in listing.entries] == [
        (done, ()),
        (paused, (CampaignAction.RESUME, CampaignAction.CANCEL)),
        (scheduled, (CampaignAction.PAUSE, CampaignAction.CANCEL)),
    ]
    nobody = await services.repos.users.upsert_from_telegram(902, "Ann", None, "en")
    with pytest.raises(DomainError) as error:
        await service.list_campaigns(services, user_id=nobody.id)
    assert error.value.code == "expert.not_allowed"


async def test_only_the_owner_steers_a_campaign(services: Services) -> None:
    _, lina = await expert(services, 911, "lina")
    mei_user, _ = await expert(services, 912, "mei")
    (item,) = await window(services, lina.id, 1)
    campaign_id = await stored(services, lina.id, item.id, starts_in=timedelta(days=1))
    runner = RecordingRunner(services)
    for target in (campaign_id, 424242):
        for steer in (service.pause_campaign, service.resume_campaign):
            with pytest.raises(DomainError) as error:
                await steer(services, runner, user_id=mei_user, campaign_id=target)
            assert error.value.code == "campaign.stale"
        with pytest.raises(DomainError) as error:
            await service.cancel_campaign(
                services, runner, user_id=mei_user, campaign_id=target, now=now_utc()
            )
        assert error.value.code == "campaign.stale"
        with pytest.raises(DomainError) as error:
            await service.ask_cancel(services, user_id=mei_user, campaign_id=target)
        assert error.value.code == "campaign.stale"
    assert runner.calls == [] and await status_of(services, campaign_id) == "scheduled"


async def test_a_paused_scheduled_campaign_resumes_with_its_start_armed_again(
    services: Services,
) -> None:
    user_id, lina = await expert(services, 921, "lina")
    (item,) = await window(services, lina.id, 1)
    campaign_id = await stored(services, lina.id, item.id, starts_in=timedelta(hours=2))
    campaign = await services.repos.campaigns.get(campaign_id)
    assert campaign is not None
    starts_at = campaign.starts_at
    runner = RecordingRunner(services)
    paused = await service.pause_campaign(
        services, runner, user_id=user_id, campaign_id=campaign_id
    )
    assert paused.changed and await status_of(services, campaign_id) == CampaignStatus.PAUSED
    assert paused.listing.entries[0].actions == (CampaignAction.RESUME, CampaignAction.CANCEL)
    again = await service.pause_campaign(services, runner, user_id=user_id, campaign_id=campaign_id)
    assert not again.changed
    resumed = await service.resume_campaign(
        services, runner, user_id=user_id, campaign_id=campaign_id
    )
    assert resumed.changed and await status_of(services, campaign_id) == CampaignStatus.SCHEDULED
    assert runner.calls == [
        ("refresh", campaign_id),
        ("refresh", campaign_id),
        ("wake",),
        ("arm_start", campaign_id, starts_at),
        ("refresh", campaign_id),
    ]


async def test_a_suspended_expert_may_pause_and_cancel_but_not_resume(services: Services) -> None:
    user_id, lina = await expert(services, 931, "lina")
    (item,) = await window(services, lina.id, 1)
    first = await stored(services, lina.id, item.id, starts_in=timedelta(hours=2))
    second = await stored(services, lina.id, item.id, starts_in=timedelta(hours=3))
    await services.repos.experts.set_status(lina.id, "suspended", reason="Fake claims.")
    runner = RecordingRunner(services)
    assert (
        await service.pause_campaign(services, runner, user_id=user_id, campaign_id=first)
    ).changed
    with pytest.raises(DomainError) as error:
        await service.resume_campaign(services, runner, user_id=user_id, campaign_id=first)
    assert error.value.code == "campaign.expert_inactive"
    assert await status_of(services, first) == CampaignStatus.PAUSED
    cancelled = await service.cancel_campaign(
        services, runner, user_id=user_id, campaign_id=second, now=now_utc()
    )
    assert cancelled.changed and await status_of(services, second) == CampaignStatus.CANCELLED


async def test_cancel_drops_the_unsent_messages_with_the_campaign(services: Services) -> None:
    user_id, lina = await expert(services, 941, "lina")
    (item,) = await window(services, lina.id, 1)
    for telegram_id in (9401, 9402):
        await fan(services, telegram_id, lina.id)
    campaign_id = await stored(services, lina.id, item.id)
    assert await runs.fire_run(services, campaign_id, now_utc(), fired_by="test") == 2
    assert await status_of(services, campaign_id) == CampaignStatus.RUNNING
    runner = RecordingRunner(services)
    campaign = await service.ask_cancel(services, user_id=user_id, campaign_id=campaign_id)
    assert campaign.id == campaign_id and runner.calls == []  # asking changes nothing
    steered = await service.cancel_campaign(
        services, runner, user_id=user_id, campaign_id=campaign_id, now=now_utc()
    )
    assert steered.changed and steered.listing.entries[0].actions == ()
    assert await services.repos.outbox.campaign_counts(campaign_id) == {"dropped": 2}
    again = await service.cancel_campaign(
        services, runner, user_id=user_id, campaign_id=campaign_id, now=now_utc()
    )
    assert not again.changed
    assert (
        await runs.fire_run(services, campaign_id, now_utc(), fired_by="test") is None
    )  # never fires again


async def test_a_run_is_cancelled_when_its_expert_or_its_items_are_gone(
    services: Services,
) -> None:
    _, lina = await expert(services, 951, "lina")
    first, second = await window(services, lina.id, 2)
    await fan(services, 9501, lina.id)
    items_gone = await stored(services, lina.id, first.id)
    await services.repos.items.set_status(first.id, "delisted")
    assert await runs.fire_run(services, items_gone, now_utc(), fired_by="test") is None
    assert await status_of(services, items_gone) == CampaignStatus.CANCELLED
    expert_gone = await stored(services, lina.id, second.id)
    await services.repos.experts.set_status(lina.id, "suspended", reason="Fake claims.")
    assert await runs.fire_run(services, expert_gone, now_utc(), fired_by="test") is None
    assert await status_of(services, expert_gone) == CampaignStatus.CANCELLED
    assert await services.repos.outbox.campaign_counts(expert_gone) == {}


async def test_a_recurring_run_is_scheduled_again_and_a_one_off_is_done(
    services: Services,
) -> None:
    _, lina = await expert(services, 961, "lina")
    (item,) = await window(services, lina.id, 1)
    await fan(services, 9601, lina.id)
    daily = await stored(services, lina.id, item.id, kind="auto", recurrence="daily 20:00")
    once = await stored(services, lina.id, item.id)
    now = now_utc()
    for campaign_id in (daily, once):
        assert await runs.fire_run(services, campaign_id, now, fired_by="test") == 1
    again = await runs.finish_run(services, daily, now)
    assert again is not None and again.status == CampaignStatus.SCHEDULED
    assert again.starts_at is not None and now < again.starts_at <= now + timedelta(days=1)
    finished = await runs.finish_run(services, once, now)
    assert finished is not None and finished.status == CampaignStatus.DONE


async def test_at_start_late_runs_start_within_grace_and_older_ones_are_missed(
    services: Services,
) -> None:
    _, lina = await expert(services, 971, "lina")
    (item,) = await window(services, lina.id, 1)
    soon = await stored(services, lina.id, item.id, starts_in=timedelta(hours=1))
    late = await stored(services, lina.id, item.id, starts_in=-timedelta(minutes=10))
    missed = await stored(services, lina.id, item.id, starts_in=-timedelta(hours=2))
    skipped = await stored(
        services,
        lina.id,
        item.id,
        kind="auto",
        starts_in=-timedelta(hours=2),
        recurrence="daily 20:00",
    )
    now = now_utc()
    due = await runs.rearm(services, now, GRACE)
    armed = dict(due.starts)
    assert set(armed) == {soon, late, skipped} and armed[skipped] > now
    assert [c.id for c in due.missed] == [missed, skipped]
    assert await status_of(services, missed) == CampaignStatus.MISSED
    assert await status_of(services, skipped) == CampaignStatus.SCHEDULED


async def test_a_presales_reservers_are_reminded_once(services: Services) -> None:
    _, lina = await expert(services, 981, "lina")
    (item,) = await window(services, lina.id, 1)
    keen = await fan(services, 9801, lina.id)
    await fan(services, 9802, lina.id)
    opens = (now_utc() + timedelta(days=2)).replace(microsecond=0)  # stored to the second
    draft = Draft("presale", (item.id,), (), True, now_utc(), None, opens)
    campaign = await create_campaign(
        services, expert_id=lina.id, tz=TZ, draft=draft, progress_chat_id=None
    )
    assert campaign.kind == CampaignKind.PRESALE and campaign.ends_at == opens
    assert await runs.fire_run(services, campaign.id, now_utc(), fired_by="test") == 2
    assert await services.repos.reservations.reserve(keen, item.id)
    assert (await runs.rearm(services, now_utc(), GRACE)).presales == ((item.id, opens),)
    opened = await runs.take_presale_reminders(services, item.id, now_utc())
    assert opened is not None and opened.campaign_id == campaign.id and opened.buyable
    assert [(r.user_id, r.telegram_id) for r in opened.reservers] == [(keen, 9801)]
    again = await runs.take_presale_reminders(services, item.id, now_utc())
    assert again is not None and again.reservers == ()
    assert (await runs.rearm(services, now_utc(), GRACE)).presales == ()

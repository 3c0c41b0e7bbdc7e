"""The /campaign wizard's use cases on a real SQLite file: each step, its refusals, confirm."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.campaigns import wizard
from bot.campaigns.draft import WizardDraft, WizardStep
from bot.campaigns.service import Draft, create_campaign, now_utc
from bot.campaigns.wizard import (
    AskAudience,
    AskItems,
    AskSchedule,
    AskTags,
    AskTime,
    Confirmed,
    Preview,
    Screen,
)
from bot.domain.errors import DomainError
from bot.domain.push_rules import fan_day_bounds
from bot.domain.states import CampaignKind, CampaignStatus
from bot.services import Services
from tests.services.campaign_world import TZ, RecordingRunner, expert, fan, start_services, window

LATER = "2099-01-01 10:00"
LATER_UTC = datetime(2099, 1, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    built = await start_services(tmp_path)
    yield built
    await built.close()


def kept(screen: Screen) -> WizardDraft:
    """The draft as the flow hands it to the next step: through its JSON in the database."""
    return WizardDraft.from_data(screen.draft.to_data())


async def refused(code: str, step: Awaitable[object]) -> None:
    """The use case step refuses with `code`."""
    with pytest.raises(DomainError) as error:
        await step
    assert error.value.code == code


async def test_only_a_verified_expert_starts_the_wizard_and_hears_why_not(
    services: Services,
) -> None:
    nobody = await services.repos.users.upsert_from_telegram(801, "Ann", None, "en")
    pending_user, _ = await expert(services, 802, "pending_pia", status="pending")
    suspended_user, suspended = await expert(services, 803, "sus_sue")
    await services.repos.experts.set_status(suspended.id, "suspended", reason="Fake claims.")
    cases = [(nobody.id, "none", ""), (pending_user, "pending", ""), (suspended_user, "suspended")]
    for user_id, status, *reason in cases:
        with pytest.raises(DomainError) as error:
            await wizard.start_wizard(services, user_id=user_id, tz=TZ, now=now_utc())
        assert error.value.code == "expert.not_allowed"
        assert error.value.params["status"] == status
        assert error.value.params["reason"] == (reason[0] if reason else "Fake claims.")


async def test_the_wizard_opens_with_the_days_quota_and_refuses_once_it_is_used(
    services: Services,
) -> None:
    user_id, lina = await expert(services, 811, "lina")
    item, other = await window(services, lina.id, 2)
    opened = await wizard.start_wizard(services, user_id=user_id, tz=TZ, now=now_utc())
    assert (opened.left, opened.limit, opened.step) == (2, 2, WizardStep.KIND)
    assert opened.kinds == tuple(CampaignKind)
    for chosen in (item, other):
        draft = Draft("push", (chosen.id,), (), True, now_utc(), None)
        await create_campaign(
            services, expert_id=lina.id, tz=TZ, draft=draft, progress_chat_id=None
        )
    now = now_utc()
    with pytest.raises(DomainError) as error:
        await wizard.start_wizard(services, user_id=user_id, tz=TZ, now=now)
    assert error.value.code == "campaign.none_left_today"
    assert error.value.params == {"limit": 2, "resets_at": fan_day_bounds(TZ, now)[1]}


async def test_no_campaigns_at_all_when_the_platform_switched_them_off(tmp_path: Path) -> None:
    services = await start_services(tmp_path, VITRINE_CAMPAIGNS_PER_DAY="0")
    try:
        user_id, _ = await expert(services, 821, "lina")
        with pytest.raises(DomainError) as error:
            await wizard.start_wizard(services, user_id=user_id, tz=TZ, now=now_utc())
        assert error.value.code == "campaign.switched_off"
    finally:
        await services.close()


async def test_a_segment_push_from_kind_to_confirm_refusing_what_is_not_on_offer(
    services: Services,
) -> None:
    user_id, lina = await expert(services, 831, "lina")
    _, mei = await expert(services, 832, "mei")
    first, second = await window(services, lina.id, 2)
    (foreign,) = await window(services, mei.id, 1)
    await services.repos.items.set_status(second.id, "delisted")
    for telegram_id, tags in ((8301, ("skincare",)), (8302, ("makeup",)), (8303, ("skincare",))):
        await fan(services, telegram_id, lina.id, *tags)
    me = {"user_id": user_id}

    opened: Screen = await wizard.start_wizard(services, **me, tz=TZ, now=now_utc())
    items = await wizard.choose_kind(services, **me, draft=kept(opened), kind="push")
    assert isinstance(items, AskItems) and [i.id for i in items.window] == [first.id]
    await refused(
        "campaign.stale", wizard.toggle_item(services, **me, draft=kept(items), item_id=foreign.id)
    )
    await refused(
        "campaign.stale", wizard.toggle_item(services, **me, draft=kept(items), item_id=second.id)
    )
    again = await wizard.items_done(services, **me, draft=kept(items))
    assert isinstance(again, AskItems)  # nothing chosen yet: the items again
    items = await wizard.toggle_item(services, **me, draft=kept(items), item_id=first.id)
    assert items.draft.item_ids == (first.id,)
    audience = await wizard.items_done(services, **me, draft=kept(items))
    assert isinstance(audience, AskAudience) and audience.modes == ("all", "tags")
    assert not audience.discovery
    await refused(
        "campaign.stale", wizard.choose_audience(services, **me, draft=kept(audience), mode="none")
    )
    tags = await wizard.choose_audience(services, **me, draft=kept(audience), mode="tags")
    assert isinstance(tags, AskTags) and "skincare" in tags.offered and "glow" in tags.offered
    await refused(
        "campaign.stale", wizard.toggle_tag(services, **me, draft=kept(tags), tag="forged")
    )
    tags = await wizard.toggle_tag(services, **me, draft=kept(tags), tag="skincare")
    schedule = await wizard.tags_done(services, **me, draft=kept(tags))
    assert isinstance(schedule, AskSchedule) and schedule.options == ("now", "at")
    asked = await wizard.choose_schedule(
        services, **me, draft=kept(schedule), when="at", tz=TZ, now=now_utc()
    )
    assert isinstance(asked, AskTime) and asked.mode == "at"
    await refused(
        "campaign.bad_time",
        wizard.type_time(services, **me, draft=kept(asked), text="soon", tz=TZ, now=now_utc()),
    )
    await refused(
        "campaign.time_passed",
        wizard.type_time(
            services, **me, draft=kept(asked), text="2020-01-01 10:00", tz=TZ, now=now_utc()
        ),
    )
    assert {"campaign.bad_time", "campaign.time_passed"} <= wizard.ASK_AGAIN
    preview = await wizard.type_time(
        services, **me, draft=kept(asked), text=LATER, tz=TZ, now=now_utc()
    )
    assert (preview.audience_size, preview.nobody, preview.pointless) == (2, None, False)
    assert preview.campaign.starts_at == LATER_UTC and preview.campaign.tags == ("skincare",)
    assert [i.id for i in preview.items] == [first.id] and preview.expert_handle == "lina"

    runner = RecordingRunner(services)
    done = await wizard.confirm_campaign(
        services, runner, **me, draft=kept(preview), tz=TZ, chat_id=831, now=now_utc()
    )
    assert isinstance(done, Confirmed) and not done.now and done.pinned is None
    assert runner.calls == [("arm_start", done.campaign.id, LATER_UTC)]
    stored = await services.repos.campaigns.get(done.campaign.id)
    assert stored is not None and stored.status == CampaignStatus.SCHEDULED
    assert (stored.kind, stored.item_ids, stored.tags, stored.pushes) == (
        CampaignKind.PUSH,
        (first.id,),
        ("skincare",),
        True,
    )
    assert stored.progress_chat_id == 831


async def test_a_push_now_that_reaches_nobody_is_not_offered_to_confirm(
    services: Services,
) -> None:
    user_id, lina = await expert(services, 841, "lina")
    (item,) = await window(services, lina.id, 1)
    me = {"user_id": user_id}
    items = await wizard.choose_kind(services, **me, draft=WizardDraft(), kind="push")
    items = await wizard.toggle_item(services, **me, draft=kept(items), item_id=item.id)
    audience = await wizard.items_done(services, **me, draft=kept(items))
    schedule = await wizard.choose_audience(services, **me, draft=kept(audience), mode="all")
    preview = await wizard.choose_schedule(
        services, **me, draft=kept(schedule), when="now", tz=TZ, now=now_utc()
    )
    assert isinstance(preview, Preview) and preview.pointless and preview.push_only
    assert preview.nobody is not None and preview.nobody.candidates == 0


async def test_a_headline_without_push_is_pinned_at_once_and_says_until_when(
    services: Services,
) -> None:
    user_id, lina = await expert(services, 851, "lina")
    (item,) = await window(services, lina.id, 1)
    await fan(services, 8501, lina.id)
    me = {"user_id": user_id}
    items = await wizard.choose_kind(services, **me, draft=WizardDraft(), kind="headline")
    items = await wizard.toggle_item(services, **me, draft=kept(items), item_id=item.id)
    audience = await wizard.items_done(services, **me, draft=kept(items))
    assert isinstance(audience, AskAudience) and audience.modes == ("all", "tags", "none")
    schedule = await wizard.choose_audience(services, **me, draft=kept(audience), mode="none")
    preview = await wizard.choose_schedule(
        services, **me, draft=kept(schedule), when="now", tz=TZ, now=now_utc()
    )
    assert isinstance(preview, Preview) and not preview.campaign.push
    assert (preview.audience_size, preview.nobody) == (0, None)
    runner = RecordingRunner(services)
    before = now_utc()
    done = await wizard.confirm_campaign(
        services, runner, **me, draft=kept(preview), tz=TZ, chat_id=None, now=before
    )
    assert done.now and runner.calls == [("fire", done.campaign.id)]
    assert done.pinned is not None and done.pinned.id == item.id
    assert done.pinned.pinned_until is not None
    assert done.pinned.pinned_until >= before + timedelta(hours=24) - timedelta(seconds=1)
    stored = await services.repos.campaigns.get(done.campaign.id)
    assert stored is not None and stored.status == CampaignStatus.DONE
    assert await services.repos.outbox.campaign_counts(done.campaign.id) == {}


async def test_an_account_recommendation_skips_items_and_reaches_consenting_fans(
    services: Services,
) -> None:
    user_id, _ = await expert(services, 861, "lina")
    me = {"user_id": user_id}
    audience = await wizard.choose_kind(services, **me, draft=WizardDraft(), kind="account")
    assert isinstance(audience, AskAudience) and audience.discovery
    schedule = await wizard.choose_audience(services, **me, draft=kept(audience), mode="all")
    runner = RecordingRunner(services)
    now = now_utc()
    preview = await wizard.choose_schedule(
        services, **me, draft=kept(schedule), when="now", tz=TZ, now=now
    )
    assert isinstance(preview, Preview) and preview.nobody is not None
    assert preview.nobody.discovery and not preview.pointless  # still promotes the account
    done = await wizard.confirm_campaign(
        services, runner, **me, draft=kept(preview), tz=TZ, chat_id=None, now=now
    )
    assert runner.calls == [("arm_start", done.campaign.id, now)]  # its start job fires it
    assert done.campaign.starts_at is not None
    assert done.campaign.ends_at == done.campaign.starts_at + timedelta(days=7)


async def test_a_presale_is_announced_now_and_asks_only_when_it_opens(services: Services) -> None:
    user_id, lina = await expert(services, 871, "lina")
    (item,) = await window(services, lina.id, 1)
    me = {"user_id": user_id}
    items = await wizard.choose_kind(services, **me, draft=WizardDraft(), kind="presale")
    items = await wizard.toggle_item(services, **me, draft=kept(items), item_id=item.id)
    audience = await wizard.items_done(services, **me, draft=kept(items))
    asked = await wizard.choose_audience(services, **me, draft=kept(audience), mode="all")
    assert isinstance(asked, AskTime) and asked.mode == "opens"
    now = now_utc()
    preview = await wizard.type_time(services, **me, draft=kept(asked), text=LATER, tz=TZ, now=now)
    assert (preview.campaign.starts_at, preview.campaign.opens_at) == (now, LATER_UTC)
    runner = RecordingRunner(services)
    done = await wizard.confirm_campaign(
        services, runner, **me, draft=kept(preview), tz=TZ, chat_id=None, now=now
    )
    assert done.now and done.campaign.ends_at == LATER_UTC


async def test_confirm_checks_the_flood_rule_again_and_stores_nothing_past_it(
    services: Services,
) -> None:
    user_id, lina = await expert(services, 881, "lina")
    first, second, third = await window(services, lina.id, 3)
    me = {"user_id": user_id}
    items = await wizard.choose_kind(services, **me, draft=WizardDraft(), kind="push")
    items = await wizard.toggle_item(services, **me, draft=kept(items), item_id=first.id)
    audience = await wizard.items_done(services, **me, draft=kept(items))
    schedule = await wizard.choose_audience(services, **me, draft=kept(audience), mode="all")
    preview = await wizard.choose_schedule(
        services, **me, draft=kept(schedule), when="now", tz=TZ, now=now_utc()
    )
    for chosen in (second, third):  # meanwhile, two other campaigns today
        draft = Draft("push", (chosen.id,), (), True, now_utc(), None)
        await create_campaign(
            services, expert_id=lina.id, tz=TZ, draft=draft, progress_chat_id=None
        )
    runner = RecordingRunner(services)
    with pytest.raises(DomainError) as error:
        await wizard.confirm_campaign(
            services, runner, **me, draft=kept(preview), tz=TZ, chat_id=None, now=now_utc()
        )
    assert error.value.code == "campaign.daily_limit" and runner.calls == []
    assert len(await services.repos.campaigns.for_expert(lina.id)) == 2


async def test_an_empty_window_and_a_damaged_draft_are_said(services: Services) -> None:
    user_id, _ = await expert(services, 891, "lina")
    me = {"user_id": user_id}
    await refused(
        "campaign.no_items", wizard.choose_kind(services, **me, draft=WizardDraft(), kind="push")
    )
    await refused(
        "campaign.bad_kind", wizard.choose_kind(services, **me, draft=WizardDraft(), kind="spam")
    )
    for damaged in ({"kind": "spam"}, {"items": ["x"]}, {"starts_at": "soon"}):
        with pytest.raises(DomainError) as error:
            WizardDraft.from_data(damaged)
        assert error.value.code == "campaign.draft_lost"
    with pytest.raises(DomainError) as error:
        WizardDraft(kind=CampaignKind.PUSH).ready()  # no start time yet
    assert error.value.code == "campaign.draft_lost"

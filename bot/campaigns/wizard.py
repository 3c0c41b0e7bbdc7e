"""The /campaign wizard's use cases: kind, items, audience, schedule, preview, confirm.

Each step is one function: it takes the draft so far (`WizardDraft`, kept in the person's flow
position, so a restart loses nothing) and what the expert chose, opens one unit of work, and
returns the next screen (`AskKind` … `Preview`, `Confirmed`) with the draft as it now is. Which
step follows which is decided here, not in the handler. DomainError codes: "expert.not_allowed"
(not, or no longer, a verified expert), "campaign.none_left_today" / "campaign.switched_off" /
"campaign.daily_limit" (the flood rule), "campaign.no_items", "campaign.stale" (a choice that is
not on offer: forged or outdated), "campaign.bad_time" / "campaign.time_passed" (ask again),
"campaign.draft_lost", "campaign.presale_time".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.campaigns.audience import audience_funnel, audience_of
from bot.campaigns.draft import WizardDraft, WizardStep
from bot.campaigns.service import CampaignRunner, Draft, active_expert, quota_in, store_campaign
from bot.domain import campaigns as rules
from bot.domain.campaigns import DISCOVERY_KINDS, ITEMLESS_KINDS, MAX_ITEMS, PUSH_ONLY_KINDS
from bot.domain.errors import DomainError
from bot.domain.states import CampaignKind
from storage.repositories import Repositories
from storage.repositories.campaigns import AudienceFunnel, Campaign
from storage.repositories.experts import Expert
from storage.repositories.items import Item

if TYPE_CHECKING:
    from bot.services import Services

WINDOW_ITEMS_SHOWN = 10
START_NOW_SLACK = timedelta(seconds=5)  # a start this close is "now": fired, not armed
ASK_AGAIN = frozenset({"campaign.bad_time", "campaign.time_passed"})  # the step stays


@dataclass(frozen=True)
class AskKind:
    """First step: which kind of campaign, and how many the expert may still start today."""

    draft: WizardDraft
    kinds: tuple[CampaignKind, ...]
    left: int
    limit: int
    step = WizardStep.KIND


@dataclass(frozen=True)
class AskItems:
    """Choose items from the window (the chosen ones are in the draft)."""

    draft: WizardDraft
    window: tuple[Item, ...]
    limit: int
    step = WizardStep.ITEMS


@dataclass(frozen=True)
class AskAudience:
    """Whom to reach: `modes` of "all", "tags", "none"; `discovery` for non-followers."""

    draft: WizardDraft
    modes: tuple[rules.AudienceMode, ...]
    discovery: bool
    step = WizardStep.AUDIENCE


@dataclass(frozen=True)
class AskTags:
    """Choose the interest tags of the segment from those offered."""

    draft: WizardDraft
    offered: tuple[str, ...]
    step = WizardStep.TAGS


@dataclass(frozen=True)
class AskSchedule:
    """When: `options` of "now", "at", "daily", "weekly"."""

    draft: WizardDraft
    options: tuple[rules.ScheduleChoice, ...]
    step = WizardStep.SCHEDULE


@dataclass(frozen=True)
class AskTime:
    """Type a time: `mode` "at", "daily", "weekly" or "opens" (when a pre-sale opens)."""

    draft: WizardDraft
    mode: str
    step = WizardStep.TIME


@dataclass(frozen=True)
class Preview:
    """The campaign as it would go out, and whether it can be confirmed."""

    draft: WizardDraft
    campaign: Draft
    items: tuple[Item, ...]
    audience_size: int
    nobody: AudienceFunnel | None  # why nobody can get it now (pushes only)
    pointless: bool  # sent now to nobody, a push-only campaign would do nothing: no Confirm
    push_only: bool
    expert_handle: str
    step = WizardStep.PREVIEW


@dataclass(frozen=True)
class Confirmed:
    """The campaign is stored and started (`now`) or scheduled; a headline says its pin."""

    campaign: Campaign
    now: bool
    pinned: Item | None


Screen = AskKind | AskItems | AskAudience | AskTags | AskSchedule | AskTime | Preview


async def _ask_items(uow: Repositories, expert: Expert, draft: WizardDraft) -> AskItems:
    window, _ = await uow.items.window(expert.id, offset=0, limit=WINDOW_ITEMS_SHOWN)
    if not window:
        raise DomainError("campaign.no_items")
    return AskItems(draft, tuple(window), MAX_ITEMS)


def _ask_audience(draft: WizardDraft) -> AskAudience:
    kind = draft.chosen_kind()
    return AskAudience(draft, rules.audience_modes(kind), kind in DISCOVERY_KINDS)


def _ask_tags(expert: Expert, draft: WizardDraft) -> AskTags:
    return AskTags(draft, rules.offered_tags(expert.vertical, expert.tags))


def _ask_schedule(draft: WizardDraft) -> AskSchedule | AskTime:
    options = rules.schedule_options(draft.chosen_kind())
    if not options:  # a pre-sale is announced now; the expert says when it opens
        return AskTime(replace(draft, when="opens"), "opens")
    return AskSchedule(draft, options)


async def _preview(
    uow: Repositories,
    services: Services,
    expert: Expert,
    draft: WizardDraft,
    tz: str,
    now: datetime,
) -> Preview:
    campaign = draft.ready()
    kind = draft.chosen_kind()
    # That day may be full (a time typed for a later day): said now, not after Confirm.
    (await quota_in(uow, services.settings, expert.id, tz, campaign.starts_at)).require()
    audience = audience_of(expert, kind, campaign.tags)
    size = await uow.campaigns.audience_size(audience) if campaign.push else 0
    nobody = None
    if campaign.push and not size:
        cap = services.settings.delivery.pushes_per_fan_per_day
        nobody = await audience_funnel(uow, audience, now=now, platform_cap=cap)
    items = [await uow.items.get(item_id) for item_id in campaign.item_ids]
    return Preview(
        draft=draft,
        campaign=campaign,
        items=tuple(item for item in items if item is not None),
        audience_size=size,
        nobody=nobody,
        pointless=nobody is not None and kind in PUSH_ONLY_KINDS and draft.when == "now",
        push_only=kind in PUSH_ONLY_KINDS,
        expert_handle=expert.handle,
    )


async def start_wizard(services: Services, *, user_id: int, tz: str, now: datetime) -> AskKind:
    """/campaign: only a verified expert with a campaign left today starts one."""
    async with services.unit_of_work() as uow:
        expert = await active_expert(uow, user_id)
        quota = await quota_in(uow, services.settings, expert.id, tz, now)
    if not quota.allowed:  # said now, not after the expert has prepared the whole campaign
        code = "campaign.none_left_today" if quota.limit else "campaign.switched_off"
        raise DomainError(code, limit=quota.limit, resets_at=quota.resets_at)
    return AskKind(WizardDraft(), rules.KINDS, quota.remaining, quota.limit)


async def choose_kind(
    services: Services, *, user_id: int, draft: WizardDraft, kind: str
) -> AskItems | AskAudience:
    """The kind chosen: an account recommendation needs no items, the others choose them."""
    chosen = replace(draft, kind=rules.campaign_kind(kind), item_ids=(), tags=())
    async with services.unit_of_work() as uow:
        expert = await active_expert(uow, user_id)
        if chosen.chosen_kind() in ITEMLESS_KINDS:
            return _ask_audience(chosen)
        return await _ask_items(uow, expert, chosen)


async def toggle_item(
    services: Services, *, user_id: int, draft: WizardDraft, item_id: int
) -> AskItems:
    """Add an item of the expert's own listed window to the campaign, or take it out."""
    async with services.unit_of_work() as uow:
        expert = await active_expert(uow, user_id)
        item = await uow.items.get(item_id)
        if item is None or item.expert_id != expert.id or not item.available:
            raise DomainError("campaign.stale")
        chosen = rules.toggle_item(draft.item_ids, item.id, draft.chosen_kind())
        return await _ask_items(uow, expert, replace(draft, item_ids=chosen))


async def items_done(
    services: Services, *, user_id: int, draft: WizardDraft
) -> AskItems | AskAudience:
    """Done with items: on to the audience, or the items again while none is chosen."""
    async with services.unit_of_work() as uow:
        expert = await active_expert(uow, user_id)
        if not draft.item_ids:
            return await _ask_items(uow, expert, draft)
        return _ask_audience(draft)


async def choose_audience(
    services: Services, *, user_id: int, draft: WizardDraft, mode: str
) -> AskTags | AskSchedule | AskTime:
    """Everyone of the audience, a tag segment, or (headline, account) no push at all."""
    if mode not in rules.audience_modes(draft.chosen_kind()):
        raise DomainError("campaign.stale")
    chosen = replace(draft, push=mode != "none", tags=())
    async with services.unit_of_work() as uow:
        expert = await active_expert(uow, user_id)
        return _ask_tags(expert, chosen) if mode == "tags" else _ask_schedule(chosen)


async def toggle_tag(services: Services, *, user_id: int, draft: WizardDraft, tag: str) -> AskTags:
    """Add an offered interest tag to the segment or take it out (others are refused)."""
    async with services.unit_of_work() as uow:
        expert = await active_expert(uow, user_id)
        offered = rules.offered_tags(expert.vertical, expert.tags)
        return _ask_tags(expert, replace(draft, tags=rules.toggle_tag(draft.tags, tag, offered)))


async def tags_done(
    services: Services, *, user_id: int, draft: WizardDraft
) -> AskTags | AskSchedule | AskTime:
    """Done with tags: on to the schedule, or the tags again while none is chosen."""
    async with services.unit_of_work() as uow:
        expert = await active_expert(uow, user_id)
        return _ask_schedule(draft) if draft.tags else _ask_tags(expert, draft)


async def choose_schedule(
    services: Services, *, user_id: int, draft: WizardDraft, when: str, tz: str, now: datetime
) -> AskTime | Preview:
    """Now goes straight to the preview; the others ask for a time."""
    if when not in rules.schedule_options(draft.chosen_kind()):
        raise DomainError("campaign.stale")
    if when != "now":
        return AskTime(replace(draft, when=when), when)
    chosen = replace(draft, when=when, starts_at=now, recurrence=None, opens_at=None)
    async with services.unit_of_work() as uow:
        expert = await active_expert(uow, user_id)
        return await _preview(uow, services, expert, chosen, tz, now)


async def type_time(
    services: Services, *, user_id: int, draft: WizardDraft, text: str, tz: str, now: datetime
) -> Preview:
    """The time typed in the expert's zone; a pre-sale is announced now and opens then."""
    opens = draft.when == "opens"
    when, recurrence = rules.parse_schedule(text, "at" if opens else draft.when or "at", tz, now)
    if opens:
        chosen = replace(draft, starts_at=now, opens_at=when, recurrence=None)
    else:
        chosen = replace(draft, starts_at=when, recurrence=recurrence, opens_at=None)
    async with services.unit_of_work() as uow:
        expert = await active_expert(uow, user_id)
        return await _preview(uow, services, expert, chosen, tz, now)


async def confirm_campaign(
    services: Services,
    runner: CampaignRunner,
    *,
    user_id: int,
    draft: WizardDraft,
    tz: str,
    chat_id: int | None,
    now: datetime,
) -> Confirmed:
    """Store the previewed campaign (flood rule checked again) and start or schedule it.

    The campaign is stored in one unit of work; starting it is the runtime's, after the commit
    (a run's fan-out commits on its own). A campaign that pushes starts through its start job,
    so the expert hears "starting" without waiting for a large fan-out; one without push (a
    headline's pin) is fired at once and its pin read back for the answer.
    """
    campaign_draft = draft.ready()
    async with services.unit_of_work(write=True) as uow:
        expert = await active_expert(uow, user_id)
        campaign = await store_campaign(
            uow,
            services.settings,
            expert_id=expert.id,
            tz=tz,
            draft=campaign_draft,
            progress_chat_id=chat_id,
        )
    starts_at = campaign.starts_at or now
    if starts_at > now + START_NOW_SLACK:
        runner.arm_start(campaign.id, starts_at)
        return Confirmed(campaign, now=False, pinned=None)
    if campaign_draft.push:
        runner.arm_start(campaign.id, now)
        return Confirmed(campaign, now=True, pinned=None)
    await runner.fire(campaign.id)
    async with services.unit_of_work() as uow:
        lead = await uow.items.get(campaign.item_ids[0]) if campaign.item_ids else None
    pinned = (
        lead
        if lead is not None and campaign.kind == CampaignKind.HEADLINE and lead.pinned_at(now)
        else None
    )
    return Confirmed(campaign, now=True, pinned=pinned)

"""A campaign's runs as the runtime drives them: fire, finish, re-arm at start, remind reservers.

These are the steps behind the jobs of bot/campaigns/jobs.py (which own the timing and the
Telegram side): each opens its own unit of work. Named exceptions to one transaction per step:
a run's fan-out commits on its own, after the run's checks and its kind's side effects
(`fire_run`); each digest-mode fan's digest is folded and committed on its own (`fold_digests`),
as the dispatcher commits each send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.campaigns.audience import audience_funnel, audience_of
from bot.campaigns.fanout import plan_fanout
from bot.domain.campaigns import (
    FIREABLE,
    HEADLINE_HOURS,
    dedup_prefix,
    next_occurrence,
    run_key,
)
from bot.domain.states import DEFAULT_LANGUAGE, CampaignKind, CampaignStatus, Language
from storage.repositories import Repositories
from storage.repositories.campaigns import AudienceFunnel, Campaign
from storage.repositories.items import Item

if TYPE_CHECKING:
    from bot.services import Services

RUN_PAYLOAD = "campaign"  # the outbox rows of a run render as campaign cards (bot/campaigns/cards)


@dataclass(frozen=True)
class ExpertContact:
    """Where and how to tell a campaign's expert: time zone, language, chat, handle."""

    timezone: str
    language: str
    chat_id: int | None
    handle: str


@dataclass(frozen=True)
class Rearmed:
    """What the database says is due or coming when the bot starts."""

    starts: tuple[tuple[int, datetime], ...]  # (campaign id, when) to fire
    missed: tuple[Campaign, ...]  # passed while the bot was down: tell their experts
    following: tuple[int, ...]  # running or paused: their progress messages go on
    presales: tuple[tuple[int, datetime], ...]  # (item id, opening) with reservers to remind


@dataclass(frozen=True)
class Reserver:
    """A fan who reserved a pre-sale item."""

    user_id: int
    telegram_id: int
    language: str


@dataclass(frozen=True)
class PresaleOpened:
    """A pre-sale that opened, and the reservers to remind (now marked reminded)."""

    item: Item
    campaign_id: int | None  # the pre-sale campaign that announced it (credited for Buy)
    buyable: bool
    reservers: tuple[Reserver, ...]


async def _contact(uow: Repositories, expert_id: int) -> ExpertContact:
    expert = await uow.experts.get(expert_id)
    user = await uow.users.get(expert.user_id) if expert else None
    if expert is None or user is None:
        return ExpertContact(uow.default_timezone, DEFAULT_LANGUAGE, None, "")
    return ExpertContact(user.timezone, user.language, user.telegram_id, expert.handle)


async def expert_contact(services: Services, expert_id: int) -> ExpertContact:
    """The campaign's expert's time zone, language, chat and handle."""
    async with services.unit_of_work() as uow:
        return await _contact(uow, expert_id)


async def campaign(services: Services, campaign_id: int) -> Campaign | None:
    """The campaign as it is now."""
    async with services.unit_of_work() as uow:
        return await uow.campaigns.get(campaign_id)


async def fire_run(
    services: Services, campaign_id: int, now: datetime, *, fired_by: str
) -> int | None:
    """Start a scheduled campaign's run: its checks and its kind's side effects, then the fan-out.

    Returns the rows written, or None when the campaign was not 'scheduled', or when another
    process (not `fired_by`) recorded this run first: each run fires once, under its key.
    A campaign whose expert is no longer verified, or with no listed item left, is cancelled.
    The checks and side effects (a headline's pin, a pre-sale's opening) commit first; the
    fan-out then commits on its own and moves the campaign to 'running' only if it is still
    'scheduled' (a pause or cancel in between wins).
    """
    async with services.unit_of_work(write=True) as uow:
        found = await uow.campaigns.get(campaign_id)
        if found is None or found.status not in FIREABLE:
            return None
        key = run_key(found.starts_at)
        if not await uow.campaigns.record_run(campaign_id, key, fired_by=fired_by, fired_at=now):
            return None  # another process fires this run (it is 'scheduled' until its fan-out)
        expert = await uow.experts.get(found.expert_id)
        fetched = [await uow.items.get(item_id) for item_id in found.item_ids]
        listed = [item for item in fetched if item is not None and item.available]
        if expert is None or not expert.is_active or (found.item_ids and not listed):
            await uow.campaigns.set_status(
                campaign_id, CampaignStatus.CANCELLED, only_from=FIREABLE
            )
            return None
        if found.kind == CampaignKind.HEADLINE and listed:
            until = now + timedelta(hours=HEADLINE_HOURS)
            await uow.items.set_pinned_until(listed[0].id, until)
        if found.kind == CampaignKind.PRESALE and listed:
            await uow.items.set_presale_opening(listed[0].id, found.ends_at or now)
        if not found.pushes:
            moved = await uow.campaigns.set_status(
                campaign_id,
                CampaignStatus.DONE,
                only_from=FIREABLE,
                started_at=now,
                finished_at=now,
                audience_size=0,
            )
            return 0 if moved else None
        audience = audience_of(expert, found.kind, found.tags)
    payload: dict[str, Any] = {"render": RUN_PAYLOAD, "campaign_id": found.id}
    written = await plan_fanout(
        services.repos.campaigns,
        campaign_id=found.id,
        audience=audience,
        payload=payload,
        # The run's scheduled time, not the firing's: a run fired again (adopted by a new
        # leader after midnight) keeps its keys, so no fan gets it twice.
        dedup_prefix=dedup_prefix(found.id, found.recurrence, found.starts_at or now),
        now=now,
        platform_cap=services.settings.delivery.pushes_per_fan_per_day,
    )
    return written


async def adopt_unfinished_runs(services: Services, firer: str) -> int:
    """At taking the lead: fire again, as `firer`, the runs whose firer died before they ran."""
    async with services.unit_of_work(write=True) as uow:
        return await uow.campaigns.adopt_unfinished_runs(firer)


async def finish_run(services: Services, campaign_id: int, now: datetime) -> Campaign | None:
    """A run has sent everything due: done, or scheduled again at its next occurrence."""
    async with services.unit_of_work(write=True) as uow:
        found = await uow.campaigns.get(campaign_id)
        if found is None:
            return None
        running = frozenset({CampaignStatus.RUNNING})
        if found.recurrence:
            zone = (await _contact(uow, found.expert_id)).timezone
            await uow.campaigns.set_status(
                found.id,
                CampaignStatus.SCHEDULED,
                only_from=running,
                starts_at=next_occurrence(found.recurrence, zone, now),
                finished_at=now,
            )
        else:
            await uow.campaigns.set_status(
                found.id, CampaignStatus.DONE, only_from=running, finished_at=now
            )
        return await uow.campaigns.get(found.id)


async def rearm(services: Services, now: datetime, grace: timedelta) -> Rearmed:
    """At start: what to arm, and the runs that passed while the bot was down.

    A scheduled run late by less than `grace` still starts; later than that, a recurring
    campaign skips to its next occurrence and a one-off one is marked 'missed'. Either way the
    expert is told (the campaigns returned in `missed` are as they were before).
    """
    starts: list[tuple[int, datetime]] = []
    missed: list[Campaign] = []
    async with services.unit_of_work(write=True) as uow:
        for found in await uow.campaigns.with_status(CampaignStatus.SCHEDULED):
            starts_at = found.starts_at or now
            if starts_at >= now or now - starts_at <= grace:
                starts.append((found.id, starts_at))
            elif found.recurrence:
                zone = (await _contact(uow, found.expert_id)).timezone
                next_at = next_occurrence(found.recurrence, zone, now)
                await uow.campaigns.update(found.id, starts_at=next_at)
                missed.append(found)
                starts.append((found.id, next_at))
            elif await uow.campaigns.set_status(
                found.id, CampaignStatus.MISSED, only_from=FIREABLE
            ):
                missed.append(found)
        live = await uow.campaigns.with_status(CampaignStatus.RUNNING, CampaignStatus.PAUSED)
        presales = await uow.reservations.presales_to_remind()
    return Rearmed(tuple(starts), tuple(missed), tuple(c.id for c in live), tuple(presales))


async def remember_progress_message(
    services: Services, campaign_id: int, chat_id: int, message_id: int
) -> None:
    """The message that shows the campaign's progress (edited as it sends)."""
    async with services.unit_of_work(write=True) as uow:
        await uow.campaigns.update(
            campaign_id, progress_chat_id=chat_id, progress_message_id=message_id
        )


async def campaign_counts(services: Services, campaign_id: int, now: datetime) -> dict[str, int]:
    """Rows of the campaign (all its runs) by status; 'later' counts queued rows not yet due."""
    async with services.unit_of_work() as uow:
        return await uow.outbox.campaign_counts(campaign_id, now)


async def run_counts(services: Services, found: Campaign, now: datetime) -> dict[str, int]:
    """Rows of the campaign's current run by status (a recurring run counts its own only)."""
    async with services.unit_of_work() as uow:
        if found.recurrence and found.started_at is not None:
            return await uow.campaigns.run_counts(found.id, found.started_at, now)
        return await uow.outbox.campaign_counts(found.id, now)


async def why_nobody(services: Services, found: Campaign, at: datetime) -> AudienceFunnel | None:
    """The campaign's audience rule by rule at `at` (None if its expert is gone)."""
    async with services.unit_of_work() as uow:
        expert = await uow.experts.get(found.expert_id)
        if expert is None:
            return None
        cap = services.settings.delivery.pushes_per_fan_per_day
        audience = audience_of(expert, found.kind, found.tags)
        return await audience_funnel(uow, audience, now=at, platform_cap=cap)


async def take_presale_reminders(
    services: Services, item_id: int, now: datetime
) -> PresaleOpened | None:
    """The item's pre-sale opened: its reservers not yet reminded, marked reminded."""
    async with services.unit_of_work(write=True) as uow:
        item = await uow.items.get(item_id)
        if item is None:
            return None
        campaign_id = await uow.campaigns.presale_campaign_of(item_id)
        reservers = []
        for user_id, telegram_id in await uow.reservations.take_unreminded(item_id, now):
            user = await uow.users.get(user_id)
            language = user.language if user is not None else Language.ZH_HANS
            reservers.append(Reserver(user_id, telegram_id, language))
    return PresaleOpened(item, campaign_id, item.available and not item.sold_out, tuple(reservers))


async def fold_digests(services: Services, now: datetime) -> int:
    """Fold each digest-mode fan's due pushes into one digest message; return how many."""
    async with services.unit_of_work() as uow:
        rows = await uow.outbox.due_digest_rows(now)
    by_fan: dict[tuple[int | None, int | None], list[tuple[int, int | None]]] = {}
    for row_id, fan_id, campaign_id, fan_chat in rows:
        by_fan.setdefault((fan_id, fan_chat), []).append((row_id, campaign_id))
    folded = 0
    for (user_id, chat_id), entries in by_fan.items():
        campaign_ids = sorted({c for _, c in entries if c is not None})
        digest_row = {
            "kind": "digest",
            "chat_id": chat_id,
            "user_id": user_id,
            "payload": {"render": "digest", "campaign_ids": campaign_ids},
            "dedup_key": f"digest:u{user_id}:{now:%Y%m%d%H}",
        }
        async with services.unit_of_work(write=True) as uow:
            folded += await uow.outbox.fold_into_digest([r for r, _ in entries], digest_row, now)
    return folded

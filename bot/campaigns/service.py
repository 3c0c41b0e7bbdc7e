"""An expert's campaigns, one use case per function: create, the day's quota, list, pause, resume,
cancel.

Each takes plain values, opens one unit of work (`services.unit_of_work`), applies the rules of
bot/domain/campaigns.py and returns a result dataclass, or raises DomainError. What happens in
time is the campaign runtime's (bot/campaigns/jobs.py): firing a run, arming a start, waking the
dispatcher, editing the live progress message. The use cases ask it through `CampaignRunner`,
after their unit of work has committed (the runtime reads and writes on its own connections).
The /campaign wizard's use cases are in bot/campaigns/wizard.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from bot.domain.campaigns import (
    CANCELLABLE,
    COUNTED_STATUSES,
    PAUSABLE,
    PUSH_ONLY_KINDS,
    RESUMABLE,
    CampaignAction,
    allowed_actions,
    campaign_end,
    campaign_kind,
    resumed_status,
)
from bot.domain.errors import DomainError
from bot.domain.push_rules import QuotaResult, expert_campaign_quota, fan_day_bounds, zone_of
from bot.domain.states import CampaignStatus, ProfileStatus
from storage.repositories import Repositories
from storage.repositories.campaigns import Campaign
from storage.repositories.experts import Expert

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.services import Services

LISTED = 8  # campaigns /campaigns shows, newest first


class CampaignRunner(Protocol):
    """What the use cases ask of the campaign runtime: timing and the live progress message."""

    async def fire(self, campaign_id: int) -> int | None:
        """Start the campaign's run now (fan-out, progress message); None if it was not due."""
        ...

    def arm_start(self, campaign_id: int, when: datetime) -> None:
        """Fire the campaign at `when` (at once if that has passed)."""
        ...

    def wake(self) -> None:
        """Tell the dispatcher that messages may be due (a campaign resumed)."""
        ...

    async def refresh_progress(self, campaign_id: int) -> None:
        """Show the campaign's current status on its progress message."""
        ...


@dataclass(frozen=True)
class Draft:
    """A campaign ready to be stored: what the /campaign wizard collected."""

    kind: str
    item_ids: tuple[int, ...]
    tags: tuple[str, ...]
    push: bool  # headline/account may pin or promote without pushing
    starts_at: datetime
    recurrence: str | None  # "daily HH:MM" | "weekly <0-6> HH:MM"
    opens_at: datetime | None = None  # pre-sale: when the item opens


@dataclass(frozen=True)
class ListedCampaign:
    """One line of /campaigns: the campaign, its rows by status, and its buttons."""

    campaign: Campaign
    counts: Mapping[str, int]
    actions: tuple[CampaignAction, ...]


@dataclass(frozen=True)
class CampaignList:
    """The expert's latest campaigns, newest first."""

    entries: tuple[ListedCampaign, ...]


@dataclass(frozen=True)
class Steered:
    """After Pause, Resume or Cancel: whether the campaign moved, and the list as it is now."""

    changed: bool
    listing: CampaignList


def now_utc() -> datetime:
    """The current instant (one place, so tests read clearly)."""
    return datetime.now(UTC)


def local_formatter(tz: str) -> Callable[[datetime | None], str]:
    """A function templates call to show a UTC instant as the reader's local "YYYY-MM-DD HH:MM"."""
    zone = zone_of(tz)

    def local(moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    return local


# --- inside a unit of work: the steps the use cases share ---------------------------------


async def active_expert(uow: Repositories, user_id: int) -> Expert:
    """The user's verified expert profile; DomainError("expert.not_allowed") says why not.

    Its params: `status` ("none" without a profile) and the admins' `reason` for a suspension.
    """
    expert = await uow.experts.by_user(user_id)
    if expert is not None and expert.is_active:
        return expert
    suspended = expert is not None and expert.status == ProfileStatus.SUSPENDED
    raise DomainError(
        "expert.not_allowed",
        status=expert.status if expert is not None else "none",
        reason=(expert.reject_reason or "") if expert is not None and suspended else "",
    )


async def quota_in(
    uow: Repositories, settings: Settings, expert_id: int, tz: str, at: datetime
) -> QuotaResult:
    """Whether the expert may start another campaign on the local day of `at`.

    A push-only campaign that went out and reached nobody gives its slot back.
    """
    day_start, day_end = fan_day_bounds(tz, at)
    used = await uow.campaigns.count_on_day(
        expert_id,
        day_start,
        day_end,
        statuses=COUNTED_STATUSES,
        free_when_empty=PUSH_ONLY_KINDS,
    )
    return expert_campaign_quota(used, settings.delivery.campaigns_per_day, tz, at)


async def store_campaign(
    uow: Repositories,
    settings: Settings,
    *,
    expert_id: int,
    tz: str,
    draft: Draft,
    progress_chat_id: int | None,
) -> Campaign:
    """Store a confirmed campaign, scheduled; DomainError past the flood rule or a bad draft."""
    kind = campaign_kind(draft.kind)
    (await quota_in(uow, settings, expert_id, tz, draft.starts_at)).require()
    return await uow.campaigns.create(
        expert_id=expert_id,
        kind=kind,
        item_ids=list(draft.item_ids),
        audience={"tags": list(draft.tags), "push": draft.push},
        starts_at=draft.starts_at,
        recurrence=draft.recurrence,
        progress_chat_id=progress_chat_id,
        ends_at=campaign_end(kind, draft.starts_at, draft.opens_at),
    )


async def _owned(uow: Repositories, user_id: int, campaign_id: int) -> tuple[Expert, Campaign]:
    """The presser's expert profile and their campaign; DomainError("campaign.stale") if not theirs."""
    expert = await uow.experts.by_user(user_id)
    campaign = await uow.campaigns.get(campaign_id)
    if expert is None or campaign is None or campaign.expert_id != expert.id:
        raise DomainError("campaign.stale")
    return expert, campaign


async def _listing(uow: Repositories, expert_id: int) -> CampaignList:
    campaigns = await uow.campaigns.for_expert(expert_id, limit=LISTED)
    return CampaignList(
        tuple(
            [
                ListedCampaign(c, await uow.outbox.campaign_counts(c.id), allowed_actions(c.status))
                for c in campaigns
            ]
        )
    )


# --- the use cases ----------------------------------------------------------------------------


async def campaign_quota(
    services: Services, *, expert_id: int, tz: str, at: datetime
) -> QuotaResult:
    """How many campaigns the expert may still start on the local day of `at`."""
    async with services.unit_of_work() as uow:
        return await quota_in(uow, services.settings, expert_id, tz, at)


async def create_campaign(
    services: Services, *, expert_id: int, tz: str, draft: Draft, progress_chat_id: int | None
) -> Campaign:
    """Store a campaign as Confirm does, without starting it (the start job or `fire` does).

    DomainError("campaign.daily_limit") past the flood rule, "campaign.bad_kind",
    "campaign.presale_time".
    """
    async with services.unit_of_work(write=True) as uow:
        return await store_campaign(
            uow,
            services.settings,
            expert_id=expert_id,
            tz=tz,
            draft=draft,
            progress_chat_id=progress_chat_id,
        )


async def list_campaigns(services: Services, *, user_id: int) -> CampaignList:
    """/campaigns: the expert's latest campaigns with the actions each allows.

    DomainError("expert.not_allowed") unless the user is a verified expert.
    """
    async with services.unit_of_work() as uow:
        expert = await active_expert(uow, user_id)
        return await _listing(uow, expert.id)


async def ask_cancel(services: Services, *, user_id: int, campaign_id: int) -> Campaign:
    """The campaign whose Cancel was pressed, to ask whether to cancel it; it must be theirs."""
    async with services.unit_of_work() as uow:
        _, campaign = await _owned(uow, user_id, campaign_id)
        return campaign


async def pause_campaign(
    services: Services, runner: CampaignRunner, *, user_id: int, campaign_id: int
) -> Steered:
    """Hold the presser's running or scheduled campaign (its queued messages wait)."""
    async with services.unit_of_work(write=True) as uow:
        expert, campaign = await _owned(uow, user_id, campaign_id)
        changed = await uow.campaigns.set_status(
            campaign.id, CampaignStatus.PAUSED, only_from=PAUSABLE
        )
        listing = await _listing(uow, expert.id)
    await runner.refresh_progress(campaign_id)
    return Steered(changed, listing)


async def resume_campaign(
    services: Services, runner: CampaignRunner, *, user_id: int, campaign_id: int
) -> Steered:
    """Resume the presser's paused campaign: sending again, or scheduled for its start.

    DomainError("campaign.expert_inactive") when the expert is not verified (a suspended
    expert's campaigns stay paused).
    """
    async with services.unit_of_work(write=True) as uow:
        expert, campaign = await _owned(uow, user_id, campaign_id)
        if not expert.is_active:
            raise DomainError("campaign.expert_inactive")
        status = resumed_status(started=campaign.started_at is not None)
        changed = await uow.campaigns.set_status(campaign.id, status, only_from=RESUMABLE)
        listing = await _listing(uow, expert.id)
    if changed:
        runner.wake()
        if status == CampaignStatus.SCHEDULED and campaign.starts_at is not None:
            runner.arm_start(campaign.id, campaign.starts_at)
    await runner.refresh_progress(campaign_id)
    return Steered(changed, listing)


async def cancel_campaign(
    services: Services, runner: CampaignRunner, *, user_id: int, campaign_id: int, now: datetime
) -> Steered:
    """Stop the presser's campaign for good: its unsent messages are dropped with it."""
    async with services.unit_of_work(write=True) as uow:
        expert, campaign = await _owned(uow, user_id, campaign_id)
        changed = await uow.campaigns.set_status(
            campaign.id, CampaignStatus.CANCELLED, only_from=CANCELLABLE, finished_at=now
        )
        if changed:
            await uow.outbox.drop_campaign(campaign.id)
        listing = await _listing(uow, expert.id)
    await runner.refresh_progress(campaign_id)
    return Steered(changed, listing)

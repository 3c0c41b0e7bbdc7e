"""Campaign rules: the flood quota, firing a run (kind side effects + fan-out), pause/resume/cancel."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from bot.campaigns.audience import PUSH_ONLY_KINDS, audience_funnel
from bot.campaigns.fanout import plan_fanout
from bot.domain.errors import DomainError
from bot.domain.push_rules import (
    QuotaResult,
    expert_campaign_quota,
    fan_day_bounds,
    wall_to_utc,
    zone_of,
)
from bot.domain.verticals import tags_of_vertical
from storage.repositories import Repositories
from storage.repositories.campaigns import Audience, AudienceFunnel, Campaign

log = logging.getLogger(__name__)

KINDS = ("push", "headline", "passerby", "account", "presale", "auto")
DISCOVERY_KINDS = ("passerby", "account")
HEADLINE_HOURS = 24
ACCOUNT_RECOMMENDATION_DAYS = 7
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Draft:
    """What the /campaign conversation collected."""

    kind: str
    item_ids: tuple[int, ...]
    tags: tuple[str, ...]
    push: bool  # headline/account may pin or promote without pushing
    starts_at: datetime
    recurrence: str | None  # "daily HH:MM" | "weekly <0-6> HH:MM"
    opens_at: datetime | None = None  # pre-sale: when the item opens


def next_occurrence(recurrence: str, tz: str, after: datetime) -> datetime:
    """The first instant strictly after `after` matching a recurrence in the expert's zone."""
    parts = recurrence.split()
    hour, minute = (int(x) for x in parts[-1].split(":"))
    zone = zone_of(tz)
    day = after.astimezone(zone).date()
    for offset in range(0, 9):
        candidate_day = day + timedelta(days=offset)
        if parts[0] == "weekly" and candidate_day.weekday() != int(parts[1]):
            continue
        moment = wall_to_utc(candidate_day, time(hour, minute), zone)
        if moment > after:
            return moment
    raise ValueError(f"no occurrence of {recurrence!r}")


def dedup_prefix(campaign: Campaign, now: datetime) -> str:
    """ "c<id>:u" for one-off campaigns; recurring runs add the run's date so each run reaches fans."""
    if campaign.recurrence:
        return f"c{campaign.id}:{now:%Y%m%d}:u"
    return f"c{campaign.id}:u"


class CampaignService:
    """Creates, fires and steers campaigns; the scheduler and the handlers call it."""

    def __init__(
        self, repos: Repositories, *, campaigns_per_day: int, pushes_per_fan_per_day: int
    ) -> None:
        self.repos = repos
        self.campaigns_per_day = campaigns_per_day
        self.pushes_per_fan_per_day = pushes_per_fan_per_day

    async def quota(self, expert_id: int, tz: str, at: datetime) -> QuotaResult:
        """Whether the expert may start another campaign on the local day of `at`.

        A push-only campaign that went out and reached nobody gives its slot back.
        """
        day_start, day_end = fan_day_bounds(tz, at)
        used = await self.repos.campaigns.count_on_day(
            expert_id, day_start, day_end, free_when_empty=PUSH_ONLY_KINDS
        )
        return expert_campaign_quota(used, self.campaigns_per_day, tz, at)

    async def funnel(
        self, campaign: Campaign | Draft, expert_id: int, now: datetime
    ) -> AudienceFunnel:
        """Who of the campaign's audience each push rule keeps (why it reaches nobody)."""
        return await audience_funnel(
            self.repos,
            await self.audience_of(campaign, expert_id),
            now=now,
            platform_cap=self.pushes_per_fan_per_day,
        )

    async def audience_of(self, campaign: Campaign | Draft, expert_id: int) -> Audience:
        """Who the campaign reaches (discovery kinds default to the expert's vertical's tags)."""
        expert = await self.repos.experts.get(expert_id)
        if expert is None:
            raise DomainError("campaign.no_expert")
        kind = campaign.kind
        tags = (
            tuple(campaign.audience.get("tags", ()))
            if isinstance(campaign, Campaign)
            else campaign.tags
        )
        discovery = kind in DISCOVERY_KINDS
        if discovery and not tags:
            tags = tuple(dict.fromkeys((*tags_of_vertical(expert.vertical), *expert.tags)))
        return Audience(expert.id, expert.user_id, discovery, tags)

    async def create(
        self, expert_id: int, tz: str, draft: Draft, progress_chat_id: int
    ) -> Campaign:
        """Store a confirmed campaign; DomainError("campaign.daily_limit") past the flood rule."""
        if draft.kind not in KINDS:
            raise DomainError("campaign.bad_kind", kind=draft.kind)
        (await self.quota(expert_id, tz, draft.starts_at)).require()
        ends_at = None
        if draft.kind == "account":
            ends_at = draft.starts_at + timedelta(days=ACCOUNT_RECOMMENDATION_DAYS)
        if draft.kind == "presale":
            if draft.opens_at is None or draft.opens_at <= draft.starts_at:
                raise DomainError("campaign.presale_time")
            ends_at = draft.opens_at
        return await self.repos.campaigns.create(
            expert_id=expert_id,
            kind=draft.kind,
            item_ids=list(draft.item_ids),
            audience={"tags": list(draft.tags), "push": draft.push},
            starts_at=draft.starts_at,
            recurrence=draft.recurrence,
            progress_chat_id=progress_chat_id,
            ends_at=ends_at,
        )

    async def fire(self, campaign_id: int, now: datetime) -> int | None:
        """Start a scheduled campaign run: side effects of its kind, then the fan-out.

        Returns the rows written, or None when the campaign was not 'scheduled' (fired once).
        """
        campaign = await self.repos.campaigns.get(campaign_id)
        if campaign is None or campaign.status != "scheduled":
            return None
        expert = await self.repos.experts.get(campaign.expert_id)
        if expert is None or not expert.is_active:
            await self.repos.campaigns.set_status(
                campaign_id, "cancelled", only_from=("scheduled",)
            )
            return None
        listed = [
            i
            for i in [await self.repos.items.get(x) for x in campaign.item_ids]
            if i and i.available
        ]
        if campaign.item_ids and not listed:  # every item was delisted or suspended meanwhile
            await self.repos.campaigns.set_status(
                campaign_id, "cancelled", only_from=("scheduled",)
            )
            return None
        if campaign.kind == "headline" and listed:
            await self.repos.campaigns.pin_item(listed[0].id, now + timedelta(hours=HEADLINE_HOURS))
        if campaign.kind == "presale" and listed:
            await self.repos.campaigns.open_presale(listed[0].id, campaign.ends_at or now)
        if not campaign.audience.get("push", True):
            moved = await self.repos.campaigns.set_status(
                campaign_id,
                "done",
                only_from=("scheduled",),
                started_at=now,
                finished_at=now,
                audience_size=0,
            )
            return 0 if moved else None
        payload: dict[str, Any] = {"render": "campaign", "campaign_id": campaign.id}
        written = await plan_fanout(
            self.repos.campaigns,
            campaign_id=campaign.id,
            audience=await self.audience_of(campaign, expert.id),
            payload=payload,
            dedup_prefix=dedup_prefix(campaign, now),
            now=now,
            platform_cap=self.pushes_per_fan_per_day,
        )
        return None if written < 0 else written

    async def finish_run(self, campaign: Campaign, now: datetime, tz: str) -> Campaign | None:
        """A run has sent everything due: done, or scheduled again at the next occurrence."""
        if campaign.recurrence:
            next_at = next_occurrence(campaign.recurrence, tz, now)
            await self.repos.campaigns.set_status(
                campaign.id, "scheduled", only_from=("running",), starts_at=next_at, finished_at=now
            )
        else:
            await self.repos.campaigns.set_status(
                campaign.id, "done", only_from=("running",), finished_at=now
            )
        return await self.repos.campaigns.get(campaign.id)

    async def pause(self, campaign_id: int) -> bool:
        """Hold a running or scheduled campaign (its queued messages wait)."""
        return await self.repos.campaigns.set_status(
            campaign_id, "paused", only_from=("running", "scheduled")
        )

    async def resume(self, campaign_id: int) -> str | None:
        """Resume a paused campaign; returns the status it resumed to.

        DomainError("campaign.expert_inactive") when its expert is not verified (e.g. suspended).
        """
        campaign = await self.repos.campaigns.get(campaign_id)
        if campaign is None or campaign.status != "paused":
            return None
        expert = await self.repos.experts.get(campaign.expert_id)
        if expert is None or not expert.is_active:
            raise DomainError("campaign.expert_inactive")
        status = "running" if campaign.started_at is not None else "scheduled"
        moved = await self.repos.campaigns.set_status(campaign_id, status, only_from=("paused",))
        return status if moved else None

    async def cancel(self, campaign_id: int, now: datetime) -> bool:
        """Stop a campaign for good: its unsent messages are dropped."""
        moved = await self.repos.campaigns.set_status(
            campaign_id, "cancelled", only_from=("scheduled", "running", "paused"), finished_at=now
        )
        if moved:
            await self.repos.outbox.drop_campaign(campaign_id)
        return moved


def now_utc() -> datetime:
    """The current instant (one place, so tests read clearly)."""
    return datetime.now(UTC)


def parse_schedule(text: str, mode: str, tz: str, now: datetime) -> tuple[datetime, str | None]:
    """(first start, recurrence) from what the expert typed, in their time zone.

    mode "at": "HH:MM" (the next such time) or "YYYY-MM-DD HH:MM"; "daily": "HH:MM";
    "weekly": "<mon..sun> HH:MM". DomainError("campaign.bad_time") otherwise or if in the past.
    """
    import re

    words = text.strip().lower().split()
    bad = DomainError("campaign.bad_time", text=text[:40])
    clock = re.fullmatch(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", words[-1]) if words else None
    if clock is None:
        raise bad
    hhmm = f"{int(clock.group(1)):02d}:{clock.group(2)}"
    zone = zone_of(tz)
    if mode == "daily" and len(words) == 1:
        recurrence = f"daily {hhmm}"
        return next_occurrence(recurrence, tz, now), recurrence
    if mode == "weekly" and len(words) == 2 and words[0][:3] in WEEKDAYS:
        recurrence = f"weekly {WEEKDAYS.index(words[0][:3])} {hhmm}"
        return next_occurrence(recurrence, tz, now), recurrence
    if mode == "at" and len(words) == 1:
        return next_occurrence(f"daily {hhmm}", tz, now), None
    if mode == "at" and len(words) == 2:
        try:
            day = datetime.strptime(words[0], "%Y-%m-%d").date()
        except ValueError:
            raise bad from None
        moment = wall_to_utc(day, time(int(clock.group(1)), int(clock.group(2))), zone)
        if moment <= now:
            raise DomainError("campaign.time_passed", text=text[:40])
        return moment, None
    raise bad


def local_formatter(tz: str):  # type: ignore[no-untyped-def]
    """A function templates call to show a UTC instant as the reader's local "YYYY-MM-DD HH:MM"."""
    zone = zone_of(tz)

    def local(moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    return local

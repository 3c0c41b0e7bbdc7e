"""Who a campaign reaches, and why it reaches nobody: the audience rule by rule."""

from __future__ import annotations

from datetime import datetime

from bot.campaigns.fanout import fan_timing
from bot.domain.campaigns import DISCOVERY_KINDS, expert_tags
from bot.domain.states import CampaignKind
from storage.repositories import Repositories
from storage.repositories.campaigns import Audience, AudienceFunnel
from storage.repositories.experts import Expert


def audience_of(expert: Expert, kind: CampaignKind, tags: tuple[str, ...]) -> Audience:
    """The fans a campaign of `kind` with interest `tags` is for.

    Followers, or for the discovery kinds the fans who agreed to discover new experts; those
    default to the expert's vertical's and own tags when none were chosen.
    """
    discovery = kind in DISCOVERY_KINDS
    if discovery and not tags:
        tags = expert_tags(expert.vertical, expert.tags)
    return Audience(expert.id, expert.user_id, discovery, tags)


async def audience_funnel(
    uow: Repositories, audience: Audience, *, now: datetime, platform_cap: int
) -> AudienceFunnel:
    """The audience after each push rule, with each instant fan's cap day as the fan-out sees it."""
    quiet, _ = await uow.campaigns.audience_combinations(audience)
    timings = [fan_timing(tz, start, end, now) for tz, start, end in quiet]
    return await uow.campaigns.audience_funnel(audience, timings, platform_cap, now)

"""Why a campaign reaches nobody: the audience rule by rule, with the fan-out's own cap days."""

from __future__ import annotations

from datetime import datetime

from bot.campaigns.fanout import fan_timing
from storage.repositories import Repositories
from storage.repositories.campaigns import Audience, AudienceFunnel

# Kinds whose only effect is the push: when it reaches nobody, nothing happened at all, so the
# campaign gives its daily slot back. Headline, pre-sale and account recommendation still pin,
# open or promote without anyone being pushed.
PUSH_ONLY_KINDS = ("push", "passerby", "auto")


async def audience_funnel(
    repos: Repositories, audience: Audience, *, now: datetime, platform_cap: int
) -> AudienceFunnel:
    """The audience after each push rule, with each instant fan's cap day as the fan-out sees it."""
    quiet, _ = await repos.campaigns.audience_combinations(audience)
    timings = [fan_timing(tz, start, end, now) for tz, start, end in quiet]
    return await repos.campaigns.audience_funnel(audience, timings, platform_cap, now)

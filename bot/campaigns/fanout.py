"""Planning a fan-out: the push rules evaluated once per distinct fan setting, then one SQL write.

`plan_fanout` mirrors bot/domain/push_rules.plan_delivery for a whole audience: it evaluates
quiet hours, cap days and digest times with the domain functions for each distinct combination
of (time zone, quiet hours) and (time zone, digest hour) present in the audience, and the
repository applies them to every fan with INSERT … SELECT, one range of fans per transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from typing import Any

from bot.domain.errors import DomainError
from bot.domain.push_rules import (
    DEFAULT_TZ,
    FanPushSettings,
    fan_day_bounds,
    next_digest_time,
    next_send_time,
)
from storage.repositories.campaigns import (
    Audience,
    CampaignRepository,
    DigestTiming,
    FanTiming,
)
from storage.repositories.fanout import FANOUT_CHUNK_FANS


def _minutes_to_time(minutes: int) -> time:
    return time((minutes // 60) % 24, minutes % 60)


def _zone_or_default(tz: str) -> str:
    try:
        FanPushSettings(tz=tz)
    except DomainError:
        return DEFAULT_TZ
    return tz


def fan_timing(tz: str, quiet_start_min: int, quiet_end_min: int, now: datetime) -> FanTiming:
    """When a push planned `now` reaches a fan with these settings, and the cap day it counts in."""
    rules = FanPushSettings(
        tz=_zone_or_default(tz),
        quiet_start=_minutes_to_time(quiet_start_min),
        quiet_end=_minutes_to_time(quiet_end_min),
    )
    send_at = next_send_time(rules, now)
    day_start, day_end = fan_day_bounds(rules.tz, send_at)
    return FanTiming(tz, quiet_start_min, quiet_end_min, send_at, day_start, day_end)


def digest_timing(tz: str, digest_hour: int, now: datetime) -> DigestTiming:
    """When the digest of a fan with these settings next goes out."""
    rules = FanPushSettings(tz=_zone_or_default(tz), digest_hour=min(max(digest_hour, 0), 23))
    return DigestTiming(tz, digest_hour, next_digest_time(rules, now))


async def plan_fanout(
    repo: CampaignRepository,
    *,
    campaign_id: int,
    audience: Audience,
    payload: Mapping[str, Any],
    dedup_prefix: str,
    now: datetime,
    platform_cap: int,
    mark_running: bool = True,
    chunk_fans: int = FANOUT_CHUNK_FANS,
) -> int | None:
    """Write the outbox rows of a campaign run; None if the campaign was no longer scheduled.

    The rows are written `chunk_fans` fans per transaction (CampaignRepository.fan_out).
    """
    quiet, digest = await repo.audience_combinations(audience)
    return await repo.fan_out(
        campaign_id=campaign_id,
        audience=audience,
        payload=payload,
        dedup_prefix=dedup_prefix,
        now=now,
        fan_timings=[fan_timing(tz, qs, qe, now) for tz, qs, qe in quiet],
        digest_timings=[digest_timing(tz, hour, now) for tz, hour in digest],
        platform_cap=platform_cap,
        mark_running=mark_running,
        chunk_fans=chunk_fans,
    )

"""Who a campaign reaches: the audience of followers or consenting fans, and why it shrinks.

`Audience` names the fans a campaign is meant for; the conditions on them (reachable, push mode
not off, not muted, interests) are written once here, for the fan-out (storage/repositories/
fanout.py) and for `audience_funnel`, the same rules counted one by one for an expert who is told
why a campaign reaches nobody. `FanTiming` and `DigestTiming` carry the times that depend on a
fan's time zone, computed in Python by bot/domain/push_rules.py (bot/campaigns/fanout.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, and_, case, exists, func, literal, not_, select
from sqlalchemy.sql import ColumnElement, Select

from storage.schema import fan_settings, follows, interests, outbox, users
from storage.sums import whole_sum
from storage.unit_of_work import Database

PUSH_KIND = "push"  # outbox kind of every campaign message; the daily cap counts these
CAPPED_STATUSES = ("queued", "sending", "sent")


@dataclass(frozen=True)
class FanTiming:
    """When a push planned now reaches fans with one (time zone, quiet hours) combination."""

    timezone: str
    quiet_start_min: int
    quiet_end_min: int
    send_at: datetime  # now, or the end of quiet hours
    day_start: datetime  # the fan-local day the send counts toward (daily cap)
    day_end: datetime


@dataclass(frozen=True)
class DigestTiming:
    """When the digest of fans with one (time zone, digest hour) goes out."""

    timezone: str
    digest_hour: int
    digest_at: datetime


@dataclass(frozen=True)
class Audience:
    """Who a campaign reaches: followers or consenting non-followers, optionally by tags."""

    expert_id: int
    expert_user_id: int
    discovery: bool
    tags: tuple[str, ...]


@dataclass(frozen=True)
class AudienceFunnel:
    """Who an audience loses at each push rule, in the order the rules apply (cumulative).

    `candidates` are the expert's followers (or, for discovery, the consenting fans who don't
    follow them); each later count keeps those of the previous one who also pass that rule.
    """

    discovery: bool
    tags: tuple[str, ...]
    candidates: int
    interested: int  # have one of the tags (everyone when there are none)
    reachable: int  # have not blocked the bot, left or deleted their data
    unmuted: int  # have not muted the expert (discovery: same as reachable)
    push_on: int  # push mode is not "off"
    digest: int  # of push_on: in digest mode (always get a digest row)
    under_cap: int  # of push_on: instant, and below their daily cap today

    @property
    def reach(self) -> int:
        """How many would get a row if the campaign went out now (before dedup)."""
        return self.digest + self.under_cap


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _audience_where(audience: Audience) -> list[ColumnElement[bool]]:
    """Conditions on users u / fan_settings s for the audience (reachability and push mode)."""
    conditions: list[ColumnElement[bool]] = [
        users.c.telegram_id.is_not(None),
        users.c.unreachable_at.is_(None),
        users.c.forgotten_at.is_(None),
        users.c.id != audience.expert_user_id,
        fan_settings.c.push_mode != "off",
    ]
    follow = exists().where(
        follows.c.fan_id == users.c.id, follows.c.expert_id == audience.expert_id
    )
    if audience.discovery:
        conditions += [fan_settings.c.discovery_consent.is_(True), not_(follow)]
    else:
        unmuted = exists().where(
            follows.c.fan_id == users.c.id,
            follows.c.expert_id == audience.expert_id,
            follows.c.muted.is_(False),
        )
        conditions.append(unmuted)
    if audience.tags:
        conditions.append(
            exists().where(interests.c.user_id == users.c.id, interests.c.tag.in_(audience.tags))
        )
    return conditions


def _audience_from() -> Any:
    return users.join(fan_settings, fan_settings.c.user_id == users.c.id)


class AudienceQueries:
    """The audience's queries; CampaignRepository offers them (storage/repositories/campaigns.py)."""

    _engine: Database

    def _audience_select(self, audience: Audience) -> Select[Any]:
        return (
            select(users.c.id).select_from(_audience_from()).where(and_(*_audience_where(audience)))
        )

    async def audience_size(self, audience: Audience) -> int:
        """How many fans the audience has right now (before caps and dedup)."""
        async with self._engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        select(func.count()).select_from(self._audience_select(audience).subquery())
                    )
                ).scalar_one()
            )

    async def audience_funnel(
        self, audience: Audience, fan_timings: Sequence[FanTiming], platform_cap: int, now: datetime
    ) -> AudienceFunnel:
        """How the audience shrinks rule by rule (see AudienceFunnel), as the fan-out applies them.

        `fan_timings` give the cap day of instant fans by (time zone, quiet hours), as for the
        fan-out; fans of a combination not listed count their day as the one around `now`.
        """
        follow = exists().where(
            follows.c.fan_id == users.c.id, follows.c.expert_id == audience.expert_id
        )
        if audience.discovery:
            candidate = and_(fan_settings.c.discovery_consent.is_(True), not_(follow))
            unmuted: ColumnElement[bool] = literal(True)
        else:
            candidate = follow
            unmuted = exists().where(
                follows.c.fan_id == users.c.id,
                follows.c.expert_id == audience.expert_id,
                follows.c.muted.is_(False),
            )
        interested: ColumnElement[bool] = (
            exists().where(interests.c.user_id == users.c.id, interests.c.tag.in_(audience.tags))
            if audience.tags
            else literal(True)
        )
        reachable = and_(
            users.c.telegram_id.is_not(None),
            users.c.unreachable_at.is_(None),
            users.c.forgotten_at.is_(None),
        )

        def per_combination(pick: str) -> ColumnElement[Any]:
            whens = [
                (
                    and_(
                        users.c.timezone == t.timezone,
                        fan_settings.c.quiet_start_min == t.quiet_start_min,
                        fan_settings.c.quiet_end_min == t.quiet_end_min,
                    ),
                    literal(_ts(getattr(t, pick)), BigInteger),
                )
                for t in fan_timings
            ]
            fallback = literal(_ts(now) + (0 if pick == "day_start" else 86400), BigInteger)
            return case(*whens, else_=fallback) if whens else fallback

        window_start = min([_ts(t.day_start) for t in fan_timings], default=_ts(now))
        window_end = max([_ts(t.day_end) for t in fan_timings], default=_ts(now) + 86400)
        planned = (
            select(outbox.c.user_id.label("uid"), outbox.c.next_attempt_at.label("at"))
            .where(
                outbox.c.kind == PUSH_KIND,
                outbox.c.status.in_(CAPPED_STATUSES),
                outbox.c.next_attempt_at >= window_start,
                outbox.c.next_attempt_at < window_end,
            )
            .subquery("planned")
        )
        today = (
            select(func.count())
            .select_from(planned)
            .where(
                planned.c.uid == users.c.id,
                planned.c.at >= per_combination("day_start"),
                planned.c.at < per_combination("day_end"),
            )
            .scalar_subquery()
        )
        cap = case(
            (fan_settings.c.daily_cap < platform_cap, fan_settings.c.daily_cap), else_=platform_cap
        )
        stages = [interested, reachable, unmuted, fan_settings.c.push_mode != "off"]
        cumulative = [and_(*stages[: n + 1]) for n in range(len(stages))]
        push_on = cumulative[-1]
        is_instant = and_(push_on, fan_settings.c.push_mode == "instant")

        def how_many(condition: ColumnElement[bool]) -> ColumnElement[Any]:
            return func.coalesce(whole_sum(case((condition, 1), else_=0)), 0)

        query = (
            select(
                func.count(),
                *[how_many(c) for c in cumulative],
                how_many(and_(push_on, fan_settings.c.push_mode == "digest")),
                # The cap only matters for instant fans; `today` is computed for them alone.
                how_many(and_(is_instant, case((is_instant, today), else_=0) < cap)),
            )
            .select_from(_audience_from())
            .where(candidate, users.c.id != audience.expert_user_id)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).one()
        counts = [int(n) for n in row]
        return AudienceFunnel(audience.discovery, audience.tags, *counts)

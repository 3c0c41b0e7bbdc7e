"""A campaign run's fan-out: one INSERT … SELECT writes the outbox rows of a whole audience.

The fan-out applies the push rules of bot/domain/push_rules.py in SQL: push mode off and muted
experts excluded, digest-mode fans queued into their digest ('digest' status at their digest
time, no cap, no quiet hours), quiet hours deferring the send time, the daily cap across all
experts counted on the fan's local day of the send time, unreachable and forgotten users
excluded, and fans who already got this campaign (run) skipped through the unique dedup key.
Times that depend on a fan's time zone are computed in Python by push_rules for each distinct
(time zone, quiet hours, digest hour) in the audience and handed to SQL as CASE expressions, so
SQL and the domain rules cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, and_, case, cast, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ColumnElement

# The audience's conditions are shared with storage/repositories/audience.py (one definition).
from storage.repositories.audience import (
    CAPPED_STATUSES,
    PUSH_KIND,
    Audience,
    DigestTiming,
    FanTiming,
    _audience_from,
    _audience_where,
    _ts,
)
from storage.schema import campaigns, fan_settings, outbox, users
from storage.unit_of_work import Database


def _timing_case(timings: Sequence[FanTiming], pick: str, default: datetime) -> ColumnElement[Any]:
    """A CASE choosing a FanTiming field by the fan's (time zone, quiet hours)."""
    whens = [
        (
            and_(
                users.c.timezone == t.timezone,
                fan_settings.c.quiet_start_min == t.quiet_start_min,
                fan_settings.c.quiet_end_min == t.quiet_end_min,
            ),
            literal(_ts(getattr(t, pick)), Integer),
        )
        for t in timings
    ]
    fallback = literal(_ts(default), Integer)
    return case(*whens, else_=fallback) if whens else fallback


def _digest_case(timings: Sequence[DigestTiming], default: datetime) -> ColumnElement[Any]:
    whens = [
        (
            and_(users.c.timezone == t.timezone, fan_settings.c.digest_hour == t.digest_hour),
            literal(_ts(t.digest_at), Integer),
        )
        for t in timings
    ]
    fallback = literal(_ts(default), Integer)
    return case(*whens, else_=fallback) if whens else fallback


class FanOutQueries:
    """The fan-out's queries; CampaignRepository offers them (storage/repositories/campaigns.py)."""

    _engine: Database

    async def audience_combinations(
        self, audience: Audience
    ) -> tuple[list[tuple[str, int, int]], list[tuple[str, int]]]:
        """The distinct (time zone, quiet start, quiet end) and (time zone, digest hour) in it."""
        where = and_(*_audience_where(audience))
        async with self._engine.connect() as conn:
            quiet = (
                await conn.execute(
                    select(
                        users.c.timezone,
                        fan_settings.c.quiet_start_min,
                        fan_settings.c.quiet_end_min,
                    )
                    .select_from(_audience_from())
                    .where(where, fan_settings.c.push_mode == "instant")
                    .distinct()
                )
            ).all()
            digest = (
                await conn.execute(
                    select(users.c.timezone, fan_settings.c.digest_hour)
                    .select_from(_audience_from())
                    .where(where, fan_settings.c.push_mode == "digest")
                    .distinct()
                )
            ).all()
        return [(r[0], r[1], r[2]) for r in quiet], [(r[0], r[1]) for r in digest]

    async def fan_out(
        self,
        *,
        campaign_id: int,
        audience: Audience,
        payload: Mapping[str, Any],
        dedup_prefix: str,
        now: datetime,
        fan_timings: Sequence[FanTiming],
        digest_timings: Sequence[DigestTiming],
        platform_cap: int,
        mark_running: bool,
    ) -> int:
        """Write one outbox row per eligible fan in ONE statement; return how many were written.

        With `mark_running`, the campaign moves scheduled -> running in the same transaction
        (and nothing is written if it was not 'scheduled'), so a campaign fires at most once.
        """
        is_digest = fan_settings.c.push_mode == "digest"
        send_at = _timing_case(fan_timings, "send_at", now)
        day_start = _timing_case(fan_timings, "day_start", now)
        day_end = _timing_case(fan_timings, "day_end", now)
        window_start = min([_ts(t.day_start) for t in fan_timings], default=_ts(now))
        window_end = max([_ts(t.day_end) for t in fan_timings], default=_ts(now))
        # Pushes already planned in the widest local day of anyone in the audience, read once.
        planned = (
            select(outbox.c.user_id.label("uid"), outbox.c.next_attempt_at.label("at"))
            .where(
                outbox.c.kind == PUSH_KIND,
                outbox.c.status.in_(CAPPED_STATUSES),
                outbox.c.next_attempt_at >= window_start,
                outbox.c.next_attempt_at < window_end,
            )
            .cte("planned")
        )
        pushes_today = (
            select(func.count())
            .select_from(planned)
            .where(planned.c.uid == users.c.id, planned.c.at >= day_start, planned.c.at < day_end)
            .scalar_subquery()
        )
        cap = case(
            (fan_settings.c.daily_cap < platform_cap, fan_settings.c.daily_cap), else_=platform_cap
        )
        selection = (
            select(
                literal(PUSH_KIND, String).label("kind"),
                users.c.telegram_id,
                users.c.id,
                literal(campaign_id, Integer).label("campaign_id"),
                (literal(dedup_prefix, String) + cast(users.c.id, String)).label("dedup_key"),
                literal(dict(payload), JSON).label("payload"),
                case((is_digest, "digest"), else_="queued").label("status"),
                literal(0, Integer).label("attempts"),
                case((is_digest, _digest_case(digest_timings, now)), else_=send_at).label("at"),
                literal(_ts(now), Integer).label("created_at"),
            )
            .select_from(_audience_from())
            .where(and_(*_audience_where(audience)), or_(is_digest, pushes_today < cap))
        )
        columns = [
            "kind",
            "chat_id",
            "user_id",
            "campaign_id",
            "dedup_key",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
        ]
        async with self._engine.begin() as conn:
            if mark_running:
                moved = await conn.execute(
                    update(campaigns)
                    .where(campaigns.c.id == campaign_id, campaigns.c.status == "scheduled")
                    .values(status="running", started_at=now, finished_at=None)
                )
                if moved.rowcount != 1:
                    return -1
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            statement = (
                dialect.insert(outbox)
                .from_select(columns, selection)
                .on_conflict_do_nothing(index_elements=["dedup_key"])
            )
            count_rows = (
                select(func.count()).select_from(outbox).where(outbox.c.campaign_id == campaign_id)
            )
            # sqlite3 reports no rowcount for INSERT … WITH …; count the campaign's rows instead.
            before = (await conn.execute(count_rows)).scalar_one()
            await conn.execute(statement)
            total = (await conn.execute(count_rows)).scalar_one()
            written = int(total - before)
            await conn.execute(
                update(campaigns).where(campaigns.c.id == campaign_id).values(audience_size=total)
            )
        return written

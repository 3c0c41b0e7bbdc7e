"""A campaign run's fan-out: INSERT … SELECT in chunks writes the outbox rows of an audience.

The fan-out applies the push rules of bot/domain/push_rules.py in SQL: push mode off and muted
experts excluded, digest-mode fans queued into their digest ('digest' status at their digest
time, no cap, no quiet hours), quiet hours deferring the send time, the daily cap across all
experts counted on the fan's local day of the send time, unreachable and forgotten users
excluded, and fans who already got this campaign (run) skipped through the unique dedup key.
Times that depend on a fan's time zone are computed in Python by push_rules for each distinct
(time zone, quiet hours, digest hour) in the audience and handed to SQL as CASE expressions, so
SQL and the domain rules cannot disagree. The audience is planned in ranges of fan ids, one short
write transaction each (`FanOutQueries.fan_out`), so a million-fan plan never holds the write
lock for more than one chunk.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ColumnElement, Select

# The audience's conditions are shared with storage/repositories/audience.py (one definition).
from bot.domain.states import CampaignStatus
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
from storage.repositories.campaign_counters import count_new_outbox_rows
from storage.schema import campaigns, fan_settings, outbox, users
from storage.unit_of_work import Database

# Fans (by users.id range) planned per write transaction: about 100 ms of writing on the
# project's machine, so a concurrent favourite waits at most that long for the lock.
FANOUT_CHUNK_FANS = 10_000
# After each chunk the plan pauses for this share of the chunk's time, with the lock free.
# 0.2 keeps a concurrent writer's wait near one chunk (measured on a million fans: worst about
# 0.1 s instead of 1.5 s) for about 20 % more planning time.
FANOUT_YIELD_SHARE = 0.2
FANOUT_COLUMNS = [
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


def _timing_case(timings: Sequence[FanTiming], pick: str, default: datetime) -> ColumnElement[Any]:
    """A CASE choosing a FanTiming field by the fan's (time zone, quiet hours)."""
    whens = [
        (
            and_(
                users.c.timezone == t.timezone,
                fan_settings.c.quiet_start_min == t.quiet_start_min,
                fan_settings.c.quiet_end_min == t.quiet_end_min,
            ),
            literal(_ts(getattr(t, pick)), BigInteger),
        )
        for t in timings
    ]
    fallback = literal(_ts(default), BigInteger)
    return case(*whens, else_=fallback) if whens else fallback


def _digest_case(timings: Sequence[DigestTiming], default: datetime) -> ColumnElement[Any]:
    whens = [
        (
            and_(users.c.timezone == t.timezone, fan_settings.c.digest_hour == t.digest_hour),
            literal(_ts(t.digest_at), BigInteger),
        )
        for t in timings
    ]
    fallback = literal(_ts(default), BigInteger)
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
            # One pass over the audience for both lists (a million fans: one scan, not two).
            rows = (
                await conn.execute(
                    select(
                        fan_settings.c.push_mode,
                        users.c.timezone,
                        fan_settings.c.quiet_start_min,
                        fan_settings.c.quiet_end_min,
                        fan_settings.c.digest_hour,
                    )
                    .select_from(_audience_from())
                    .where(where, fan_settings.c.push_mode.in_(("instant", "digest")))
                    .distinct()
                )
            ).all()
        quiet = sorted({(r[1], r[2], r[3]) for r in rows if r[0] == "instant"})
        digest = sorted({(r[1], r[4]) for r in rows if r[0] == "digest"})
        return quiet, digest

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
        chunk_fans: int = FANOUT_CHUNK_FANS,
    ) -> int | None:
        """Write one outbox row per eligible fan, in chunks; return how many were written.

        Fans are planned in ascending id ranges of `chunk_fans`, one short write transaction
        (one INSERT … SELECT) per range, so other writers wait at most one chunk. Each chunk
        counts the fan's pushes on their local day inside its own statement, so the daily cap
        is exact whatever else commits between chunks; a fan is in exactly one chunk.

        With `mark_running`, rows are written only while the campaign is 'scheduled', and the
        last transaction moves it to 'running' (returning None, and writing no more, if it was
        no longer scheduled), so a campaign fires at most once. A plan cut short by a crash
        leaves the campaign 'scheduled': firing it again resumes after the highest fan id this
        run already wrote (the dedup key skips anything written twice).
        """
        where = self._fanout_where(audience, fan_timings, platform_cap, now)
        if mark_running:
            where.append(
                exists().where(campaigns.c.id == campaign_id, campaigns.c.status == "scheduled")
            )
        selection = self._fanout_selection(
            campaign_id, payload, dedup_prefix, now, fan_timings, digest_timings
        )
        this_run = and_(
            outbox.c.campaign_id == campaign_id,
            outbox.c.dedup_key.startswith(dedup_prefix, autoescape=True),
        )
        async with self._engine.connect() as conn:
            status = (
                await conn.execute(select(campaigns.c.status).where(campaigns.c.id == campaign_id))
            ).scalar_one_or_none()
            if mark_running and status != CampaignStatus.SCHEDULED:
                return None
            resume_after = (
                await conn.execute(select(func.max(outbox.c.user_id)).where(this_run))
            ).scalar_one_or_none() or 0
            existing = (
                await conn.execute(
                    select(func.count())
                    .select_from(outbox)
                    .where(outbox.c.campaign_id == campaign_id)
                )
            ).scalar_one()
            last_fan = (await conn.execute(select(func.max(users.c.id)))).scalar_one_or_none() or 0
        written = 0
        low = int(resume_after)
        while low < last_fan:
            high = low + chunk_fans
            began = time.monotonic()
            inserted = await self._fan_out_chunk(
                selection, where, low, high, campaign_id if mark_running else None
            )
            if inserted is None:
                return None
            written += inserted
            low = high
            if low < last_fan:
                # Leave the write lock free for a while: a writer waiting in SQLite's busy handler
                # only retries now and then, and would miss a lock taken again at once.
                await asyncio.sleep((time.monotonic() - began) * FANOUT_YIELD_SHARE)
        async with self._engine.begin() as conn:
            finish = update(campaigns).where(campaigns.c.id == campaign_id)
            if mark_running:
                finish = finish.where(campaigns.c.status == "scheduled").values(
                    status="running", started_at=now, finished_at=None
                )
            moved = await conn.execute(finish.values(audience_size=existing + written))
            if mark_running and moved.rowcount != 1:
                return None
        return written

    async def _fan_out_chunk(
        self,
        selection: Select[Any],
        where: list[ColumnElement[bool]],
        low: int,
        high: int,
        scheduled_campaign: int | None,
    ) -> int | None:
        """One write transaction: the rows of fans with low < id <= high.

        -1 when `scheduled_campaign` is given and that campaign is no longer 'scheduled'.
        """
        chunk = selection.where(*where, users.c.id > low, users.c.id <= high)
        async with self._engine.begin() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            # The INSERT comes first, so the transaction takes the write lock at once (a read
            # first would make SQLite refuse the write if another writer committed meanwhile).
            result = await conn.execute(
                dialect.insert(outbox)
                .from_select(FANOUT_COLUMNS, chunk)
                .on_conflict_do_nothing(index_elements=["dedup_key"])
            )
            inserted = int(result.rowcount)
            await count_new_outbox_rows(conn, inserted)
            if inserted == 0 and scheduled_campaign is not None:
                status = (
                    await conn.execute(
                        select(campaigns.c.status).where(campaigns.c.id == scheduled_campaign)
                    )
                ).scalar_one_or_none()
                if status != CampaignStatus.SCHEDULED:  # cancelled or paused mid-plan
                    return None  # write no more
        return inserted

    def _fanout_where(
        self,
        audience: Audience,
        fan_timings: Sequence[FanTiming],
        platform_cap: int,
        now: datetime,
    ) -> list[ColumnElement[bool]]:
        """Who gets a row: the audience, less instant fans whose cap today is reached."""
        is_digest = fan_settings.c.push_mode == "digest"
        day_start = _timing_case(fan_timings, "day_start", now)
        day_end = _timing_case(fan_timings, "day_end", now)
        # The fan's pushes planned on their local day, from every expert: one probe of
        # ix_outbox_user_due per fan.
        pushes_today = (
            select(func.count())
            .select_from(outbox)
            .where(
                outbox.c.user_id == users.c.id,
                outbox.c.next_attempt_at >= day_start,
                outbox.c.next_attempt_at < day_end,
                outbox.c.kind == PUSH_KIND,
                outbox.c.status.in_(CAPPED_STATUSES),
            )
            .scalar_subquery()
        )
        cap = case(
            (fan_settings.c.daily_cap < platform_cap, fan_settings.c.daily_cap), else_=platform_cap
        )
        return [*_audience_where(audience), or_(is_digest, pushes_today < cap)]

    def _fanout_selection(
        self,
        campaign_id: int,
        payload: Mapping[str, Any],
        dedup_prefix: str,
        now: datetime,
        fan_timings: Sequence[FanTiming],
        digest_timings: Sequence[DigestTiming],
    ) -> Select[Any]:
        """The outbox row of each fan, in FANOUT_COLUMNS order."""
        is_digest = fan_settings.c.push_mode == "digest"
        send_at = _timing_case(fan_timings, "send_at", now)
        return select(
            literal(PUSH_KIND, String).label("kind"),
            users.c.telegram_id,
            users.c.id,
            literal(campaign_id, Integer).label("campaign_id"),
            (literal(dedup_prefix, String) + cast(users.c.id, String)).label("dedup_key"),
            literal(dict(payload), JSON).label("payload"),
            case((is_digest, "digest"), else_="queued").label("status"),
            literal(0, Integer).label("attempts"),
            case((is_digest, _digest_case(digest_timings, now)), else_=send_at).label("at"),
            literal(_ts(now), BigInteger).label("created_at"),
        ).select_from(_audience_from())

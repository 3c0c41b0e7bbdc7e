"""Campaigns and their fan-out: INSERT … SELECT in chunks writes the outbox rows of an audience.

The fan-out applies the push rules of bot/domain/push_rules.py in SQL: push mode off and muted
experts excluded, digest-mode fans queued into their digest ('digest' status at their digest
time, no cap, no quiet hours), quiet hours deferring the send time, the daily cap across all
experts counted on the fan's local day of the send time, unreachable and forgotten users
excluded, and fans who already got this campaign (run) skipped through the unique dedup key.
Times that depend on a fan's time zone are computed in Python by push_rules for each distinct
(time zone, quiet hours, digest hour) in the audience and handed to SQL as CASE expressions, so
SQL and the domain rules cannot disagree. The audience is planned in ranges of fan ids, one short
write transaction each (`CampaignRepository.fan_out`), so a million-fan plan never holds the
write lock for more than one chunk.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ColumnElement, Select

from storage.schema import (
    campaigns,
    experts,
    fan_settings,
    follows,
    interests,
    items,
    outbox,
    reservations,
    users,
)
from storage.unit_of_work import Database

ACTIVE_STATUSES = ("scheduled", "running", "paused", "done")
LIVE_STATUSES = ("scheduled", "running", "paused")  # may still put messages in the outbox
PUSH_KIND = "push"  # outbox kind of every campaign message; the daily cap counts these
CAPPED_STATUSES = ("queued", "sending", "sent")
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


@dataclass(frozen=True)
class Campaign:
    """One campaign as stored."""

    id: int
    expert_id: int
    kind: str
    status: str
    item_ids: tuple[int, ...]
    audience: Mapping[str, Any]
    starts_at: datetime | None
    recurrence: str | None
    ends_at: datetime | None
    audience_size: int | None
    progress_chat_id: int | None
    progress_message_id: int | None
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime


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


def _to_campaign(row: Any) -> Campaign:
    r = row._mapping
    return Campaign(
        id=r["id"],
        expert_id=r["expert_id"],
        kind=r["kind"],
        status=r["status"],
        item_ids=tuple(r["item_ids"] or ()),
        audience=dict(r["audience"] or {}),
        starts_at=r["starts_at"],
        recurrence=r["recurrence"],
        ends_at=r["ends_at"],
        audience_size=r["audience_size"],
        progress_chat_id=r["progress_chat_id"],
        progress_message_id=r["progress_message_id"],
        started_at=r["started_at"],
        finished_at=r["finished_at"],
        created_at=r["created_at"],
    )


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


class CampaignRepository:
    """Reads and writes campaigns, and fans them out into the outbox."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def create(
        self,
        *,
        expert_id: int,
        kind: str,
        item_ids: Sequence[int],
        audience: Mapping[str, Any],
        starts_at: datetime,
        recurrence: str | None,
        progress_chat_id: int | None,
        ends_at: datetime | None = None,
    ) -> Campaign:
        """Store a confirmed campaign, scheduled to start at `starts_at`."""
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            result = await conn.execute(
                insert(campaigns).values(
                    expert_id=expert_id,
                    kind=kind,
                    status="scheduled",
                    item_ids=list(item_ids),
                    audience=dict(audience),
                    starts_at=starts_at,
                    recurrence=recurrence,
                    ends_at=ends_at,
                    progress_chat_id=progress_chat_id,
                    created_at=now,
                )
            )
            campaign_id = result.inserted_primary_key[0]  # type: ignore[index]
            row = (await conn.execute(select(campaigns).where(campaigns.c.id == campaign_id))).one()
        return _to_campaign(row)

    async def get(self, campaign_id: int) -> Campaign | None:
        """The campaign with this id."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(campaigns).where(campaigns.c.id == campaign_id))
            ).first()
        return None if row is None else _to_campaign(row)

    async def for_expert(self, expert_id: int, *, limit: int = 10) -> list[Campaign]:
        """An expert's latest campaigns, newest first."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(campaigns)
                    .where(campaigns.c.expert_id == expert_id)
                    .order_by(campaigns.c.id.desc())
                    .limit(limit)
                )
            ).all()
        return [_to_campaign(r) for r in rows]

    async def with_status(self, *statuses: str) -> list[Campaign]:
        """Every campaign in one of `statuses` (re-arming jobs at start)."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(campaigns)
                    .where(campaigns.c.status.in_(statuses))
                    .order_by(campaigns.c.id)
                )
            ).all()
        return [_to_campaign(r) for r in rows]

    async def set_status(
        self, campaign_id: int, status: str, *, only_from: Sequence[str], **values: Any
    ) -> bool:
        """Move a campaign to `status` if it is in one of `only_from`; True if it moved."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(campaigns)
                .where(campaigns.c.id == campaign_id, campaigns.c.status.in_(list(only_from)))
                .values(status=status, **values)
            )
        return result.rowcount == 1

    async def live_for_expert(self, expert_id: int) -> list[Campaign]:
        """The expert's campaigns that may still send (scheduled, running or paused)."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(campaigns)
                    .where(
                        campaigns.c.expert_id == expert_id, campaigns.c.status.in_(LIVE_STATUSES)
                    )
                    .order_by(campaigns.c.id)
                )
            ).all()
        return [_to_campaign(r) for r in rows]

    async def listed_item_ids(self, item_ids: Sequence[int]) -> set[int]:
        """Which of `item_ids` are listed right now."""
        if not item_ids:
            return set()
        async with self._engine.connect() as conn:
            found = await conn.execute(
                select(items.c.id).where(items.c.id.in_(list(item_ids)), items.c.status == "listed")
            )
            return set(found.scalars())

    async def card_fingerprint(self, campaign_id: int) -> tuple[Any, ...]:
        """What a campaign card shows that can change mid-run: expert status and item fields.

        One cheap read per render; stock is included because orders change it without
        touching items.updated_at.
        """
        async with self._engine.connect() as conn:
            head = (
                await conn.execute(
                    select(campaigns.c.item_ids, experts.c.status)
                    .select_from(campaigns.join(experts, experts.c.id == campaigns.c.expert_id))
                    .where(campaigns.c.id == campaign_id)
                )
            ).first()
            if head is None:
                return ()
            ids = [int(x) for x in head[0] or ()]
            rows = (
                (
                    await conn.execute(
                        select(
                            items.c.id,
                            items.c.status,
                            items.c.price_fen,
                            items.c.stock,
                            items.c.title,
                            items.c.reason,
                            items.c.photo_file_id,
                            items.c.updated_at,
                        ).where(items.c.id.in_(ids))
                    )
                ).all()
                if ids
                else []
            )
        return (head[1], tuple(sorted(tuple(r) for r in rows)))

    async def update(self, campaign_id: int, **values: Any) -> None:
        """Change fields of a campaign (progress message, next start of a recurring one)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(campaigns).where(campaigns.c.id == campaign_id).values(**values)
            )

    async def count_on_day(
        self,
        expert_id: int,
        day_start: datetime,
        day_end: datetime,
        *,
        free_when_empty: Sequence[str] = (),
    ) -> int:
        """Campaigns of the expert starting (or started) within [day_start, day_end).

        Campaigns of a kind in `free_when_empty` that went out and reached nobody
        (audience_size 0) are not counted.
        """
        start, end = _ts(day_start), _ts(day_end)
        when = func.coalesce(campaigns.c.started_at, campaigns.c.starts_at)
        counted = or_(
            campaigns.c.audience_size.is_(None),
            campaigns.c.audience_size != 0,
            campaigns.c.kind.not_in(list(free_when_empty)),
        )
        async with self._engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        select(func.count())
                        .select_from(campaigns)
                        .where(
                            campaigns.c.expert_id == expert_id,
                            campaigns.c.status.in_(ACTIVE_STATUSES),
                            when >= start,
                            when < end,
                            counted,
                        )
                    )
                ).scalar_one()
            )

    def _audience_select(self, audience: Audience) -> Select[Any]:
        return (
            select(users.c.id).select_from(_audience_from()).where(and_(*_audience_where(audience)))
        )

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
    ) -> int:
        """Write one outbox row per eligible fan, in chunks; return how many were written.

        Fans are planned in ascending id ranges of `chunk_fans`, one short write transaction
        (one INSERT … SELECT) per range, so other writers wait at most one chunk. Each chunk
        counts the fan's pushes on their local day inside its own statement, so the daily cap
        is exact whatever else commits between chunks; a fan is in exactly one chunk.

        With `mark_running`, rows are written only while the campaign is 'scheduled', and the
        last transaction moves it to 'running' (returning -1, and writing no more, if it was
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
            if mark_running and status != "scheduled":
                return -1
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
            if inserted < 0:
                return -1
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
                return -1
        return written

    async def _fan_out_chunk(
        self,
        selection: Select[Any],
        where: list[ColumnElement[bool]],
        low: int,
        high: int,
        scheduled_campaign: int | None,
    ) -> int:
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
            if inserted == 0 and scheduled_campaign is not None:
                status = (
                    await conn.execute(
                        select(campaigns.c.status).where(campaigns.c.id == scheduled_campaign)
                    )
                ).scalar_one_or_none()
                if status != "scheduled":  # cancelled or paused mid-plan: write no more
                    return -1
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
            literal(_ts(now), Integer).label("created_at"),
        ).select_from(_audience_from())

    async def pin_item(self, item_id: int, until: datetime) -> None:
        """Headline: the item leads feeds and the window until `until`."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(items).where(items.c.id == item_id).values(pinned_until=until)
            )

    async def open_presale(self, item_id: int, opens_at: datetime) -> None:
        """Pre-sale: the item opens at `opens_at` (fans may reserve until then)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(items).where(items.c.id == item_id).values(presale_opens_at=opens_at)
            )

    async def presales_to_remind(self) -> list[tuple[int, datetime]]:
        """(item id, opening time) of pre-sales with reservers not yet reminded."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(items.c.id, items.c.presale_opens_at).where(
                        items.c.presale_opens_at.is_not(None),
                        exists().where(
                            reservations.c.item_id == items.c.id,
                            reservations.c.reminded_at.is_(None),
                        ),
                    )
                )
            ).all()
        return [(r[0], r[1]) for r in rows]

    async def take_reservers(self, item_id: int, now: datetime) -> list[tuple[int, int]]:
        """(user id, telegram id) of reachable reservers not yet reminded; marks them reminded."""
        async with self._engine.begin() as conn:
            rows = (
                await conn.execute(
                    select(users.c.id, users.c.telegram_id)
                    .select_from(reservations.join(users, users.c.id == reservations.c.user_id))
                    .where(
                        reservations.c.item_id == item_id,
                        reservations.c.reminded_at.is_(None),
                        users.c.telegram_id.is_not(None),
                        users.c.unreachable_at.is_(None),
                    )
                )
            ).all()
            await conn.execute(
                update(reservations)
                .where(reservations.c.item_id == item_id, reservations.c.reminded_at.is_(None))
                .values(reminded_at=now)
            )
        return [(r[0], r[1]) for r in rows]

    async def promoted_experts(self, now: datetime, *, limit: int = 3) -> list[int]:
        """Experts with a running account recommendation, for fans' discovery slots."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(campaigns.c.expert_id)
                    .select_from(campaigns.join(experts, experts.c.id == campaigns.c.expert_id))
                    .where(
                        campaigns.c.kind == "account",
                        campaigns.c.status.in_(("running", "done")),
                        experts.c.status == "verified",
                        or_(campaigns.c.ends_at.is_(None), campaigns.c.ends_at > _ts(now)),
                    )
                    .group_by(campaigns.c.expert_id)
                    .order_by(func.max(campaigns.c.id).desc())
                    .limit(limit)
                )
            ).all()
        return [r[0] for r in rows]

    async def presale_campaign_of(self, item_id: int) -> int | None:
        """The id of the latest pre-sale campaign that announced the item, if any."""
        expert_of_item = select(items.c.expert_id).where(items.c.id == item_id).scalar_subquery()
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(campaigns.c.id, campaigns.c.item_ids)
                    .where(
                        campaigns.c.kind == "presale",
                        campaigns.c.expert_id == expert_of_item,
                        campaigns.c.started_at.is_not(None),
                    )
                    .order_by(campaigns.c.id.desc())
                    .limit(20)
                )
            ).all()
        for campaign_id, item_ids in rows:
            if item_ids and int(item_ids[0]) == item_id:
                return int(campaign_id)
        return None

    async def run_counts(self, campaign_id: int, since: datetime, now: datetime) -> dict[str, int]:
        """Rows of one run of a campaign (written at or after `since`) by status.

        As OutboxRepository.campaign_counts, 'later' counts queued rows not yet due.
        """
        later = case(
            (and_(outbox.c.status == "queued", outbox.c.next_attempt_at > _ts(now)), "later"),
            else_=outbox.c.status,
        )
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(later.label("bucket"), func.count())
                    .where(outbox.c.campaign_id == campaign_id, outbox.c.created_at >= _ts(since))
                    .group_by(later)
                )
            ).all()
        return {str(bucket): int(n) for bucket, n in rows}

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
                    literal(_ts(getattr(t, pick)), Integer),
                )
                for t in fan_timings
            ]
            fallback = literal(_ts(now) + (0 if pick == "day_start" else 86400), Integer)
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
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

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

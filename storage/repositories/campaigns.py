"""Campaigns as stored: their rows, status moves and the counts of their runs.

The audience of a campaign and its fan-out into the outbox are queried in
storage/repositories/audience.py and storage/repositories/fanout.py; `CampaignRepository` offers
those queries too (it inherits them), so a campaign's fan-out is `repos.campaigns.fan_out`.
Which status may move to which, and which campaigns count toward the daily limit, are rules of
bot/domain/campaigns.py: the callers pass the statuses, this module only stores and queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, func, insert, or_, select, update

from bot.domain.states import CampaignKind, CampaignStatus, OutboxStatus
from storage.repositories.audience import (
    Audience,
    AudienceFunnel,
    AudienceQueries,
    DigestTiming,
    FanTiming,
)
from storage.repositories.fanout import FanOutQueries
from storage.schema import campaign_runs, campaigns, experts, items, outbox
from storage.unit_of_work import Database
from storage.upsert import upsert

# Imported from here by the fan-out planner, the benchmarks and the tests.
__all__ = [
    "Audience",
    "AudienceFunnel",
    "Campaign",
    "CampaignRepository",
    "DigestTiming",
    "FanTiming",
]


@dataclass(frozen=True)
class Campaign:
    """One campaign as stored."""

    id: int
    expert_id: int
    kind: CampaignKind
    status: CampaignStatus
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

    @property
    def pushes(self) -> bool:
        """Whether the campaign pushes to fans (a headline or account may pin or promote only)."""
        return bool(self.audience.get("push", True))

    @property
    def tags(self) -> tuple[str, ...]:
        """The interest tags of its segment (none: everyone of its audience)."""
        return tuple(str(tag) for tag in self.audience.get("tags", ()))


def _to_campaign(row: Any) -> Campaign:
    r = row._mapping
    return Campaign(
        id=r["id"],
        expert_id=r["expert_id"],
        kind=CampaignKind(r["kind"]),
        status=CampaignStatus(r["status"]),
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


class CampaignRepository(FanOutQueries, AudienceQueries):
    """Reads and writes campaigns; plans their audiences and fans them out into the outbox."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def create(
        self,
        *,
        expert_id: int,
        kind: CampaignKind,
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
                insert(campaigns)
                .values(
                    expert_id=expert_id,
                    kind=kind,
                    status=CampaignStatus.SCHEDULED,
                    item_ids=list(item_ids),
                    audience=dict(audience),
                    starts_at=starts_at,
                    recurrence=recurrence,
                    ends_at=ends_at,
                    progress_chat_id=progress_chat_id,
                    created_at=now,
                )
                .returning(*campaigns.c)
            )
            row = result.one()
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

    async def with_status(self, *statuses: CampaignStatus) -> list[Campaign]:
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

    async def of_expert_with_status(
        self, expert_id: int, statuses: Iterable[CampaignStatus]
    ) -> list[Campaign]:
        """The expert's campaigns in one of `statuses`, oldest first."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(campaigns)
                    .where(
                        campaigns.c.expert_id == expert_id,
                        campaigns.c.status.in_(sorted(statuses)),
                    )
                    .order_by(campaigns.c.id)
                )
            ).all()
        return [_to_campaign(r) for r in rows]

    async def set_status(
        self,
        campaign_id: int,
        status: CampaignStatus,
        *,
        only_from: Iterable[CampaignStatus],
        **values: Any,
    ) -> bool:
        """Move a campaign to `status` if it is in one of `only_from`; True if it moved."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(campaigns)
                .where(campaigns.c.id == campaign_id, campaigns.c.status.in_(sorted(only_from)))
                .values(status=status, **values)
            )
        return result.rowcount == 1

    async def record_run(
        self, campaign_id: int, run_key: str, *, fired_by: str, fired_at: datetime
    ) -> bool:
        """Record that `fired_by` fires the run `run_key` of the campaign; False when another
        process recorded it first (that one fires it: this one must not)."""
        async with self._engine.begin() as conn:
            statement = upsert(
                conn,
                campaign_runs,
                {
                    "campaign_id": campaign_id,
                    "run_key": run_key,
                    "fired_by": fired_by,
                    "fired_at": fired_at,
                },
                ("campaign_id", "run_key"),
                update=(),
            )
            if (await conn.execute(statement)).rowcount == 1:
                return True
            holder = await conn.scalar(
                select(campaign_runs.c.fired_by).where(
                    campaign_runs.c.campaign_id == campaign_id, campaign_runs.c.run_key == run_key
                )
            )
        return holder == fired_by  # adopted from a dead firer (`adopt_unfinished_runs`)

    async def adopt_unfinished_runs(self, fired_by: str) -> int:
        """Make `fired_by` the firer of every recorded run whose campaign is still 'scheduled'
        (its firer died mid-fan-out); return how many. Only the scheduler leader may: holding
        the lead proves the earlier firer is gone."""
        unfinished = select(campaigns.c.id).where(campaigns.c.status == CampaignStatus.SCHEDULED)
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(campaign_runs)
                .where(campaign_runs.c.campaign_id.in_(unfinished))
                .values(fired_by=fired_by)
            )
        return int(result.rowcount or 0)

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
        statuses: Iterable[CampaignStatus],
        free_when_empty: Iterable[CampaignKind] = (),
    ) -> int:
        """Campaigns of the expert in `statuses` starting (or started) within [day_start, day_end).

        Campaigns of a kind in `free_when_empty` that went out and reached nobody
        (audience_size 0) are not counted.
        """
        start, end = _ts(day_start), _ts(day_end)
        when = func.coalesce(campaigns.c.started_at, campaigns.c.starts_at)
        counted = or_(
            campaigns.c.audience_size.is_(None),
            campaigns.c.audience_size != 0,
            campaigns.c.kind.not_in(sorted(free_when_empty)),
        )
        async with self._engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        select(func.count())
                        .select_from(campaigns)
                        .where(
                            campaigns.c.expert_id == expert_id,
                            campaigns.c.status.in_(sorted(statuses)),
                            when >= start,
                            when < end,
                            counted,
                        )
                    )
                ).scalar_one()
            )

    async def presale_campaign_of(self, item_id: int) -> int | None:
        """The id of the latest pre-sale campaign that announced the item, if any."""
        expert_of_item = select(items.c.expert_id).where(items.c.id == item_id).scalar_subquery()
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(campaigns.c.id, campaigns.c.item_ids)
                    .where(
                        campaigns.c.kind == CampaignKind.PRESALE,
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
            (
                and_(outbox.c.status == OutboxStatus.QUEUED, outbox.c.next_attempt_at > _ts(now)),
                "later",
            ),
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

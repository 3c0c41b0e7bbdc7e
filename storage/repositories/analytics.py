"""Report aggregates: the campaign report from its counters, overviews by set-based SQL.

The campaign report reads the counters SQLite keeps beside the rows (storage/schema/counters.py,
storage/repositories/analytics_raw.py counts the same numbers from the raw rows). The expert's
overview and the platform totals are one grouped statement per table on an index
(ix_events_expert_at, ix_clicks_expert, ix_orders_expert_created, ix_commissions_expert).
Results are aggregates: no fan id or chat id ever leaves this module.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select

from bot.analytics.model import (
    OVERVIEW_WINDOWS_DAYS,
    CampaignReport,
    ExpertOverview,
    PlatformTotals,
    WindowTotals,
    fill_timeline,
)
from storage.repositories.analytics_raw import counted_values, raw_values
from storage.repositories.analytics_rows import (
    ExportRowQueries,
    campaign_summaries,
    sum_if,
    top_experts,
)
from storage.repositories.campaign_counters import counted
from storage.schema import (
    campaigns,
    clicks,
    commissions,
    events,
    experts,
    follows,
    items,
    merchants,
    orders,
    users,
)
from storage.sums import whole_sum
from storage.unit_of_work import Database


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _count_if(condition: Any) -> Any:
    return func.coalesce(whole_sum(case((condition, 1), else_=0)), 0)


class AnalyticsRepository(ExportRowQueries):
    """Reads the numbers behind /stats, /export and /platform."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def campaign_report(
        self, campaign_id: int, *, interval_seconds: int = 3600, from_rows: bool = False
    ) -> CampaignReport | None:
        """The campaign's funnel, money and timeline, or None if there is no such campaign.

        Read from the counters where they are kept; `from_rows` counts the raw rows instead.
        """
        async with self._engine.connect() as conn:
            campaign = (
                await conn.execute(select(campaigns).where(campaigns.c.id == campaign_id))
            ).first()
            if campaign is None:
                return None
            expert_id = int(campaign.expert_id)
            if counted(conn) and not from_rows:
                values, buckets = await counted_values(conn, campaign_id, interval_seconds)
            else:
                values, buckets = await raw_values(conn, expert_id, campaign_id, interval_seconds)
        timeline = fill_timeline(buckets, interval_seconds)
        return CampaignReport(
            campaign_id=campaign_id,
            expert_id=expert_id,
            kind=str(campaign.kind),
            status=str(campaign.status),
            created_at=campaign.created_at,
            started_at=campaign.started_at,
            finished_at=campaign.finished_at,
            timeline=timeline,
            interval_seconds=interval_seconds,
            **values,
        )

    async def campaign_times(
        self, campaign_id: int
    ) -> tuple[int, datetime, datetime | None, datetime | None] | None:
        """(owner expert id, created_at, started_at, finished_at) of a campaign, or None."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(
                        campaigns.c.expert_id,
                        campaigns.c.created_at,
                        campaigns.c.started_at,
                        campaigns.c.finished_at,
                    ).where(campaigns.c.id == campaign_id)
                )
            ).first()
        return None if row is None else (int(row[0]), row[1], row[2], row[3])

    async def expert_overview(
        self, expert_id: int, *, now: datetime | None = None, campaign_limit: int = 8
    ) -> ExpertOverview:
        """Followers now, and follower growth, clicks, orders, GMV and commission per window."""
        now = now or datetime.now(UTC)
        starts = {days: _ts(now - timedelta(days=days)) for days in OVERVIEW_WINDOWS_DAYS}
        oldest = min(starts.values())
        follow_query = select(
            *[
                column
                for days, start in starts.items()
                for column in (
                    _count_if(and_(events.c.kind == "follow", events.c.at >= start)).label(
                        f"g{days}"
                    ),
                    _count_if(and_(events.c.kind == "unfollow", events.c.at >= start)).label(
                        f"l{days}"
                    ),
                )
            ]
        ).where(
            events.c.expert_id == expert_id,
            events.c.at >= oldest,
            events.c.kind.in_(("follow", "unfollow")),
        )
        click_query = select(
            *[_count_if(clicks.c.created_at >= s).label(f"c{d}") for d, s in starts.items()]
        ).where(clicks.c.expert_id == expert_id, clicks.c.created_at >= oldest)
        order_query = select(
            *[
                column
                for days, start in starts.items()
                for column in (
                    _count_if(orders.c.occurred_at >= start).label(f"o{days}"),
                    sum_if(
                        and_(orders.c.occurred_at >= start, orders.c.status == "paid"),
                        orders.c.amount_fen,
                    ).label(f"m{days}"),
                )
            ]
        ).where(orders.c.expert_id == expert_id, orders.c.occurred_at >= oldest)
        commission_query = select(
            *[
                sum_if(commissions.c.created_at >= s, commissions.c.amount_fen).label(f"k{d}")
                for d, s in starts.items()
            ]
        ).where(
            commissions.c.expert_id == expert_id,
            commissions.c.created_at >= oldest,
            commissions.c.status != "cancelled",
        )
        async with self._engine.connect() as conn:
            followers = (
                await conn.execute(select(func.count()).where(follows.c.expert_id == expert_id))
            ).scalar_one()
            row: dict[str, Any] = {}
            for query in (follow_query, click_query, order_query, commission_query):
                row.update((await conn.execute(query)).one()._mapping)
            summaries = await campaign_summaries(conn, expert_id, campaign_limit)
        windows = tuple(
            WindowTotals(
                days=d,
                followers_gained=int(row[f"g{d}"]),
                followers_lost=int(row[f"l{d}"]),
                clicks=int(row[f"c{d}"]),
                orders=int(row[f"o{d}"]),
                gmv_fen=int(row[f"m{d}"]),
                commission_fen=int(row[f"k{d}"]),
            )
            for d in OVERVIEW_WINDOWS_DAYS
        )
        return ExpertOverview(int(expert_id), int(followers), windows, summaries)

    async def platform_totals(
        self, *, now: datetime | None = None, day_start: datetime
    ) -> PlatformTotals:
        """Platform-wide counts for admins, today's from `day_start` (the admins' midnight)."""
        now = now or datetime.now(UTC)
        today = _ts(day_start)
        month = _ts(now - timedelta(days=30))
        is_expert = select(experts.c.id).where(experts.c.user_id == users.c.id).exists()

        def count(table: Any, *where: Any) -> Any:
            return select(func.count()).select_from(table).where(*where).scalar_subquery()

        scalar_counts = select(
            count(users, users.c.forgotten_at.is_(None), ~is_expert).label("fans"),
            count(experts, experts.c.status == "verified").label("experts"),
            count(merchants, merchants.c.status == "verified").label("merchants"),
            count(items, items.c.status == "listed").label("items"),
            count(campaigns, campaigns.c.started_at >= today).label("campaigns_today"),
        )
        click_query = select(
            func.count().label("clicks"),
            _count_if(clicks.c.created_at >= today).label("clicks_today"),
        )
        paid = orders.c.status == "paid"
        order_query = select(
            func.count().label("orders"),
            _count_if(orders.c.occurred_at >= today).label("orders_today"),
            sum_if(paid, orders.c.amount_fen).label("gmv_fen"),
            sum_if(and_(paid, orders.c.occurred_at >= today), orders.c.amount_fen).label(
                "gmv_today_fen"
            ),
        )
        async with self._engine.connect() as conn:
            row: dict[str, Any] = {}
            for query in (scalar_counts, click_query, order_query):
                row.update((await conn.execute(query)).one()._mapping)
            top = await top_experts(conn, month)
        return PlatformTotals(**{k: int(v or 0) for k, v in row.items()}, top_experts=top)

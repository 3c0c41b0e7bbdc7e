"""Report aggregates: set-based SQL over outbox, clicks, events, orders and commissions.

Every figure is one grouped statement on an index (campaign reads use ix_outbox_campaign_status,
ix_clicks_campaign, ix_events_campaign_kind, and the expert's ix_orders_expert_created /
ix_commissions_expert, since a campaign's orders always belong to its expert). The campaign
indexes cover the columns the report reads (sent_at, the clicking fan and time, the following
fan), so a report over a million events reads indexes only, never the tables. Results are
aggregates: no fan id or chat id ever leaves this module.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    case,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.analytics.model import (
    OUTBOX_STATUSES,
    OVERVIEW_WINDOWS_DAYS,
    CampaignReport,
    ExpertOverview,
    PlatformTotals,
    WindowTotals,
    fill_timeline,
)
from storage.repositories.analytics_rows import (
    ExportRowQueries,
    campaign_summaries,
    sum_if,
    top_experts,
)
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
    outbox,
    users,
)
from storage.unit_of_work import Database

CAMPAIGN_EVENT_KINDS = ("favourite", "cart_add", "card_open", "follow")


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _bucket(column: Any, interval_seconds: int) -> Any:
    # Integer division on both SQLite and PostgreSQL (type_coerce skips the datetime decoding).
    return type_coerce(column, BigInteger) // interval_seconds


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _unique_clicks() -> Any:
    # A click whose fan was deleted still counts once, by its own id.
    return func.count(func.distinct(clicks.c.fan_id)) + _count_if(clicks.c.fan_id.is_(None))


class AnalyticsRepository(ExportRowQueries):
    """Reads the numbers behind /stats, /export and /platform."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def campaign_report(
        self, campaign_id: int, *, interval_seconds: int = 3600
    ) -> CampaignReport | None:
        """The campaign's funnel, money and timeline, or None if there is no such campaign."""
        async with self._engine.connect() as conn:
            campaign = (
                await conn.execute(select(campaigns).where(campaigns.c.id == campaign_id))
            ).first()
            if campaign is None:
                return None
            expert_id = int(campaign.expert_id)
            values: dict[str, Any] = {status: 0 for status in OUTBOX_STATUSES}
            values.update(await _outbox_counts(conn, campaign_id))
            values["audience"] = sum(values[s] for s in OUTBOX_STATUSES)
            values.update(await _click_counts(conn, clicks.c.campaign_id == campaign_id))
            values.update(await _event_counts(conn, campaign_id))
            values.update(await _order_counts(conn, expert_id, campaign_id))
            values["commission_fen"] = await _campaign_commission(conn, expert_id, campaign_id)
            timeline = await _timeline(conn, expert_id, campaign_id, interval_seconds)
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


async def _outbox_counts(conn: AsyncConnection, campaign_id: int) -> dict[str, int]:
    rows = await conn.execute(
        select(outbox.c.status, func.count())
        .where(outbox.c.campaign_id == campaign_id)
        .group_by(outbox.c.status)
    )
    return {str(status): int(n) for status, n in rows.all() if status in OUTBOX_STATUSES}


async def _click_counts(conn: AsyncConnection, where: Any) -> dict[str, int]:
    row = (
        await conn.execute(
            select(func.count().label("clicks"), _unique_clicks().label("unique_clicks")).where(
                where
            )
        )
    ).one()
    return {"clicks": int(row.clicks), "unique_clicks": int(row.unique_clicks)}


async def _event_counts(conn: AsyncConnection, campaign_id: int) -> dict[str, int]:
    # Counting by kind reads only ix_events_campaign_kind; only follows need distinct people.
    rows = await conn.execute(
        select(events.c.kind, func.count())
        .where(events.c.campaign_id == campaign_id, events.c.kind.in_(CAMPAIGN_EVENT_KINDS))
        .group_by(events.c.kind)
    )
    counts = {str(kind): int(n) for kind, n in rows.all()}
    # A fan who follows, unfollows and follows again was gained once.
    followers = (
        await conn.execute(
            select(func.count(func.distinct(events.c.user_id))).where(
                events.c.campaign_id == campaign_id, events.c.kind == "follow"
            )
        )
    ).scalar_one()
    return {
        "favourites": counts.get("favourite", 0),
        "cart_adds": counts.get("cart_add", 0),
        "card_opens": counts.get("card_open", 0),
        "new_followers": int(followers),
    }


async def _order_counts(conn: AsyncConnection, expert_id: int, campaign_id: int) -> dict[str, int]:
    row = (
        await conn.execute(
            select(
                func.count().label("orders"),
                _count_if(orders.c.status == "paid").label("paid_orders"),
                _count_if(orders.c.status == "refunded").label("refunded_orders"),
                _count_if(orders.c.status == "cancelled").label("cancelled_orders"),
                sum_if(orders.c.status.in_(("paid", "refunded")), orders.c.amount_fen).label(
                    "gross_fen"
                ),
                sum_if(orders.c.status == "refunded", orders.c.amount_fen).label("refunded_fen"),
                sum_if(orders.c.status == "paid", orders.c.amount_fen).label("paid_fen"),
            ).where(orders.c.expert_id == expert_id, orders.c.campaign_id == campaign_id)
        )
    ).one()
    return {key: int(value) for key, value in row._mapping.items()}


async def _campaign_commission(conn: AsyncConnection, expert_id: int, campaign_id: int) -> int:
    campaign_orders = select(orders.c.id).where(
        orders.c.expert_id == expert_id, orders.c.campaign_id == campaign_id
    )
    total = (
        await conn.execute(
            select(func.coalesce(func.sum(commissions.c.amount_fen), 0)).where(
                commissions.c.expert_id == expert_id,
                commissions.c.status != "cancelled",
                commissions.c.order_id.in_(campaign_orders),
            )
        )
    ).scalar_one()
    return int(total)


async def _timeline(
    conn: AsyncConnection, expert_id: int, campaign_id: int, interval_seconds: int
) -> tuple[Any, ...]:
    sends = select(
        _bucket(outbox.c.sent_at, interval_seconds).label("bucket"),
        literal(0, Integer).label("series"),
    ).where(
        outbox.c.campaign_id == campaign_id,
        outbox.c.status == "sent",
        outbox.c.sent_at.is_not(None),
    )
    click_times = select(_bucket(clicks.c.created_at, interval_seconds), literal(1, Integer)).where(
        clicks.c.campaign_id == campaign_id
    )
    order_times = select(
        _bucket(orders.c.occurred_at, interval_seconds), literal(2, Integer)
    ).where(orders.c.expert_id == expert_id, orders.c.campaign_id == campaign_id)
    # One grouped read per series, each on its own covering index; a UNION ALL of the rows
    # grouped afterwards would first copy every send of the campaign into a temporary table.
    buckets: dict[int, list[int]] = {}
    for series, query in enumerate((sends, click_times, order_times)):
        grouped = query.subquery()
        bucket = grouped.c[grouped.c.keys()[0]]
        rows = await conn.execute(select(bucket, func.count()).group_by(bucket))
        for value, n in rows.all():
            buckets.setdefault(int(value), [0, 0, 0])[series] = int(n)
    return fill_timeline({k: (v[0], v[1], v[2]) for k, v in buckets.items()}, interval_seconds)

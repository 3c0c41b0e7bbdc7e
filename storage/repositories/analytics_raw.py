"""The campaign report's numbers two ways: from the counters, or counted from the raw rows.

`counted_values` reads the pre-aggregates (storage/schema/counters.py): a handful of rows, where
SQLite keeps them. `raw_values` counts the outbox, clicks, events, orders and commissions
themselves, one grouped statement on a covering index each (ix_outbox_campaign_status,
ix_clicks_campaign, ix_events_campaign_kind, ix_orders_expert_created, ix_commissions_expert):
on databases without the counters, and in tests as the recomputation the counters must equal.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, case, func, literal, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.analytics.model import OUTBOX_STATUSES
from storage.repositories.analytics_rows import sum_if
from storage.repositories.campaign_counters import counters_of, timeline_of
from storage.schema import clicks, commissions, events, orders, outbox
from storage.sums import whole_sum

CAMPAIGN_EVENT_KINDS = ("favourite", "cart_add", "card_open", "follow")
Buckets = dict[int, tuple[int, int, int]]
# Report fields read straight from a counter of the same name.
COUNTER_FIELDS = (
    "clicks",
    "unique_clicks",
    "favourites",
    "cart_adds",
    "card_opens",
    "new_followers",
    "orders",
    "paid_orders",
    "refunded_orders",
    "cancelled_orders",
    "gross_fen",
    "refunded_fen",
    "paid_fen",
    "commission_fen",
)


def _bucket(column: Any, interval_seconds: int) -> Any:
    # Integer division on both SQLite and PostgreSQL (type_coerce skips the datetime decoding).
    return type_coerce(column, BigInteger) // interval_seconds


def _count_if(condition: Any) -> Any:
    return func.coalesce(whole_sum(case((condition, 1), else_=0)), 0)


def _unique_clicks() -> Any:
    # A click whose fan was deleted still counts once, by its own id.
    return func.count(func.distinct(clicks.c.fan_id)) + _count_if(clicks.c.fan_id.is_(None))


async def counted_values(
    conn: AsyncConnection, campaign_id: int, interval_seconds: int
) -> tuple[dict[str, int], Buckets]:
    """The report's numbers and timeline buckets from the campaign's counters."""
    kept = await counters_of(conn, campaign_id)
    values = {status: kept.get(f"outbox:{status}", 0) for status in OUTBOX_STATUSES}
    values["audience"] = sum(values.values())
    values.update({name: kept.get(name, 0) for name in COUNTER_FIELDS})
    return values, await timeline_of(conn, campaign_id, interval_seconds)


async def raw_values(
    conn: AsyncConnection, expert_id: int, campaign_id: int, interval_seconds: int
) -> tuple[dict[str, int], Buckets]:
    """The same numbers and buckets counted from the raw rows."""
    values: dict[str, int] = {status: 0 for status in OUTBOX_STATUSES}
    values.update(await _outbox_counts(conn, campaign_id))
    values["audience"] = sum(values[s] for s in OUTBOX_STATUSES)
    values.update(await _click_counts(conn, clicks.c.campaign_id == campaign_id))
    values.update(await _event_counts(conn, campaign_id))
    values.update(await _order_counts(conn, expert_id, campaign_id))
    values["commission_fen"] = await _campaign_commission(conn, expert_id, campaign_id)
    return values, await _timeline(conn, expert_id, campaign_id, interval_seconds)


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
            select(func.coalesce(whole_sum(commissions.c.amount_fen), 0)).where(
                commissions.c.expert_id == expert_id,
                commissions.c.status != "cancelled",
                commissions.c.order_id.in_(campaign_orders),
            )
        )
    ).scalar_one()
    return int(total)


async def _timeline(
    conn: AsyncConnection, expert_id: int, campaign_id: int, interval_seconds: int
) -> Buckets:
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
    return {k: (v[0], v[1], v[2]) for k, v in buckets.items()}

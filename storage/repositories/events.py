"""Events: one row per thing a person did that reports and rankings count.

Engagement for rankings and the feed is read back in hourly buckets: favourites and cart
additions from this table, clicks from `clicks` (logged by /go) and paid orders from `orders`,
so no action is counted twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Label, func, insert, literal, select, union_all

from bot.domain.rankings import Engagement, ItemEngagement
from storage.schema import clicks, events, orders
from storage.unit_of_work import Database

BUCKET_SECONDS = 3600
ENGAGEMENT_EVENT_KINDS = {"favourite": "favourites", "cart_add": "carts"}


class EventRepository:
    """Appends to and reads from the events table."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def record(
        self,
        kind: str,
        *,
        user_id: int | None = None,
        expert_id: int | None = None,
        item_id: int | None = None,
        campaign_id: int | None = None,
        source: str | None = None,
        value: int | None = None,
    ) -> None:
        """Append one event (a single INSERT)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(events).values(
                    kind=kind[:24],
                    at=datetime.now(UTC),
                    user_id=user_id,
                    expert_id=expert_id,
                    item_id=item_id,
                    campaign_id=campaign_id,
                    source=source[:32] if source else None,
                    value=value,
                )
            )

    async def count(
        self, kind: str, *, user_id: int | None = None, item_id: int | None = None
    ) -> int:
        """How many events of `kind` (optionally of one user or item) were recorded."""
        where = [events.c.kind == kind]
        if user_id is not None:
            where.append(events.c.user_id == user_id)
        if item_id is not None:
            where.append(events.c.item_id == item_id)
        async with self._engine.connect() as conn:
            return int(
                (
                    await conn.execute(select(func.count()).select_from(events).where(*where))
                ).scalar_one()
            )

    async def engagement(
        self, *, since: datetime, item_ids: Iterable[int] | None = None
    ) -> list[ItemEngagement]:
        """Hourly engagement records per item since `since` (only the given items, if any)."""
        since_s = int(since.timestamp())
        ids = None if item_ids is None else list(item_ids)
        if ids is not None and not ids:
            return []

        def bucket(column: ColumnElement[Any]) -> Label[Any]:
            # Floor division: `/` is true division in SQLAlchemy 2, which made every second its
            # own "bucket" and let the counts of one hour overwrite each other below.
            return (column // BUCKET_SECONDS).label("bucket")

        parts = []
        for kind, counter in ENGAGEMENT_EVENT_KINDS.items():
            query = select(
                events.c.item_id.label("item_id"),
                bucket(events.c.at),
                literal(counter).label("counter"),
            ).where(events.c.kind == kind, events.c.at >= since_s, events.c.item_id.is_not(None))
            if ids is not None:
                query = query.where(events.c.item_id.in_(ids))
            parts.append(query)
        click_query = select(
            clicks.c.item_id.label("item_id"), bucket(clicks.c.created_at), literal("clicks")
        ).where(clicks.c.created_at >= since_s)
        order_query = select(
            orders.c.item_id.label("item_id"), bucket(orders.c.occurred_at), literal("orders")
        ).where(
            orders.c.occurred_at >= since_s,
            orders.c.status == "paid",
            orders.c.item_id.is_not(None),
        )
        if ids is not None:
            click_query = click_query.where(clicks.c.item_id.in_(ids))
            order_query = order_query.where(orders.c.item_id.in_(ids))
        parts += [click_query, order_query]
        combined = union_all(*parts).subquery()
        query = select(
            combined.c.item_id, combined.c.bucket, combined.c.counter, func.count().label("n")
        ).group_by(combined.c.item_id, combined.c.bucket, combined.c.counter)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        counts: dict[int, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
        for row in rows:
            hour = counts[int(row.item_id)][int(row.bucket)]
            hour[row.counter] = hour.get(row.counter, 0) + int(row.n)
        result = []
        for item_id in sorted(counts):
            records = [
                Engagement(
                    # The middle of the hour stands for every action inside it.
                    at=datetime.fromtimestamp(b * BUCKET_SECONDS + BUCKET_SECONDS // 2, UTC),
                    **by_counter,
                )
                for b, by_counter in sorted(counts[item_id].items())
            ]
            result.append(ItemEngagement(item_id, records))
        return result

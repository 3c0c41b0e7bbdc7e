"""Orders reported by partners: stored and queried here; applied by bot/orders/service.py.

The status machine, stock and commission rules are in bot/domain; the service applies them with
these methods inside one writing unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, insert, select, update

from bot.domain.orders import OrderEvent
from storage.schema import clicks, commissions, items, orders, webhook_receipts
from storage.sums import whole_sum
from storage.unit_of_work import Database
from storage.upsert import upsert


@dataclass(frozen=True)
class OrderRow:
    """An order as merchants read it in /orders."""

    id: int
    partner_order_id: str
    item_title: str | None
    quantity: int
    amount_fen: int
    status: str
    expert_id: int | None
    campaign_id: int | None
    commission_fen: int
    occurred_at: datetime


@dataclass(frozen=True)
class StoredOrder:
    """An order as the status machine needs it."""

    id: int
    merchant_id: int
    item_id: int | None
    expert_id: int | None
    campaign_id: int | None
    quantity: int
    amount_fen: int
    status: str
    stock_taken: int | None


@dataclass(frozen=True)
class AttributionClick:
    """The click an order names, with the merchant whose item was clicked."""

    id: str
    item_id: int
    expert_id: int
    campaign_id: int | None
    created_at: datetime
    item_merchant_id: int


class OrderRepository:
    """Stores orders, their receipts and the ordered items' stock; lists and sums orders."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def receive(self, merchant_id: int, message_id: str, now: datetime) -> bool:
        """Record a callback's webhook-id; False when it was seen before (a replay).

        A write first: on SQLite it takes the write lock, so concurrent deliveries of the same
        order are applied one after the other, never interleaved.
        """
        async with self._engine.begin() as conn:
            receipt = await conn.execute(
                upsert(
                    conn,
                    webhook_receipts,
                    {"merchant_id": merchant_id, "message_id": message_id, "received_at": now},
                    ("merchant_id", "message_id"),
                    update=(),
                )
            )
            return bool(receipt.rowcount)

    async def by_partner_id(self, partner_key: str, partner_order_id: str) -> StoredOrder | None:
        """The order a partner reported under `partner_order_id`, whichever merchant sent it."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(orders).where(
                        orders.c.partner_key == partner_key,
                        orders.c.partner_order_id == partner_order_id,
                    )
                )
            ).first()
        if row is None:
            return None
        r = row._mapping
        return StoredOrder(
            id=r["id"],
            merchant_id=r["merchant_id"],
            item_id=r["item_id"],
            expert_id=r["expert_id"],
            campaign_id=r["campaign_id"],
            quantity=r["quantity"],
            amount_fen=r["amount_fen"],
            status=r["status"],
            stock_taken=r["stock_taken"],
        )

    async def attribution_click(self, click_id: str) -> AttributionClick | None:
        """The click an order names, with the merchant of the item clicked."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(clicks, items.c.merchant_id.label("item_merchant_id"))
                    .select_from(clicks.join(items, items.c.id == clicks.c.item_id))
                    .where(clicks.c.id == click_id)
                )
            ).first()
        if row is None:
            return None
        r = row._mapping
        return AttributionClick(
            id=r["id"],
            item_id=r["item_id"],
            expert_id=r["expert_id"],
            campaign_id=r["campaign_id"],
            created_at=r["created_at"],
            item_merchant_id=r["item_merchant_id"],
        )

    async def listed_item(
        self, merchant_id: int, partner_item_id: str, *, prefer_item_id: int | None
    ) -> int | None:
        """The merchant's item for a partner product: `prefer_item_id` if it is one, else the first.

        Several experts may list the same product: the listing the fan clicked through wins.
        """
        query = select(items.c.id).where(
            items.c.merchant_id == merchant_id, items.c.partner_item_id == partner_item_id
        )
        async with self._engine.connect() as conn:
            if prefer_item_id is not None:
                found = (
                    await conn.execute(query.where(items.c.id == prefer_item_id))
                ).scalar_one_or_none()
                if found is not None:
                    return int(found)
            first = (await conn.execute(query.order_by(items.c.id).limit(1))).scalar_one_or_none()
        return None if first is None else int(first)

    async def insert(
        self,
        *,
        merchant_id: int,
        partner_key: str,
        event: OrderEvent,
        item_id: int | None,
        click_id: str | None,
        expert_id: int | None,
        campaign_id: int | None,
        now: datetime,
    ) -> int:
        """Store a first-seen order; its id."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                insert(orders)
                .values(
                    partner_key=partner_key,
                    partner_order_id=event.order_id,
                    merchant_id=merchant_id,
                    item_id=item_id,
                    click_id=click_id,
                    expert_id=expert_id,
                    campaign_id=campaign_id,
                    quantity=event.quantity,
                    amount_fen=event.amount_fen,
                    status=event.status,
                    occurred_at=event.occurred_at,
                    created_at=now,
                    updated_at=now,
                )
                .returning(orders.c.id)
            )
            return int(result.scalar_one())

    async def set_status(self, order_id: int, status: str, now: datetime) -> None:
        """Move a stored order to `status`."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(orders).where(orders.c.id == order_id).values(status=status, updated_at=now)
            )

    async def set_stock_taken(self, order_id: int, taken: int) -> None:
        """Remember how much stock the order really took (less than its quantity if oversold)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(orders).where(orders.c.id == order_id).values(stock_taken=taken)
            )

    async def item_stock(self, item_id: int) -> tuple[int, bool]:
        """(stock, low-stock already warned) of an ordered item, locked for the change to come.

        A writing unit of work already holds SQLite's write lock; PostgreSQL locks the row.
        """
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(items.c.stock, items.c.low_stock_warned)
                    .where(items.c.id == item_id)
                    .with_for_update()
                )
            ).one()
        return int(row.stock), bool(row.low_stock_warned)

    async def set_item_stock(self, item_id: int, *, stock: int, warned: bool) -> None:
        """Store an ordered item's new stock and low-stock flag."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(items)
                .where(items.c.id == item_id)
                .values(stock=stock, low_stock_warned=warned)
            )

    async def item_title(self, item_id: int) -> str | None:
        """The title of an ordered item (None when it is gone)."""
        async with self._engine.connect() as conn:
            title = (
                await conn.execute(select(items.c.title).where(items.c.id == item_id))
            ).scalar_one_or_none()
        return None if title is None else str(title)

    async def recent(self, merchant_id: int, *, limit: int = 10) -> list[OrderRow]:
        """The merchant's latest orders, newest first."""
        commission = (
            select(func.coalesce(whole_sum(commissions.c.amount_fen), 0))
            .where(commissions.c.order_id == orders.c.id, commissions.c.status != "cancelled")
            .scalar_subquery()
        )
        query = (
            select(orders, items.c.title.label("item_title"), commission.label("commission_fen"))
            .select_from(orders.outerjoin(items, items.c.id == orders.c.item_id))
            .where(orders.c.merchant_id == merchant_id)
            .order_by(orders.c.created_at.desc(), orders.c.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            OrderRow(
                id=r.id,
                partner_order_id=r.partner_order_id,
                item_title=r.item_title,
                quantity=r.quantity,
                amount_fen=r.amount_fen,
                status=r.status,
                expert_id=r.expert_id,
                campaign_id=r.campaign_id,
                commission_fen=int(r.commission_fen or 0),
                occurred_at=r.occurred_at,
            )
            for r in rows
        ]

    async def summary(
        self, merchant_id: int, *, since: datetime, until: datetime
    ) -> dict[str, int]:
        """Counts and sums of the merchant's orders received in (since, until], whole seconds."""
        paid = case((orders.c.status == "paid", 1), else_=0)
        reversed_ = case((orders.c.status != "paid", 1), else_=0)
        gmv = case((orders.c.status == "paid", orders.c.amount_fen), else_=0)
        attributed = case((orders.c.expert_id.is_not(None), 1), else_=0)
        window = and_(
            orders.c.merchant_id == merchant_id,
            orders.c.created_at > int(since.timestamp()),
            orders.c.created_at <= int(until.timestamp()),
        )
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(
                        func.count(),
                        whole_sum(paid),
                        whole_sum(reversed_),
                        whole_sum(gmv),
                        whole_sum(attributed),
                    ).where(window)
                )
            ).one()
            booked = (
                await conn.execute(
                    select(func.coalesce(whole_sum(commissions.c.amount_fen), 0)).where(
                        commissions.c.merchant_id == merchant_id,
                        commissions.c.status != "cancelled",
                        commissions.c.created_at > int(since.timestamp()),
                        commissions.c.created_at <= int(until.timestamp()),
                    )
                )
            ).scalar_one()
        return {
            "orders": int(row[0] or 0),
            "paid": int(row[1] or 0),
            "reversed": int(row[2] or 0),
            "gmv_fen": int(row[3] or 0),
            "attributed": int(row[4] or 0),
            "commission_fen": int(booked or 0),
        }

    async def count(self) -> int:
        """How many orders are stored."""
        async with self._engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(orders))).scalar_one())

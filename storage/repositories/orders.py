"""Orders reported by partners, applied with their stock and commission effects in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.commissions import attribute, commission_fen, commission_status, rate_in_force
from bot.domain.errors import DomainError
from bot.domain.orders import OrderEvent, OrderState, apply_order_event
from storage.repositories.agreements import terms_of_merchant
from storage.schema import clicks, commissions, items, orders, webhook_receipts
from storage.unit_of_work import Database
from storage.upsert import upsert


@dataclass(frozen=True)
class OrderRules:
    """The configurable windows and thresholds an order is judged by."""

    attribution_window_seconds: int
    refund_window_seconds: int
    low_stock_threshold: int


@dataclass(frozen=True)
class OrderOutcome:
    """What one callback did: enough to answer the partner and to write the notices."""

    replayed: bool  # the same webhook-id was seen before: nothing was done
    changed: bool
    reason: str  # new | reversed | duplicate | stale_after_terminal | replayed
    order_id: int | None = None
    partner_order_id: str = ""
    merchant_id: int = 0
    status: str = ""
    item_id: int | None = None
    item_title: str | None = None
    expert_id: int | None = None
    campaign_id: int | None = None
    quantity: int = 0
    amount_fen: int = 0
    commission_action: str | None = None  # create | cancel | negative_adjustment
    commission_fen: int = 0  # the amount booked or reversed by this callback (>= 0)
    rate_bp: int | None = None
    stock_after: int | None = None
    sold_out: bool = False  # this order took the last piece
    low_stock: bool = False  # stock fell to the threshold: warn the expert (once)


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


REPLAYED = OrderOutcome(replayed=True, changed=False, reason="replayed")


class OrderRepository:
    """Applies order callbacks and lists orders."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def apply_callback(
        self,
        *,
        merchant_id: int,
        partner_key: str,
        message_id: str,
        event: OrderEvent,
        rules: OrderRules,
        now: datetime,
    ) -> OrderOutcome:
        """Apply one verified callback exactly once: receipt, order, stock and commission together.

        Raises DomainError("payload.invalid", field="order_id", reason="conflict") when another
        merchant already reported this order id on the same platform (nothing is stored then).
        """
        async with self._engine.begin() as conn:
            # A write first: on SQLite it takes the write lock, so concurrent deliveries of the
            # same order are applied one after the other, never interleaved.
            receipt = await conn.execute(
                upsert(
                    conn,
                    webhook_receipts,
                    {"merchant_id": merchant_id, "message_id": message_id, "received_at": now},
                    ("merchant_id", "message_id"),
                    update=(),
                )
            )
            if receipt.rowcount == 0:
                return REPLAYED
            return await _apply(conn, merchant_id, partner_key, event, rules, now)

    async def recent(self, merchant_id: int, *, limit: int = 10) -> list[OrderRow]:
        """The merchant's latest orders, newest first."""
        commission = (
            select(func.coalesce(func.sum(commissions.c.amount_fen), 0))
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
                        func.sum(paid),
                        func.sum(reversed_),
                        func.sum(gmv),
                        func.sum(attributed),
                    ).where(window)
                )
            ).one()
            booked = (
                await conn.execute(
                    select(func.coalesce(func.sum(commissions.c.amount_fen), 0)).where(
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

    async def exists(self, merchant_id: int, partner_key: str, partner_order_id: str) -> bool:
        """True when this merchant already reported the order."""
        async with self._engine.connect() as conn:
            found = await conn.execute(
                select(orders.c.id).where(
                    orders.c.partner_key == partner_key,
                    orders.c.partner_order_id == partner_order_id,
                    orders.c.merchant_id == merchant_id,
                )
            )
            return found.first() is not None

    async def count(self) -> int:
        """How many orders are stored."""
        async with self._engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(orders))).scalar_one())


async def _current_state(
    conn: AsyncConnection, row: Row[Any], rules: OrderRules, now: datetime
) -> tuple[OrderState, Row[Any] | None]:
    """The stored order as the status machine sees it, and its live commission row if any."""
    r = row._mapping
    live: Row[Any] | None = None
    commission = None
    if r["status"] == "paid":
        live = (
            await conn.execute(
                select(commissions).where(
                    commissions.c.order_id == r["id"],
                    commissions.c.kind == "commission",
                    commissions.c.status != "cancelled",
                )
            )
        ).first()
        if live is not None:
            commission = commission_status(live.created_at, now, rules.refund_window_seconds)
    held = 0
    if r["status"] == "paid" and r["item_id"] is not None:
        # An oversold order took less than its quantity; a reversal gives back only that.
        taken = r["stock_taken"]
        held = r["quantity"] if taken is None else max(0, min(r["quantity"], taken))
    return OrderState(r["status"], stock_held=held, commission=commission), live


async def _apply(
    conn: AsyncConnection,
    merchant_id: int,
    partner_key: str,
    event: OrderEvent,
    rules: OrderRules,
    now: datetime,
) -> OrderOutcome:
    """Run the status machine on the stored order and apply its effects in `conn`'s transaction."""
    row = (
        await conn.execute(
            select(orders).where(
                orders.c.partner_key == partner_key, orders.c.partner_order_id == event.order_id
            )
        )
    ).first()
    if row is not None and row.merchant_id != merchant_id:
        raise DomainError("payload.invalid", field="order_id", reason="conflict")
    current, live = (None, None) if row is None else await _current_state(conn, row, rules, now)
    transition = apply_order_event(current, event)
    if not transition.changed:
        assert row is not None
        return OrderOutcome(
            replayed=False,
            changed=False,
            reason=transition.reason,
            order_id=row.id,
            partner_order_id=event.order_id,
            merchant_id=merchant_id,
            status=row.status,
        )
    base: dict[str, object]
    if row is None:
        base = await _insert_order(conn, merchant_id, partner_key, event, rules, now)
    else:
        await conn.execute(
            update(orders)
            .where(orders.c.id == row.id)
            .values(status=transition.state.status, updated_at=now)
        )
        base = {
            "order_id": row.id,
            "item_id": row.item_id,
            "expert_id": row.expert_id,
            "campaign_id": row.campaign_id,
            "quantity": row.quantity,
            "amount_fen": row.amount_fen,
            "rate_bp": None,
            "commission_fen": 0,
        }
    item_id: int | None = base["item_id"]  # type: ignore[assignment]
    stock = await _move_stock(conn, item_id, transition.stock_delta, rules)
    if transition.stock_delta < 0:
        await conn.execute(
            update(orders).where(orders.c.id == base["order_id"]).values(stock_taken=stock[3])
        )
    action: str | None = transition.commission_action
    if action == "create":
        action = await _create_commission(conn, base, merchant_id, now)
    elif action is not None and live is not None:
        base["rate_bp"] = live.rate_bp
        base["commission_fen"] = live.amount_fen
        await _reverse_commission(conn, live, action, now)
    title = None
    if base["item_id"] is not None:
        title = (
            await conn.execute(select(items.c.title).where(items.c.id == base["item_id"]))
        ).scalar_one_or_none()
    return OrderOutcome(
        replayed=False,
        changed=True,
        reason=transition.reason,
        order_id=base["order_id"],  # type: ignore[arg-type]
        partner_order_id=event.order_id,
        merchant_id=merchant_id,
        status=transition.state.status,
        item_id=base["item_id"],  # type: ignore[arg-type]
        item_title=title,
        expert_id=base["expert_id"],  # type: ignore[arg-type]
        campaign_id=base["campaign_id"],  # type: ignore[arg-type]
        quantity=base["quantity"],  # type: ignore[arg-type]
        amount_fen=base["amount_fen"],  # type: ignore[arg-type]
        commission_action=action,
        commission_fen=base["commission_fen"] if action else 0,  # type: ignore[arg-type]
        rate_bp=base["rate_bp"],  # type: ignore[arg-type]
        stock_after=stock[0],
        sold_out=stock[1],
        low_stock=stock[2],
    )


async def _insert_order(
    conn: AsyncConnection,
    merchant_id: int,
    partner_key: str,
    event: OrderEvent,
    rules: OrderRules,
    now: datetime,
) -> dict[str, object]:
    """Store a first-seen order with its attribution; return what its effects need."""
    click = None
    if event.click_id is not None:
        click = (
            await conn.execute(
                select(clicks, items.c.merchant_id.label("item_merchant_id"))
                .select_from(clicks.join(items, items.c.id == clicks.c.item_id))
                .where(clicks.c.id == event.click_id)
            )
        ).first()
    # Only a click on one of this merchant's items, inside the window, earns a commission.
    attributed = (
        click is not None
        and click.item_merchant_id == merchant_id
        and attribute(click.created_at, event.occurred_at, rules.attribution_window_seconds)
    )
    expert_id = click.expert_id if attributed and click is not None else None
    item_query = select(items.c.id).where(
        items.c.merchant_id == merchant_id, items.c.partner_item_id == event.partner_item_id
    )
    # Several experts may list the same product: prefer the listing the fan clicked through.
    item_id = None
    if click is not None and click.item_merchant_id == merchant_id:
        item_id = (
            await conn.execute(item_query.where(items.c.id == click.item_id))
        ).scalar_one_or_none()
    if item_id is None:
        item_id = (
            await conn.execute(item_query.order_by(items.c.id).limit(1))
        ).scalar_one_or_none()
    rate = None
    if attributed and click is not None:
        rate = rate_in_force(
            await terms_of_merchant(conn, merchant_id), click.expert_id, click.created_at
        )
    result = await conn.execute(
        insert(orders).values(
            partner_key=partner_key,
            partner_order_id=event.order_id,
            merchant_id=merchant_id,
            item_id=item_id,
            click_id=click.id if click is not None else None,
            expert_id=expert_id,
            campaign_id=click.campaign_id if attributed and click is not None else None,
            quantity=event.quantity,
            amount_fen=event.amount_fen,
            status=event.status,
            occurred_at=event.occurred_at,
            created_at=now,
            updated_at=now,
        )
    )
    return {
        "order_id": int(result.inserted_primary_key[0]),  # type: ignore[index]
        "item_id": item_id,
        "expert_id": expert_id,
        "campaign_id": click.campaign_id if attributed and click is not None else None,
        "quantity": event.quantity,
        "amount_fen": event.amount_fen,
        "rate_bp": rate,
        "commission_fen": commission_fen(event.amount_fen, rate) if rate is not None else 0,
    }


async def _move_stock(
    conn: AsyncConnection, item_id: int | None, delta: int, rules: OrderRules
) -> tuple[int | None, bool, bool, int]:
    """Apply a stock change (never below zero).

    Returns (stock after, sold out now, warn low, how much was taken: at most -delta).
    """
    if item_id is None:
        return None, False, False, 0
    # The order's transaction already holds SQLite's write lock; PostgreSQL locks the row.
    row = (
        await conn.execute(
            select(items.c.stock, items.c.low_stock_warned)
            .where(items.c.id == item_id)
            .with_for_update()
        )
    ).one()
    before = int(row.stock)
    after = max(0, before + delta)
    if after != before:
        await conn.execute(update(items).where(items.c.id == item_id).values(stock=after))
    sold_out = delta < 0 and after == 0
    low = delta < 0 and 0 < after <= rules.low_stock_threshold and not row.low_stock_warned
    if low:
        await conn.execute(update(items).where(items.c.id == item_id).values(low_stock_warned=True))
    elif delta > 0 and after > rules.low_stock_threshold and row.low_stock_warned:
        # Refunds brought it back above the line: the next fall warns again.
        await conn.execute(
            update(items).where(items.c.id == item_id).values(low_stock_warned=False)
        )
    return after, sold_out, low, max(0, before - after)


async def _create_commission(
    conn: AsyncConnection, base: dict[str, object], merchant_id: int, now: datetime
) -> str | None:
    """Book the pending commission of an attributed order with a rate in force; None if none."""
    if base["expert_id"] is None or base["rate_bp"] is None:
        return None
    await conn.execute(
        insert(commissions).values(
            order_id=base["order_id"],
            expert_id=base["expert_id"],
            merchant_id=merchant_id,
            kind="commission",
            rate_bp=base["rate_bp"],
            amount_fen=base["commission_fen"],
            status="pending",
            created_at=now,
        )
    )
    return "create"


async def _reverse_commission(
    conn: AsyncConnection, live: Row[Any], action: str, now: datetime
) -> None:
    """Cancel a pending commission, or keep a confirmed one and book a negative adjustment."""
    row = live._mapping
    if action == "cancel":
        await conn.execute(
            update(commissions).where(commissions.c.id == row["id"]).values(status="cancelled")
        )
        return
    if row["status"] == "pending":  # the confirming job had not run yet: history says confirmed
        await conn.execute(
            update(commissions)
            .where(commissions.c.id == row["id"])
            .values(status="confirmed", confirmed_at=now)
        )
    await conn.execute(
        insert(commissions).values(
            order_id=row["order_id"],
            expert_id=row["expert_id"],
            merchant_id=row["merchant_id"],
            kind="adjustment",
            rate_bp=row["rate_bp"],
            amount_fen=-row["amount_fen"],
            status="confirmed",
            confirmed_at=now,
            created_at=now,
        )
    )

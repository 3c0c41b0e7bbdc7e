"""Commissions: booked and reversed for orders, confirmed when the refund window closes, and
experts' earnings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, insert, select, update

from storage.schema import commissions, merchants
from storage.sums import whole_sum
from storage.unit_of_work import Database


@dataclass(frozen=True)
class Earnings:
    """One merchant's line in an expert's /earnings."""

    merchant_id: int
    merchant_name: str
    pending_fen: int
    confirmed_fen: int
    adjustments_fen: int  # negative: refunds after confirmation
    orders: int

    @property
    def net_fen(self) -> int:
        """What the expert is owed once pending commissions confirm."""
        return self.pending_fen + self.confirmed_fen + self.adjustments_fen


@dataclass(frozen=True)
class Confirmation:
    """A commission that just became confirmed (for the expert's earnings notice)."""

    id: int
    expert_id: int
    merchant_id: int
    amount_fen: int


@dataclass(frozen=True)
class LiveCommission:
    """An order's commission that still counts (pending or confirmed)."""

    id: int
    order_id: int
    expert_id: int
    merchant_id: int
    rate_bp: int
    amount_fen: int
    status: str
    created_at: datetime


class CommissionRepository:
    """Books, reverses, reads and settles the commissions table."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def live_of_order(self, order_id: int) -> LiveCommission | None:
        """The order's commission row that is not cancelled, if any."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(commissions).where(
                        commissions.c.order_id == order_id,
                        commissions.c.kind == "commission",
                        commissions.c.status != "cancelled",
                    )
                )
            ).first()
        if row is None:
            return None
        r = row._mapping
        return LiveCommission(
            id=r["id"],
            order_id=r["order_id"],
            expert_id=r["expert_id"],
            merchant_id=r["merchant_id"],
            rate_bp=r["rate_bp"],
            amount_fen=r["amount_fen"],
            status=r["status"],
            created_at=r["created_at"],
        )

    async def book(
        self,
        *,
        order_id: int,
        expert_id: int,
        merchant_id: int,
        rate_bp: int,
        amount_fen: int,
        now: datetime,
    ) -> None:
        """Book the pending commission of an attributed order."""
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(commissions).values(
                    order_id=order_id,
                    expert_id=expert_id,
                    merchant_id=merchant_id,
                    kind="commission",
                    rate_bp=rate_bp,
                    amount_fen=amount_fen,
                    status="pending",
                    created_at=now,
                )
            )

    async def cancel(self, commission_id: int) -> None:
        """A pending commission of a reversed order no longer counts."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(commissions)
                .where(commissions.c.id == commission_id)
                .values(status="cancelled")
            )

    async def reverse_confirmed(self, live: LiveCommission, now: datetime) -> None:
        """Keep a confirmed commission and book its negative adjustment.

        One still pending whose refund window had closed is confirmed first (the confirming job
        had not run yet): history then says it was confirmed, then reversed.
        """
        async with self._engine.begin() as conn:
            if live.status == "pending":
                await conn.execute(
                    update(commissions)
                    .where(commissions.c.id == live.id)
                    .values(status="confirmed", confirmed_at=now)
                )
            await conn.execute(
                insert(commissions).values(
                    order_id=live.order_id,
                    expert_id=live.expert_id,
                    merchant_id=live.merchant_id,
                    kind="adjustment",
                    rate_bp=live.rate_bp,
                    amount_fen=-live.amount_fen,
                    status="confirmed",
                    confirmed_at=now,
                    created_at=now,
                )
            )

    async def confirm_settled(self, order_id: int, now: datetime) -> bool:
        """The partner settled the order: its pending commission is confirmed now; False if none."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(commissions)
                .where(
                    commissions.c.order_id == order_id,
                    commissions.c.kind == "commission",
                    commissions.c.status == "pending",
                )
                .values(status="confirmed", confirmed_at=now)
            )
        return bool(result.rowcount)

    async def confirm_due(self, *, now: datetime, refund_window: timedelta) -> list[Confirmation]:
        """Confirm every pending commission whose refund window has closed; return exactly those."""
        cutoff = int((now - refund_window).timestamp())
        due = (
            commissions.c.status == "pending",
            commissions.c.kind == "commission",
            commissions.c.created_at <= cutoff,
        )
        async with self._engine.begin() as conn:
            # One statement that reports the rows it changed: a refund cancelling a commission
            # between a read and the update can never be announced as confirmed.
            rows = (
                await conn.execute(
                    update(commissions)
                    .where(*due)
                    .values(status="confirmed", confirmed_at=now)
                    .returning(
                        commissions.c.id,
                        commissions.c.expert_id,
                        commissions.c.merchant_id,
                        commissions.c.amount_fen,
                    )
                )
            ).all()
        return sorted(
            (Confirmation(r.id, r.expert_id, r.merchant_id, int(r.amount_fen)) for r in rows),
            key=lambda c: c.id,
        )

    async def earnings(self, expert_id: int, *, since: datetime | None) -> list[Earnings]:
        """The expert's commissions booked since `since` (None: ever), per merchant."""
        is_commission = commissions.c.kind == "commission"
        pending = case(
            (is_commission & (commissions.c.status == "pending"), commissions.c.amount_fen), else_=0
        )
        confirmed = case(
            (is_commission & (commissions.c.status == "confirmed"), commissions.c.amount_fen),
            else_=0,
        )
        adjustments = case((commissions.c.kind == "adjustment", commissions.c.amount_fen), else_=0)
        counted = case((is_commission & (commissions.c.status != "cancelled"), 1), else_=0)
        query = (
            select(
                merchants.c.id,
                merchants.c.name,
                whole_sum(pending),
                whole_sum(confirmed),
                whole_sum(adjustments),
                whole_sum(counted),
            )
            .select_from(commissions.join(merchants, merchants.c.id == commissions.c.merchant_id))
            .where(commissions.c.expert_id == expert_id)
            .group_by(merchants.c.id, merchants.c.name)
            .order_by(merchants.c.name)
        )
        if since is not None:
            query = query.where(commissions.c.created_at >= int(since.timestamp()))
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            Earnings(r[0], r[1], int(r[2] or 0), int(r[3] or 0), int(r[4] or 0), int(r[5] or 0))
            for r in rows
        ]

    async def of_order(self, order_id: int) -> list[tuple[str, str, int]]:
        """(kind, status, amount) of every commission row of an order, oldest first."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(commissions.c.kind, commissions.c.status, commissions.c.amount_fen)
                    .where(commissions.c.order_id == order_id)
                    .order_by(commissions.c.id)
                )
            ).all()
        return [(r.kind, r.status, int(r.amount_fen)) for r in rows]

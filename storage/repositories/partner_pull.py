"""Polling cursors and the partner's own order reports (storage/schema/pull.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from storage.schema import clicks, commissions, merchants, orders
from storage.schema.pull import partner_order_reports, partner_pull_cursors
from storage.sums import whole_sum
from storage.unit_of_work import Database
from storage.upsert import upsert


@dataclass(frozen=True)
class ReportRow:
    """One order the partner reported, with what we booked for it (None fields: not booked)."""

    partner_key: str
    partner_order_id: str
    merchant_name: str | None
    expert_id: int | None  # the order's expert, or the expert of its (unattributed) click
    partner_refunded: bool
    partner_amount_fen: int
    partner_rate_bp: int
    partner_commission_fen: int
    settled: bool
    our_status: str | None
    our_amount_fen: int | None
    click_known: bool
    attributed: bool
    our_rate_bp: int | None
    our_commission_fen: int
    modified_at: datetime


class PartnerPullRepository:
    """Where each partner's walks stand, and the partner's figures for each order it listed."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def cursor(self, partner_key: str, walk: str) -> datetime | None:
        """The creation time up to which `walk` has read `partner_key`'s orders (None: never)."""
        async with self._engine.connect() as conn:
            value = (
                await conn.execute(
                    select(partner_pull_cursors.c.cursor_at).where(
                        partner_pull_cursors.c.partner_key == partner_key,
                        partner_pull_cursors.c.walk == walk,
                    )
                )
            ).scalar_one_or_none()
        return value

    async def move_cursor(
        self, partner_key: str, walk: str, cursor_at: datetime, now: datetime
    ) -> None:
        """Set where `walk` stands; called once a whole window has been applied."""
        row = {"partner_key": partner_key, "walk": walk, "cursor_at": cursor_at, "updated_at": now}
        async with self._engine.begin() as conn:
            await conn.execute(upsert(conn, partner_pull_cursors, row, ("partner_key", "walk")))

    async def known_many(
        self, partner_key: str, partner_order_ids: Sequence[str]
    ) -> dict[str, tuple[int, int, datetime, bool]]:
        """Per partner order id of a page, the stored report's (tk_status, commission_fen,
        modified_at, shop known); orders never reported are absent."""
        if not partner_order_ids:
            return {}
        query = select(
            partner_order_reports.c.partner_order_id,
            partner_order_reports.c.tk_status,
            partner_order_reports.c.commission_fen,
            partner_order_reports.c.modified_at,
            partner_order_reports.c.merchant_id,
        ).where(
            partner_order_reports.c.partner_key == partner_key,
            partner_order_reports.c.partner_order_id.in_(list(partner_order_ids)),
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {r[0]: (int(r[1]), int(r[2]), r[3], r[4] is not None) for r in rows}

    async def save_report(self, values: dict[str, Any]) -> None:
        """Keep the partner's figures for one order; an older snapshot never replaces a newer one.

        Pages may come out of order and an order may change between pages: the row with the
        latest ``modified_at`` wins (ties take the later read, so a settled fee fills in).
        """
        async with self._engine.begin() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            statement = dialect.insert(partner_order_reports).values(**values)
            key = ("partner_key", "partner_order_id")
            await conn.execute(
                statement.on_conflict_do_update(
                    index_elements=list(key),
                    set_={c: statement.excluded[c] for c in values if c not in key},
                    where=partner_order_reports.c.modified_at <= statement.excluded.modified_at,
                )
            )

    async def rows(
        self,
        *,
        expert_id: int | None = None,
        merchant_ids: Sequence[int] | None = None,
        flagged_only: bool = False,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[ReportRow]:
        """Reported orders beside our booking: one expert's when `expert_id` is set, only these
        shops' when `merchant_ids` is.

        `flagged_only` keeps the orders whose two commissions differ (bot/domain/reconciliation:
        a refunded order counts 0 on the partner's side).
        """
        booked = and_(
            orders.c.partner_key == partner_order_reports.c.partner_key,
            orders.c.partner_order_id == partner_order_reports.c.partner_order_id,
        )
        is_commission = commissions.c.kind == "commission"
        counted = case(
            (is_commission & (commissions.c.status != "cancelled"), commissions.c.amount_fen),
            (commissions.c.kind == "adjustment", commissions.c.amount_fen),
            else_=0,
        )
        money = (
            select(
                commissions.c.order_id,
                whole_sum(counted).label("net_fen"),
                func.max(case((is_commission, commissions.c.rate_bp), else_=None)).label("rate"),
            )
            .group_by(commissions.c.order_id)
            .subquery()
        )
        expert = func.coalesce(orders.c.expert_id, clicks.c.expert_id)
        query = select(
            partner_order_reports,
            merchants.c.name.label("merchant_name"),
            expert.label("expert"),
            orders.c.status.label("our_status"),
            orders.c.amount_fen.label("our_amount"),
            orders.c.click_id.label("our_click"),
            orders.c.expert_id.label("our_expert"),
            money.c.rate,
            money.c.net_fen,
        ).select_from(
            partner_order_reports.outerjoin(orders, booked)
            .outerjoin(clicks, clicks.c.id == orders.c.click_id)
            .outerjoin(money, money.c.order_id == orders.c.id)
            .outerjoin(merchants, merchants.c.id == partner_order_reports.c.merchant_id)
        )
        order = (partner_order_reports.c.modified_at, partner_order_reports.c.partner_order_id)
        query = query.order_by(*(c.desc() for c in order) if newest_first else order)
        if expert_id is not None:
            query = query.where(
                or_(orders.c.expert_id == expert_id, clicks.c.expert_id == expert_id)
            )
        if merchant_ids is not None:
            query = query.where(partner_order_reports.c.merchant_id.in_(merchant_ids))
        if flagged_only:
            theirs = case(
                (partner_order_reports.c.refunded, 0), else_=partner_order_reports.c.commission_fen
            )
            query = query.where(theirs != func.coalesce(money.c.net_fen, 0))
        if limit is not None:
            query = query.limit(limit)
        async with self._engine.connect() as conn:
            result = (await conn.execute(query)).all()
        return [_row(r._mapping) for r in result]


def _row(r: Any) -> ReportRow:
    return ReportRow(
        partner_key=r["partner_key"],
        partner_order_id=r["partner_order_id"],
        merchant_name=r["merchant_name"],
        expert_id=r["expert"],
        partner_refunded=bool(r["refunded"]),
        partner_amount_fen=int(r["amount_fen"]),
        partner_rate_bp=int(r["rate_bp"]),
        partner_commission_fen=int(r["commission_fen"]),
        settled=bool(r["settled"]),
        our_status=r["our_status"],
        our_amount_fen=None if r["our_amount"] is None else int(r["our_amount"]),
        click_known=r["our_click"] is not None,
        attributed=r["our_expert"] is not None,
        our_rate_bp=None if r["rate"] is None else int(r["rate"]),
        our_commission_fen=int(r["net_fen"] or 0),
        modified_at=r["modified_at"],
    )

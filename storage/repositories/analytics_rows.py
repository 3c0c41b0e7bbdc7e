"""The rows behind CSV exports: one statement each, joined to titles and handles, never to fans."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from bot.analytics.rows import ClickRow, DeliveryRow, OrderRow
from storage.schema import campaigns, clicks, commissions, experts, items, orders, outbox
from storage.unit_of_work import Database


class ExportRowQueries:
    """Export reads of AnalyticsRepository (a mixin: it uses the repository's engine)."""

    _engine: Database

    async def delivery_rows(
        self, expert_id: int, campaign_id: int | None = None
    ) -> list[DeliveryRow]:
        """Outbox rows of one (or every) campaign of the expert, oldest first, no recipients."""
        owned = select(campaigns.c.id).where(campaigns.c.expert_id == expert_id)
        if campaign_id is not None:
            owned = owned.where(campaigns.c.id == campaign_id)
        query = (
            select(
                outbox.c.campaign_id,
                outbox.c.status,
                outbox.c.created_at,
                outbox.c.sent_at,
                outbox.c.attempts,
                outbox.c.error,
            )
            .where(outbox.c.campaign_id.in_(owned))
            .order_by(outbox.c.id)
        )
        async with self._engine.connect() as conn:
            return [DeliveryRow(*row) for row in (await conn.execute(query)).all()]

    async def click_rows(self, expert_id: int, campaign_id: int | None = None) -> list[ClickRow]:
        """The expert's clicks (of one campaign), oldest first, without fans or click ids."""
        query = (
            select(
                clicks.c.created_at,
                clicks.c.source,
                clicks.c.item_id,
                items.c.title,
                clicks.c.campaign_id,
            )
            .join(items, items.c.id == clicks.c.item_id)
            .where(clicks.c.expert_id == expert_id)
            .order_by(clicks.c.created_at, clicks.c.id)
        )
        if campaign_id is not None:
            query = query.where(clicks.c.campaign_id == campaign_id)
        async with self._engine.connect() as conn:
            return [ClickRow(*row) for row in (await conn.execute(query)).all()]

    async def order_rows(
        self,
        *,
        expert_id: int | None = None,
        campaign_id: int | None = None,
        merchant_ids: Sequence[int] | None = None,
    ) -> list[OrderRow]:
        """Orders of an expert (one campaign) or of merchants, with commission, oldest first."""
        owed = select(
            commissions.c.order_id, func.sum(commissions.c.amount_fen).label("commission_fen")
        ).where(commissions.c.status != "cancelled")
        query = select(
            orders.c.occurred_at,
            orders.c.partner_key,
            orders.c.partner_order_id,
            orders.c.item_id,
            func.coalesce(items.c.title, ""),
            func.coalesce(experts.c.handle, ""),
            orders.c.campaign_id,
            orders.c.quantity,
            orders.c.amount_fen,
            orders.c.status,
        )
        if expert_id is not None:
            owed = owed.where(commissions.c.expert_id == expert_id)
            query = query.where(orders.c.expert_id == expert_id)
            if campaign_id is not None:
                query = query.where(orders.c.campaign_id == campaign_id)
        elif merchant_ids is not None:
            ids = list(merchant_ids)
            owed = owed.where(commissions.c.merchant_id.in_(ids))
            query = query.where(orders.c.merchant_id.in_(ids))
        else:
            raise ValueError("order rows are read for an expert or for merchants")
        owed_by_order = owed.group_by(commissions.c.order_id).subquery()
        query = (
            query.add_columns(func.coalesce(owed_by_order.c.commission_fen, 0))
            .select_from(orders)
            .outerjoin(items, items.c.id == orders.c.item_id)
            .outerjoin(experts, experts.c.id == orders.c.expert_id)
            .outerjoin(owed_by_order, owed_by_order.c.order_id == orders.c.id)
            .order_by(orders.c.occurred_at, orders.c.id)
        )
        async with self._engine.connect() as conn:
            return [OrderRow(*row) for row in (await conn.execute(query)).all()]

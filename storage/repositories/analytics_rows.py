"""The rows behind analytics: CSV export rows, the campaigns of an overview and the top experts.

One statement each, joined to titles and handles, never to fans.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.analytics.model import CampaignSummary, TopExpert
from bot.analytics.rows import ClickRow, DeliveryRow, OrderRow
from storage.schema import campaigns, clicks, commissions, experts, items, orders, outbox
from storage.sums import whole_sum
from storage.unit_of_work import Database

TOP_EXPERTS = 5


def sum_if(condition: Any, value: Any) -> Any:
    """SUM(value) over the rows where `condition` holds (0 when none)."""
    return func.coalesce(whole_sum(case((condition, value), else_=0)), 0)


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
            commissions.c.order_id, whole_sum(commissions.c.amount_fen).label("commission_fen")
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


async def campaign_summaries(
    conn: AsyncConnection, expert_id: int, limit: int
) -> tuple[CampaignSummary, ...]:
    """The expert's latest campaigns with their audience, sends and clicks, newest first."""
    audience = select(func.count()).where(outbox.c.campaign_id == campaigns.c.id).scalar_subquery()
    sent = (
        select(func.count())
        .where(outbox.c.campaign_id == campaigns.c.id, outbox.c.status == "sent")
        .scalar_subquery()
    )
    clicked = select(func.count()).where(clicks.c.campaign_id == campaigns.c.id).scalar_subquery()
    rows = await conn.execute(
        select(
            campaigns.c.id,
            campaigns.c.kind,
            campaigns.c.status,
            campaigns.c.created_at,
            campaigns.c.started_at,
            audience,
            sent,
            clicked,
        )
        .where(campaigns.c.expert_id == expert_id)
        .order_by(campaigns.c.id.desc())
        .limit(limit)
    )
    return tuple(
        CampaignSummary(
            int(r[0]), str(r[1]), str(r[2]), r[3], r[4], int(r[5]), int(r[6]), int(r[7])
        )
        for r in rows.all()
    )


async def top_experts(conn: AsyncConnection, since_ts: int) -> tuple[TopExpert, ...]:
    """The experts with the most paid GMV (then clicks) since `since_ts`, best first."""
    order_totals = (
        select(
            orders.c.expert_id.label("expert_id"),
            func.count().label("orders"),
            sum_if(orders.c.status == "paid", orders.c.amount_fen).label("gmv_fen"),
        )
        .where(orders.c.occurred_at >= since_ts, orders.c.expert_id.is_not(None))
        .group_by(orders.c.expert_id)
        .subquery()
    )
    click_totals = (
        select(clicks.c.expert_id.label("expert_id"), func.count().label("clicks"))
        .where(clicks.c.created_at >= since_ts)
        .group_by(clicks.c.expert_id)
        .subquery()
    )
    gmv = func.coalesce(order_totals.c.gmv_fen, 0)
    click_count = func.coalesce(click_totals.c.clicks, 0)
    rows = await conn.execute(
        select(
            experts.c.id,
            experts.c.handle,
            experts.c.display_name,
            click_count,
            func.coalesce(order_totals.c.orders, 0),
            gmv,
        )
        .outerjoin(order_totals, order_totals.c.expert_id == experts.c.id)
        .outerjoin(click_totals, click_totals.c.expert_id == experts.c.id)
        .where((gmv > 0) | (click_count > 0))
        .order_by(gmv.desc(), click_count.desc(), experts.c.id)
        .limit(TOP_EXPERTS)
    )
    return tuple(
        TopExpert(int(r[0]), str(r[1]), str(r[2]), int(r[3]), int(r[4]), int(r[5]))
        for r in rows.all()
    )

"""/orders for merchants and /earnings for experts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from telegram import Update

from bot.context import VitrineContext
from handlers.ui import reply

PERIODS = {"7": 7, "30": 30, "90": 90, "all": None}
DEFAULT_PERIOD = "30"


async def orders(update: Update, context: VitrineContext) -> None:
    """The latest orders of each of the merchant's shops, with their status."""
    services = context.services
    shops = await services.repos.merchants.of_user(context.user.id)
    shops = [m for m in shops if m.is_active]
    if not shops:
        await reply(update, context, "merchant/not_merchant")
        return
    for shop in shops:
        rows = await services.repos.orders.recent(shop.id, limit=10)
        await reply(update, context, "merchant/orders", shop=shop, rows=rows)


async def earnings(update: Update, context: VitrineContext) -> None:
    """/earnings [7|30|90|all]: pending, confirmed and adjustments per merchant for the period."""
    services = context.services
    expert = await services.repos.experts.by_user(context.user.id)
    if expert is None or not expert.is_active:
        await reply(update, context, "merchant/earnings", rows=[], period=None, not_expert=True)
        return
    period = (context.args or [DEFAULT_PERIOD])[0].lower()
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    days = PERIODS[period]
    since = None if days is None else datetime.now(UTC) - timedelta(days=days)
    rows = await services.repos.commissions.earnings(expert.id, since=since)
    await reply(
        update,
        context,
        "merchant/earnings",
        rows=rows,
        period=days,
        not_expert=False,
        refund_days=services.settings.refund_window_days,
    )

"""/orders for merchants and /earnings for experts."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import InputFile, Update

from bot.context import VitrineContext
from bot.merchants import money
from bot.orders.rates import format_rate
from bot.orders.reconcile import reconciliation_view
from handlers.ui import reply

SHOP_WORDS = frozenset({"shop", "shops", "店铺"})
CSV_NAMES = {
    "platform": "reconciliation-all.csv",
    "expert": "reconciliation.csv",
    "merchant": "reconciliation-shop.csv",
}


async def orders(update: Update, context: VitrineContext) -> None:
    """The latest orders of each of the merchant's shops, with their status."""
    listed = await money.shop_orders(context.services, user_id=context.user.id)
    if not listed:
        await reply(update, context, "merchant/not_merchant")
        return
    for entry in listed:
        await reply(update, context, "merchant/orders", shop=entry.shop, rows=entry.rows)


async def earnings(update: Update, context: VitrineContext) -> None:
    """/earnings [7|30|90|all]: pending, confirmed and adjustments per merchant for the period."""
    view = await money.expert_earnings(
        context.services,
        user_id=context.user.id,
        period=context.args[0] if context.args else None,
        now=datetime.now(UTC),
    )
    if not view.is_expert:
        await reply(update, context, "merchant/earnings", rows=[], period=None, not_expert=True)
        return
    await reply(
        update,
        context,
        "merchant/earnings",
        rows=view.rows,
        period=view.period_days,
        not_expert=False,
        refund_days=view.refund_days,
        flagged=view.flagged,
        rate=format_rate,
    )


async def reconcile(update: Update, context: VitrineContext) -> None:
    """/reconcile [shop]: our commissions beside the partners' reports, totals per reason, a CSV.

    Admins see the platform, experts their orders, merchants their shops' (`shop` asks for the
    shops' view when the person is also an expert or an admin).
    """
    chat = update.effective_chat
    if chat is None:
        return
    args = context.args or []
    shops = bool(args) and args[0].lower() in SHOP_WORDS
    view = await reconciliation_view(
        context.services,
        user_id=context.user.id,
        is_admin=update.effective_user is not None
        and context.services.is_admin(update.effective_user.id),
        timezone=context.user.timezone,
        shops=shops,
    )
    if view.scope == "none":
        if shops:
            await reply(update, context, "merchant/not_merchant")
        else:
            await reply(update, context, "merchant/earnings", rows=[], period=None, not_expert=True)
        return
    await reply(
        update,
        context,
        "merchant/reconcile",
        scope=view.scope,
        checked=view.checked,
        totals=view.totals,
    )
    if view.checked:
        name = CSV_NAMES[view.scope]
        await context.bot.send_document(chat.id, InputFile(view.csv, filename=name))

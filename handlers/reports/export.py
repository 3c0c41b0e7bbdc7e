"""/export: CSV documents of a campaign (or all of an expert's), or of a merchant's orders."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import InputFile, Update
from telegram.constants import ParseMode

from bot.context import VitrineContext
from bot.domain.callbacks import decode_as
from bot.domain.errors import DomainError
from bot.reports import views
from bot.reports.callbacks import CampaignExportOpen
from handlers.reports.access import campaign_number, owned_campaign, refuse, report_expert

MERCHANT_EXPORT_STATUSES = ("verified", "suspended")
EXPORT_KINDS = ("deliveries", "clicks", "orders")


async def export(update: Update, context: VitrineContext) -> None:
    """/export <campaign id> | all (experts) or /export orders (merchants)."""
    argument = context.args[0].lower() if context.args else ""
    if argument == "orders":
        await _export_merchant_orders(update, context)
        return
    if argument == "all":
        await send_expert_exports(update, context, None)
        return
    campaign_id = campaign_number(argument) if argument else None
    if campaign_id is None:
        await refuse(update, context, "export_usage")
        return
    await send_expert_exports(update, context, campaign_id)


async def export_pressed(update: Update, context: VitrineContext) -> None:
    """The Export button under a report: answer, then send that campaign's CSV files."""
    query = update.callback_query
    if query is None:
        return
    try:
        value = decode_as(CampaignExportOpen, query.data)
    except DomainError:
        await query.answer()
        return
    await query.answer()
    await send_expert_exports(update, context, value.campaign_id)


async def send_expert_exports(
    update: Update, context: VitrineContext, campaign_id: int | None
) -> None:
    """Deliveries, clicks and orders as three CSV documents (ownership checked first)."""
    expert = await report_expert(update, context)
    chat = update.effective_chat
    if expert is None or chat is None:
        return
    if campaign_id is not None and not await owned_campaign(update, context, expert, campaign_id):
        return
    timezone = views.zone(context.user.timezone)
    files = await views.expert_exports(context.services, expert.id, campaign_id, timezone)
    if campaign_id is None and not any(f.rows for f in files):
        await refuse(update, context, "nothing_to_export")
        return
    for kind, file in zip(EXPORT_KINDS, files, strict=False):
        caption = context.services.texts.render(
            "report/export", context.language, caption=True, event=kind, rows=file.rows
        )
        await context.bot.send_document(
            chat.id,
            InputFile(file.content, filename=file.filename),
            caption=caption,
            parse_mode=ParseMode.HTML,
        )


async def _export_merchant_orders(update: Update, context: VitrineContext) -> None:
    """A merchant's orders across their shops with the commission owed, as one CSV document."""
    chat = update.effective_chat
    shops = await context.services.repos.merchants.of_user(context.user.id)
    merchant_ids = [shop.id for shop in shops if shop.status in MERCHANT_EXPORT_STATUSES]
    if chat is None:
        return
    if not merchant_ids:
        await refuse(update, context, "not_merchant")
        return
    timezone = views.zone(context.user.timezone)
    file = await views.merchant_export(
        context.services, merchant_ids, timezone, today=datetime.now(UTC)
    )
    if not file.rows:
        await refuse(update, context, "nothing_to_export")
        return
    caption = context.services.texts.render(
        "report/export", context.language, caption=True, event="merchant_orders", rows=file.rows
    )
    await context.bot.send_document(
        chat.id,
        InputFile(file.content, filename=file.filename),
        caption=caption,
        parse_mode=ParseMode.HTML,
    )

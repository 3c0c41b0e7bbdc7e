"""/export: CSV documents of a campaign (or all of an expert's), or of a merchant's orders."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.analytics import service
from bot.analytics.callbacks import CampaignExportOpen
from bot.context import VitrineContext
from bot.domain.errors import DomainError
from handlers.analytics.access import campaign_number, refuse, refuse_error
from handlers.ui import answer, decoded

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
    value = decoded(update, CampaignExportOpen)
    await answer(update)
    if value is not None:
        await send_expert_exports(update, context, value.campaign_id)


async def _send(
    update: Update, context: VitrineContext, file: service.ExportFile, event: str
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    caption = context.services.texts.render(
        "report/export", context.language, caption=True, event=event, rows=file.rows
    )
    await context.bot.send_document(
        chat.id, InputFile(file.content, filename=file.filename), caption=caption
    )


async def send_expert_exports(
    update: Update, context: VitrineContext, campaign_id: int | None
) -> None:
    """Deliveries, clicks and orders as three CSV documents (ownership checked first)."""
    try:
        files = await service.expert_exports(
            context.services,
            user_id=context.user.id,
            campaign_id=campaign_id,
            timezone=context.user.timezone,
        )
    except DomainError as error:
        await refuse_error(update, context, error)
        return
    for kind, file in zip(EXPORT_KINDS, files, strict=True):
        await _send(update, context, file, kind)


async def _export_merchant_orders(update: Update, context: VitrineContext) -> None:
    """A merchant's orders across their shops with the commission owed, as one CSV document."""
    try:
        file = await service.merchant_export(
            context.services, user_id=context.user.id, timezone=context.user.timezone
        )
    except DomainError as error:
        await refuse_error(update, context, error)
        return
    await _send(update, context, file, "merchant_orders")

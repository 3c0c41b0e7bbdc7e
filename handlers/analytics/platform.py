"""/platform: platform-wide totals and the top experts, for admins only."""

from __future__ import annotations

from telegram import Update

from bot.analytics import service
from bot.context import VitrineContext
from bot.domain.errors import DomainError
from handlers.analytics.access import refuse_error


async def platform(update: Update, context: VitrineContext) -> None:
    """Show the admins the platform's totals; everyone else hears who it is for."""
    tg_user = update.effective_user
    chat = update.effective_chat
    if tg_user is None or chat is None:
        return
    try:
        view = await service.platform_totals(context.services, telegram_id=tg_user.id)
    except DomainError as error:
        await refuse_error(update, context, error)
        return
    text = context.services.texts.render(
        "report/platform", context.language, t=view.totals, today=view.today
    )
    await context.bot.send_message(chat.id, text)

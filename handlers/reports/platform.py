"""/platform: platform-wide totals and the top experts, for admins only."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Update
from telegram.constants import ParseMode

from bot.context import VitrineContext
from bot.reports import views
from handlers.reports.access import refuse


async def platform(update: Update, context: VitrineContext) -> None:
    """Show the admins the platform's totals; everyone else hears who it is for."""
    tg_user = update.effective_user
    chat = update.effective_chat
    if tg_user is None or chat is None:
        return
    if not context.services.is_admin(tg_user.id):
        await refuse(update, context, "not_admin")
        return
    now = datetime.now(UTC)
    # "Today" is the operators' day, in the platform's default time zone.
    timezone = views.zone(context.services.settings.default_timezone)
    start = views.day_start(now, timezone)
    totals = await context.services.repos.analytics.platform_totals(now=now, day_start=start)
    text = context.services.texts.render(
        "report/platform", context.language, t=totals, today=start.strftime("%Y-%m-%d")
    )
    await context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML)

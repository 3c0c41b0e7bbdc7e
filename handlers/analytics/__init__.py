"""Analytics screens: /stats (experts), /export (experts and merchants), /platform (admins)."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.analytics.callbacks import CampaignExportOpen, CampaignReportOpen
from bot.context import VitrineApp
from bot.domain.callbacks import callback_pattern
from handlers.analytics import export, platform, stats


def register(application: VitrineApp, group: int = 0) -> None:
    """Attach the statistics commands and buttons."""
    application.add_handler(CommandHandler("stats", stats.stats), group=group)
    application.add_handler(CommandHandler("export", export.export), group=group)
    application.add_handler(CommandHandler("platform", platform.platform), group=group)
    application.add_handler(
        CallbackQueryHandler(stats.report_pressed, pattern=callback_pattern(CampaignReportOpen)),
        group=group,
    )
    application.add_handler(
        CallbackQueryHandler(export.export_pressed, pattern=callback_pattern(CampaignExportOpen)),
        group=group,
    )

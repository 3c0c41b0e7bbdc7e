"""Report screens: /stats (experts), /export (experts and merchants), /platform (admins)."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.domain.callbacks import callback_pattern
from bot.reports.callbacks import CampaignExportOpen, CampaignReportOpen
from handlers.reports import export, platform, stats


def register(application: Application, group: int = 0) -> None:  # type: ignore[type-arg]
    """Attach the report commands and buttons."""
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

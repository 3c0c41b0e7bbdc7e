"""Admin handlers (/admin, /audit, /partners, moderation and suspension buttons, the typed
reason) and the fans' Report button."""

from __future__ import annotations

from telegram.ext import CommandHandler

from bot.context import VitrineApp
from handlers.admin import audit, item_reports, moderation, queue, suspensions
from handlers.admin.item_reports import report_button

__all__ = ["register", "report_button"]

GROUP_MAIN = 0
# /start is answered in the main group (the greeting); this later group then shows an admin the
# queue, so admins who never chatted with the bot when a notice went out still see everything.
GROUP_AFTER_MAIN = 1


def register(application: VitrineApp) -> None:
    """Add the admin commands and buttons, the audit log and the Report button (the typed
    reason is a flow: handlers.admin.reasons defines it, handlers.flows routes to it)."""
    application.add_handler(CommandHandler("admin", queue.admin_command), group=GROUP_MAIN)
    for handler in [
        *moderation.handlers(),
        *suspensions.handlers(),
        *audit.handlers(),
        *item_reports.handlers(),
    ]:
        application.add_handler(handler, group=GROUP_MAIN)
    application.add_handler(CommandHandler("start", queue.admin_start), group=GROUP_AFTER_MAIN)

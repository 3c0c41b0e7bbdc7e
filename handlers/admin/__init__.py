"""Admin handlers (/admin, /audit, /partners, moderation buttons) and the fans' Report button."""

from __future__ import annotations

from telegram.ext import Application, CommandHandler

from handlers.admin import audit, moderation, queue, reports
from handlers.admin.reports import report_button

__all__ = ["register", "report_button"]

GROUP_MAIN = 0
# /start is answered in the main group (the greeting); this later group then shows an admin the
# queue, so admins who never chatted with the bot when a notice went out still see everything.
GROUP_AFTER_MAIN = 1


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add the admin commands, the reason conversation, the audit log and the Report button."""
    application.add_handler(moderation.reason_conversation(), group=GROUP_MAIN)
    application.add_handler(CommandHandler("admin", queue.admin_command), group=GROUP_MAIN)
    for handler in [*moderation.handlers(), *audit.handlers(), *reports.handlers()]:
        application.add_handler(handler, group=GROUP_MAIN)  # type: ignore[arg-type]
    application.add_handler(CommandHandler("start", queue.admin_start), group=GROUP_AFTER_MAIN)

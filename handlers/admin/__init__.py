"""Admin handlers (/admin, /partners, moderation buttons) and the fans' Report button."""

from __future__ import annotations

from telegram.ext import Application

from handlers.admin import moderation, reports
from handlers.admin.reports import report_button

__all__ = ["register", "report_button"]

GROUP_MAIN = 0


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add the admin commands, the reject-with-reason conversation and the Report button."""
    application.add_handler(moderation.reject_conversation(), group=GROUP_MAIN)
    for handler in [*moderation.handlers(), *reports.handlers()]:
        application.add_handler(handler, group=GROUP_MAIN)  # type: ignore[arg-type]

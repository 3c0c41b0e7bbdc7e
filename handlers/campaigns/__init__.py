"""Campaign commands for experts: /campaign (the wizard) and /campaigns (pause, resume, cancel)."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import VitrineApp
from bot.domain.callbacks import callback_pattern
from handlers.campaigns import manage, wizard


def register(application: VitrineApp, group: int = 0) -> None:
    """Attach the campaign commands and buttons (the wizard's typed time comes through its flow)."""
    application.add_handler(CommandHandler("campaign", wizard.start), group=group)
    application.add_handler(CommandHandler("campaigns", manage.list_campaigns), group=group)
    for kind, callback in (*wizard.PRESSES, *manage.PRESSES):
        application.add_handler(
            CallbackQueryHandler(callback, pattern=callback_pattern(kind)), group=group
        )

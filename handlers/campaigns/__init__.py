"""Campaign commands for experts: /campaign (guided) and /campaigns (list, pause, resume, cancel)."""

from __future__ import annotations

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

import bot.campaigns.callbacks as wizard_kinds
from bot.domain.callbacks import CampaignCancel, CampaignPause, CampaignResume, callback_pattern
from handlers.campaigns import manage, wizard

CONVERSATION_TIMEOUT_SECONDS = 30 * 60


def _on(kinds: tuple[type, ...], callback):  # type: ignore[no-untyped-def]
    pattern = "|".join(callback_pattern(kind) for kind in kinds)
    return CallbackQueryHandler(callback, pattern=pattern)


def register(application: Application, group: int = 0) -> None:  # type: ignore[type-arg]
    """Attach the campaign handlers."""
    w = wizard_kinds
    abort = _on((w.WizardAbort,), wizard.abort)
    conversation = ConversationHandler(
        entry_points=[CommandHandler("campaign", wizard.start)],
        states={
            wizard.KIND: [_on((w.WizardKind,), wizard.pick_kind)],
            wizard.ITEMS: [_on((w.WizardItemToggle, w.WizardItemsDone), wizard.toggle_item)],
            wizard.AUDIENCE: [_on((w.WizardAudience,), wizard.pick_audience)],
            wizard.TAGS: [_on((w.WizardTagToggle, w.WizardTagsDone), wizard.toggle_tag)],
            wizard.SCHEDULE: [_on((w.WizardSchedule,), wizard.pick_schedule)],
            wizard.TIME: [MessageHandler(filters.TEXT & ~filters.COMMAND, wizard.typed_time)],
            wizard.PREVIEW: [_on((w.WizardConfirm, w.WizardAbort), wizard.confirm)],
        },
        fallbacks=[abort, CommandHandler("cancel", wizard.abort)],
        conversation_timeout=CONVERSATION_TIMEOUT_SECONDS,
        name="campaign_wizard",
        allow_reentry=True,  # /campaign again mid-way starts afresh (else: "unknown command")
    )
    application.add_handler(conversation, group=group)
    application.add_handler(CommandHandler("campaigns", manage.list_campaigns), group=group)
    application.add_handler(
        _on((CampaignPause, CampaignResume, CampaignCancel), manage.steer), group=group
    )

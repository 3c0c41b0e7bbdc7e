"""What the admin handlers share: the admin check, labels, sending, and the pending decision."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.context import VitrineContext
from handlers.ui import reply

REASON = "reason"  # the conversation state: a decision waits for its typed reason
PENDING = "admin_pending"  # user_data: that decision (action, kind, target id, card)


def is_admin(update: Update, context: VitrineContext) -> bool:
    """Whether the person behind the update is a configured admin."""
    user = update.effective_user
    return user is not None and context.services.is_admin(user.id)


async def refuse(update: Update, context: VitrineContext) -> None:
    """Tell a non-admin that this is not for them."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    await reply(update, context, "admin/not_admin")


def labels(context: VitrineContext) -> Any:
    """The admin button labels in the user's language."""
    return context.services.texts.labels(context.language, "admin")


async def send(
    update: Update, context: VitrineContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A new message in the admin's chat."""
    await update.effective_message.reply_text(  # type: ignore[union-attr]
        text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
    )

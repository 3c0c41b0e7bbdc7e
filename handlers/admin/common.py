"""What the admin handlers share: the admin check, labels, sending, outcomes and refusals."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.context import VitrineContext
from bot.domain.errors import DomainError
from handlers.ui import reply

# What a refused decision says to the admin (the rest are "admin.<event>" as they are).
REFUSAL_EVENTS = {
    "admin.not_pending": "decided",
    "admin.unknown_target": "not_found",
}


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


def refusal_event(error: DomainError) -> str:
    """The admin/outcome event that words a refused admin use case."""
    return REFUSAL_EVENTS.get(error.code, error.code.removeprefix("admin."))


async def say(
    update: Update, context: VitrineContext, event: str, subject: str = "", **values: object
) -> None:
    """An admin/outcome line as a reply in the admin's chat."""
    await reply(update, context, "admin/outcome", event=event, subject=subject, **values)


async def send(
    update: Update, context: VitrineContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A new message in the admin's chat (HTML and no link previews are the app's defaults)."""
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, reply_markup=markup)

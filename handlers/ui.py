"""The one UI module of the Telegram adapter: reply, edit or send, answer a press, decode it.

Every handler speaks to people through these few functions, so each Telegram rule is applied in
one place: the toast length, editing only what changed, captions versus texts. Parse mode (HTML)
and link previews (off) are the application's Defaults (bot/app.py).
"""

from __future__ import annotations

import html
import logging
from typing import TypeVar

from telegram import Message, Update
from telegram.error import BadRequest

from bot.context import VitrineContext
from bot.domain.callbacks import decode_as
from bot.domain.errors import DomainError
from handlers.keyboards import Keyboard

log = logging.getLogger(__name__)

T = TypeVar("T")
TOAST_LIMIT = 200  # characters Telegram shows in an answer to a button press


def toast(text: str) -> str:
    """A press's answer within Telegram's limit, the cut marked."""
    return text if len(text) <= TOAST_LIMIT else text[: TOAST_LIMIT - 1] + "…"


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer the button press (every press is answered exactly once)."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(toast(text) if text else None, show_alert=alert)
    except BadRequest as error:  # the query expired while we worked: nothing to answer any more
        log.info("callback answer refused: %s", error.message)


def decoded(update: Update, kind: type[T]) -> T | None:
    """The press's callback data as `kind`, or None if it is malformed, forged or outdated."""
    query = update.callback_query
    if query is None:
        return None
    try:
        return decode_as(kind, query.data)
    except DomainError:
        return None


def shows_already(message: Message, text: str, markup: object) -> bool:
    """Whether a text message already shows the HTML `text` with `markup`.

    Telegram refuses an edit that changes nothing ("message is not modified"), so such an edit is
    not sent at all; both sides are compared unescaped, as entities and escapes may be spelt apart.
    """
    if message.text is None:
        return False
    same_text = html.unescape(message.text_html).strip() == html.unescape(text).strip()
    return same_text and message.reply_markup == markup


async def reply(update: Update, context: VitrineContext, template: str, **values: object) -> None:
    """Reply in the user's language with a rendered template."""
    text = context.services.texts.render(template, context.language, **values)
    message = update.effective_message
    if message is not None:
        await message.reply_text(text)


async def show_text(
    update: Update,
    context: VitrineContext,
    text: str,
    markup: Keyboard = None,
    *,
    edit: bool = True,
) -> None:
    """Edit the pressed text message in place, or send a new message (commands, photo cards).

    A None `markup` sends no buttons; on an edit it removes the ones the message had. An edit
    that would change nothing is not sent.
    """
    query = update.callback_query
    message = query.message if query else None
    if edit and isinstance(message, Message) and message.text is not None:
        if shows_already(message, text, markup):
            return  # pressing what is already shown (the chosen board, the same page)
        try:
            await message.edit_text(text, reply_markup=markup)
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise
        return
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, reply_markup=markup)

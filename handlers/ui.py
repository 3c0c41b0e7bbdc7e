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


def _shown_html(message: Message) -> str | None:
    """What the message shows as HTML: its text, or its caption (None: a bare photo)."""
    if message.text is not None:
        return message.text_html
    return message.caption_html if message.caption is not None else None


def shows_already(message: Message, text: str, markup: object) -> bool:
    """Whether the message already shows the HTML `text` (as its text, or as its caption when it
    is a photo or other media) with `markup`.

    Telegram refuses an edit that changes nothing ("message is not modified"), so such an edit is
    not sent at all; both sides are compared unescaped, as entities and escapes may be spelt apart.
    """
    shown = _shown_html(message)
    if shown is None:
        return False
    same_text = html.unescape(shown).strip() == html.unescape(text).strip()
    return same_text and message.reply_markup == markup


async def edit_pressed(message: Message, text: str, markup: Keyboard) -> None:
    """Show `text` and `markup` in the pressed message: a text message's text is edited, any
    other message's caption (Telegram: "there is no text in the message to edit"); an edit that
    would change nothing is not sent."""
    if shows_already(message, text, markup):
        return
    try:
        if message.text is not None:
            await message.edit_text(text, reply_markup=markup)
        else:
            await message.edit_caption(text, reply_markup=markup)
    except BadRequest as error:  # a double tap's second edit: the first one showed it already
        if "not modified" not in error.message.lower():
            raise


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
        await edit_pressed(message, text, markup)  # nothing sent when it shows this already
        return
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, reply_markup=markup)

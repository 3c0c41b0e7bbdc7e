"""Shared plumbing of the fan screens: texts, labels, callback decoding, sending or editing."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.context import VitrineContext
from bot.domain.callbacks import Noop, decode_as
from bot.domain.errors import DomainError
from handlers.common import shows_already
from handlers.keyboards import Button, Keyboard, button

log = logging.getLogger(__name__)

T = TypeVar("T")
TITLE_IN_BUTTON = 28  # characters of an item title shown on a button


def render(
    context: VitrineContext, template: str, *, language: str | None = None, **values: Any
) -> str:
    """Render a fan template in the user's language (or `language`)."""
    return context.services.texts.render(f"fan/{template}", language or context.language, **values)


def caption(
    context: VitrineContext, template: str, *, language: str | None = None, **values: Any
) -> str:
    """Render a fan template as a photo caption (1024 characters at most)."""
    return context.services.texts.render(
        f"fan/{template}", language or context.language, caption=True, **values
    )


def label(context: VitrineContext, key: str, *, language: str | None = None, **params: Any) -> str:
    """A fan button label (or a common one when `key` has no "fan." prefix)."""
    return context.services.texts.label(language or context.language, key, **params)


def notice(
    context: VitrineContext, code: str, *, language: str | None = None, **params: Any
) -> str:
    """A short answer (toast or one-line reply) from `fan/notice.j2`."""
    return render(context, "notice", language=language, code=code, **params)


def short(text: str, limit: int = TITLE_IN_BUTTON) -> str:
    """Cut a title for a button, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer the button press (every press is answered exactly once)."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text[:200] if text else None, show_alert=alert)
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


async def stale(update: Update, context: VitrineContext, code: str = "stale") -> None:
    """Answer a press whose data no longer leads anywhere with a short word."""
    await answer(update, notice(context, code))


async def show_text(
    update: Update,
    context: VitrineContext,
    text: str,
    markup: Keyboard = None,
    *,
    edit: bool = True,
) -> None:
    """Edit the pressed text message in place, or send a new message (commands, photo cards).

    A None `markup` sends no buttons; on an edit it removes the ones the message had.
    """
    query = update.callback_query
    message = query.message if query else None
    if edit and isinstance(message, Message) and message.text is not None:
        if shows_already(message, text, markup):
            return  # pressing what is already shown (the chosen board, the same page)
        try:
            await message.edit_text(
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                disable_web_page_preview=True,
            )
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise
        return
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(
            chat.id,
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            disable_web_page_preview=True,
        )


def page_of(message: object, kind: type, prev_text: str) -> int:
    """The page a list message shows, read back from its own Prev/Next buttons."""
    keyboard = getattr(message, "reply_markup", None)
    if keyboard is None:
        return 0
    for row in keyboard.inline_keyboard:
        for key in row:
            try:
                value = decode_as(kind, key.callback_data)
            except DomainError:
                continue
            page = int(value.page)
            # Prev points one page back, Next one page on; either tells where we are.
            return page + 1 if key.text == prev_text else max(page - 1, 0)
    return 0


def nav_row(context: VitrineContext, make: Any, page: int, pages: int) -> list[Button]:
    """« Prev · n/N · Next » for a paged list; `make(page)` builds the callback value."""
    if pages <= 1:
        return []
    row = []
    if page > 0:
        row.append(button(label(context, "fan.prev"), make(page - 1)))
    row.append(button(label(context, "fan.counter", page=page + 1, pages=pages), Noop()))
    if page + 1 < pages:
        row.append(button(label(context, "fan.next"), make(page + 1)))
    return row


PageShower = Callable[[Update, VitrineContext, int], Awaitable[bool]]


def page_button(
    kind: type, show: PageShower
) -> Callable[[Update, VitrineContext], Awaitable[None]]:
    """A handler for the page buttons of a list: redraw page N in place, or say the list moved."""

    async def handle(update: Update, context: VitrineContext) -> None:
        data = decoded(update, kind)
        if data is None:
            await stale(update, context)
            return
        current = await show(update, context, data.page)  # type: ignore[attr-defined]
        await answer(update, None if current else notice(context, "list_changed"))

    handle.__doc__ = f"A page button of the list behind {kind.__name__}."
    return handle

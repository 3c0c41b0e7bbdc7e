"""The one place handlers build inline buttons and keyboards.

A keyboard without buttons is `None`, and None means no reply_markup in the call at all:
python-telegram-bot serialises an empty `InlineKeyboardMarkup` as `{}`, which is no keyboard.
Sending no reply_markup is also how an edit takes the buttons away: the Bot API server turns a
missing reply_markup into a null markup, and editMessageText, editMessageCaption, editMessageMedia
and editMessageReplyMarkup with a null markup leave the message with no keyboard (telegram-bot-api
`Client::get_reply_markup`; `{"inline_keyboard": []}` ends up as the same null). So "remove the
buttons" is `NO_BUTTONS`, never an empty keyboard.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from bot.domain.callbacks import encode

Button = InlineKeyboardButton
Keyboard = InlineKeyboardMarkup | None

NO_BUTTONS: Final[Keyboard] = None  # pass as reply_markup to send none, or to remove them on edit


def button(text: str, value: object) -> Button:
    """A button that sends `value` back, encoded by the callback-data codec."""
    return InlineKeyboardButton(text, callback_data=encode(value))


def url_button(text: str, url: str) -> Button:
    """A button that opens `url`."""
    return InlineKeyboardButton(text, url=url)


def web_app_button(text: str, url: str) -> Button:
    """A button that opens the Mini App at `url` inside Telegram (private chats only)."""
    return InlineKeyboardButton(text, web_app=WebAppInfo(url))


def share_button(text: str, query: str) -> Button:
    """A button that lets the person pick a chat and opens inline mode there with `query`."""
    return InlineKeyboardButton(text, switch_inline_query=query)


def rows_of(buttons: Sequence[Button], size: int) -> list[list[Button]]:
    """The buttons in rows of at most `size`."""
    return [list(buttons[i : i + size]) for i in range(0, len(buttons), size)]


def keyboard(rows: Iterable[Iterable[Button]]) -> Keyboard:
    """An inline keyboard of the rows that have buttons; None when no button is left."""
    kept = [row for row in (list(r) for r in rows) if row]
    return InlineKeyboardMarkup(kept) if kept else NO_BUTTONS


def relabelled(markup: Keyboard, data: str, text: str) -> Keyboard:
    """`markup` with the button that carries callback data `data` labelled `text` instead."""
    if markup is None:
        return NO_BUTTONS
    return keyboard(
        [
            InlineKeyboardButton(text, callback_data=key.callback_data)
            if key.callback_data == data
            else key
            for key in row
        ]
        for row in markup.inline_keyboard
    )

"""What the webhook route accepts: updates whose fields have the types the Bot API promises.

python-telegram-bot builds its objects from any JSON without checking types, so a forged body
could hand a handler a list for a name or an id past SQLite's integers. Telegram's own updates
always pass; the route answers 400 to the others.
"""

from __future__ import annotations

from telegram import CallbackQuery, Chat, InlineQuery, Message, Update, User

from bot.inbound import MAX_UPDATE_ID, is_update_id

MAX_TELEGRAM_ID = 2**53 - 1  # Telegram's user and chat ids fit 52 bits (its own promise)


def _is_int(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _optional_str(value: object) -> bool:
    return value is None or isinstance(value, str)


def _user_ok(user: User | None) -> bool:
    if user is None:
        return True
    return (
        _is_int(user.id, 1, MAX_TELEGRAM_ID)
        and isinstance(user.is_bot, bool)
        and isinstance(user.first_name, str)
        and _optional_str(user.last_name)
        and _optional_str(user.username)
        and _optional_str(user.language_code)
    )


def _chat_ok(chat: Chat | None) -> bool:
    if chat is None:
        return True
    return _is_int(chat.id, -MAX_TELEGRAM_ID, MAX_TELEGRAM_ID) and isinstance(chat.type, str)


def _message_ok(message: Message | None) -> bool:
    if message is None:
        return True
    return (
        isinstance(message.chat, Chat)
        and _is_int(message.message_id, 0, MAX_UPDATE_ID)
        and _optional_str(message.text)
        and _optional_str(message.caption)
        and _chat_ok(message.chat)
        and _user_ok(message.from_user)
    )


def _query_ok(query: CallbackQuery | InlineQuery | None) -> bool:
    if query is None:
        return True
    texts: tuple[object, ...] = (
        (query.data, query.inline_message_id)
        if isinstance(query, CallbackQuery)
        else (query.query, query.offset)
    )
    return (
        isinstance(query.id, str)
        and _user_ok(query.from_user)
        and all(_optional_str(text) for text in texts)
    )


def well_typed(update: Update) -> bool:
    """The fields handlers read have the types and ranges the Bot API promises."""
    callback = update.callback_query
    maybe = callback.message if callback is not None else None
    pressed = maybe if isinstance(maybe, Message) else None
    return (
        is_update_id(update.update_id)
        and _user_ok(update.effective_user)
        and _chat_ok(update.effective_chat)
        and _message_ok(update.effective_message)
        and _message_ok(pressed)
        and _query_ok(callback)
        and _query_ok(update.inline_query)
    )

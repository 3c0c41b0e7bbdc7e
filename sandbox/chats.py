"""Adding, editing and deleting chat messages, each change recorded as a /sim/ event."""

from __future__ import annotations

import time
from typing import Any

from sandbox import errors
from sandbox.errors import BotApiError
from sandbox.objects import transcript_entry
from sandbox.records import SimUser, StoredMessage
from sandbox.state import BotState, Sandbox
from sandbox.tdjson import to_integer


def resolve_user_chat(sandbox: Sandbox, chat_id: str) -> SimUser:
    """Return the person whose private chat `chat_id` names, or raise Telegram's 400.

    Client::check_chat: an empty chat_id is "chat_id is empty"; "@name" is looked up among public
    chats and bots (a person's username never counts, and the sandbox has neither); anything else
    is read with td::to_integer, so "7abc" is chat 7 and "abc" is chat 0 (not found).
    """
    if not chat_id:
        raise BotApiError(400, errors.CHAT_ID_EMPTY)
    if chat_id.startswith("@"):
        raise BotApiError(400, errors.CHAT_NOT_FOUND)
    user = sandbox.users.get(to_integer(chat_id, 64))
    if user is None:
        raise BotApiError(400, errors.CHAT_NOT_FOUND)
    return user


def ensure_not_blocked(bot: BotState, user: SimUser) -> None:
    """Raise 403 if `user` blocked `bot`."""
    if user.id in bot.blocked:
        raise BotApiError(403, errors.BLOCKED)


def add_message(
    sandbox: Sandbox,
    bot: BotState,
    chat_id: int,
    sender: str,
    from_user: dict[str, Any],
    **fields: Any,
) -> StoredMessage:
    """Append a message to a chat with the next message_id and announce it."""
    log = bot.chat(chat_id)
    message = StoredMessage(
        message_id=log.next_message_id,
        chat_id=chat_id,
        sender=sender,
        from_user=from_user,
        date=int(time.time()),
        **fields,
    )
    log.next_message_id += 1
    log.messages[message.message_id] = message
    _announce(sandbox, bot, "message", message)
    return message


def mark_edited(sandbox: Sandbox, bot: BotState, message: StoredMessage) -> None:
    """Stamp an edited message and announce the change."""
    message.edit_date = int(time.time())
    _announce(sandbox, bot, "edit", message)


def delete_message(sandbox: Sandbox, bot: BotState, message: StoredMessage) -> None:
    """Remove a message from its chat and announce the deletion."""
    log = bot.chat(message.chat_id)
    del log.messages[message.message_id]
    seq = sandbox.new_seq()
    log.deleted.append((message.message_id, seq))
    sandbox.emit(
        {
            "type": "delete",
            "user_id": message.chat_id,
            "bot_id": bot.id,
            "message_id": message.message_id,
        },
        seq,
    )


def _announce(sandbox: Sandbox, bot: BotState, kind: str, message: StoredMessage) -> None:
    message.seq = sandbox.new_seq()
    sandbox.emit(
        {
            "type": kind,
            "user_id": message.chat_id,
            "bot_id": bot.id,
            "message": transcript_entry(message),
        },
        message.seq,
    )

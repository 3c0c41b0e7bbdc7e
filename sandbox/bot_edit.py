"""Bot API methods that change sent messages: editMessage*, deleteMessage(s).

Order as on Telegram: the Bot API server parses the call (`process_edit_message_*_query`) and
finds the message (`check_message`: "message to edit not found"); td checks it may be edited
(`MessagesManager::edit_message_*`, `can_edit_message`) and checks the new content; Telegram's
servers refuse an edit that changes nothing (MESSAGE_NOT_MODIFIED) or is too long, and edits in
a chat whose person blocked the bot.
"""

from __future__ import annotations

import re
import time
from typing import Any

from sandbox import content, errors, keyboards, tdjson
from sandbox.bot_send import parse_input_media
from sandbox.chats import delete_message, ensure_not_blocked, mark_edited, resolve_user_chat
from sandbox.errors import BotApiError, td_error
from sandbox.media import resolve_reference
from sandbox.objects import api_message
from sandbox.records import StoredMessage
from sandbox.registry import Call, bot_method
from sandbox.tdjson import JsonError

SANDBOX_INLINE_ID = re.compile(r"^SBXI[0-9]{8}$")
DELETE_TIME_LIMIT = 2 * 86400  # td's revoke_pm_time_limit for bots: 48 hours


def _inline_message(call: Call) -> StoredMessage:
    """Find the message an inline_message_id names (td: a malformed id is refused up front)."""
    inline_id = call.params.arg("inline_message_id")
    if not inline_id:
        raise td_error(400, "Message identifier is not specified")
    where = call.bot.inline_messages.get(inline_id)
    message = call.bot.chat(where[0]).messages.get(where[1]) if where else None
    if message is None:
        if SANDBOX_INLINE_ID.match(inline_id):
            raise td_error(400, "MESSAGE_ID_INVALID")
        raise td_error(400, "Invalid inline message identifier specified")
    return message


def _chat_message(call: Call) -> StoredMessage:
    """Client::check_message for "message to edit"."""
    user = resolve_user_chat(call.sandbox, call.params.arg("chat_id"))
    message_id = call.params.message_id()
    message = call.bot.chat(user.id).messages.get(message_id) if message_id > 0 else None
    if message is None:
        raise BotApiError(400, errors.EDIT_NOT_FOUND)
    return message


def _is_inline_call(call: Call) -> bool:
    """An edit names an inline message when it has neither chat_id nor message_id."""
    return not call.params.arg("chat_id") and call.params.message_id() == 0


def _target(call: Call) -> StoredMessage:
    return _inline_message(call) if _is_inline_call(call) else _chat_message(call)


def _can_edit(message: StoredMessage) -> None:
    """td's can_edit_message: only the bot's own messages, and none carrying a reply keyboard."""
    if message.sender != "bot" or (
        message.reply_markup is not None and "inline_keyboard" not in message.reply_markup
    ):
        raise BotApiError(400, errors.CANT_BE_EDITED)


def _has_media(message: StoredMessage) -> bool:
    return (
        message.photo is not None or message.document is not None or message.photo_url is not None
    )


def _result(call: Call, message: StoredMessage) -> dict[str, Any] | bool:
    """Edits of inline messages answer True; others answer the edited Message."""
    if _is_inline_call(call):
        return True
    return api_message(call.sandbox, call.bot, message)


def _server_checks(call: Call, message: StoredMessage, unchanged: bool) -> None:
    """Telegram's servers: MESSAGE_NOT_MODIFIED, the person's block, the bot's rate limit."""
    if unchanged:
        raise td_error(400, "MESSAGE_NOT_MODIFIED")
    user = call.sandbox.users.get(message.chat_id)
    if user is not None:
        ensure_not_blocked(call.bot, user)
    call.take_rate(message.chat_id, edit=True)


@bot_method("editMessageText")
async def edit_message_text(call: Call) -> dict[str, Any] | bool:
    """Replace a text message's text (and keyboard: none given means the keyboard goes)."""
    parsed = content.client_message_text(call.params)
    markup = keyboards.reply_markup_argument(call.params)
    message = _target(call)
    _can_edit(message)
    if message.text is None:
        raise BotApiError(400, errors.NO_TEXT_TO_EDIT)
    markup = keyboards.td_markup(markup, inline_only=True, test_environment=call.test_environment)
    text, entities = content.td_text(parsed)
    content.check_text_length(text, edit=True)
    keyboards.server_markup_checks(markup)
    _server_checks(
        call,
        message,
        (text, entities, markup) == (message.text, message.entities, message.reply_markup),
    )
    message.text, message.entities, message.reply_markup = text, entities, markup
    mark_edited(call.sandbox, call.bot, message)
    return _result(call, message)


@bot_method("editMessageCaption")
async def edit_message_caption(call: Call) -> dict[str, Any] | bool:
    """Replace a media message's caption (and keyboard)."""
    markup = keyboards.reply_markup_argument(call.params)
    parsed = content.client_caption(call.params)
    message = _target(call)
    _can_edit(message)
    if not _has_media(message):
        raise BotApiError(400, errors.NO_CAPTION_TO_EDIT)
    caption, entities = content.td_caption(parsed)
    markup = keyboards.td_markup(markup, inline_only=True, test_environment=call.test_environment)
    content.check_caption_length(caption, edit=True)
    keyboards.server_markup_checks(markup)
    _server_checks(
        call,
        message,
        (caption, entities, markup)
        == (message.caption, message.caption_entities, message.reply_markup),
    )
    message.caption, message.caption_entities, message.reply_markup = caption, entities, markup
    mark_edited(call.sandbox, call.bot, message)
    return _result(call, message)


@bot_method("editMessageMedia")
async def edit_message_media(call: Call) -> dict[str, Any] | bool:
    """Replace a message's photo/document and caption (a text message may get media too)."""
    markup = keyboards.reply_markup_argument(call.params)
    raw = call.params.arg("media")
    if not raw:
        raise td_error(400, 'Parameter "media" is required')
    try:
        value = tdjson.decode(raw)
    except JsonError as exc:
        raise td_error(400, "Can't parse input media JSON object") from exc
    item = parse_input_media(call.params, value, for_album=False)
    message = _target(call)
    try:
        _can_edit(message)
    except BotApiError as exc:
        raise td_error(400, "Message media can't be edited") from exc
    stored = await resolve_reference(call.sandbox, item.source, item.kind)
    caption, entities = content.td_caption(item.caption)
    content.check_caption_length(caption, edit=True)
    if message.media_group_id is not None and item.kind != (
        "photo" if message.photo is not None else "document"
    ):
        raise td_error(400, "Can't change media type in the album")
    markup = keyboards.td_markup(markup, inline_only=True, test_environment=call.test_environment)
    keyboards.server_markup_checks(markup)
    current = message.photo if item.kind == "photo" else message.document
    _server_checks(
        call,
        message,
        current is not None
        and current.file_id == stored.file_id
        and (caption, entities, markup)
        == (message.caption, message.caption_entities, message.reply_markup),
    )
    message.photo = stored if item.kind == "photo" else None
    message.document = stored if item.kind == "document" else None
    message.photo_url = None
    message.text, message.entities = None, []
    message.caption, message.caption_entities, message.reply_markup = caption, entities, markup
    mark_edited(call.sandbox, call.bot, message)
    return _result(call, message)


@bot_method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> dict[str, Any] | bool:
    """Replace (or, with none given, remove) a message's inline keyboard."""
    markup = keyboards.reply_markup_argument(call.params)
    message = _target(call)
    _can_edit(message)
    markup = keyboards.td_markup(markup, inline_only=True, test_environment=call.test_environment)
    keyboards.server_markup_checks(markup)
    _server_checks(call, message, markup == message.reply_markup)
    message.reply_markup = markup
    mark_edited(call.sandbox, call.bot, message)
    return _result(call, message)


def _deletable(message: StoredMessage) -> None:
    """td's can_revoke_message for a bot in a private chat: sent at most 48 hours ago."""
    if time.time() - message.date > DELETE_TIME_LIMIT:
        raise td_error(400, "Message can't be deleted for everyone")


@bot_method("deleteMessage")
async def delete_message_method(call: Call) -> bool:
    """Delete a message of the private chat (the bot's or the person's) younger than 48 hours."""
    chat_id = call.params.arg("chat_id")
    message_id = call.params.message_id()
    if not chat_id:
        raise td_error(400, "Chat identifier is not specified")
    if message_id == 0:
        raise td_error(400, "Message identifier is not specified")
    user = resolve_user_chat(call.sandbox, chat_id)
    message = call.bot.chat(user.id).messages.get(message_id)
    if message is None:
        raise BotApiError(400, errors.DELETE_NOT_FOUND)
    _deletable(message)
    delete_message(call.sandbox, call.bot, message)
    return True


def _message_ids(raw: str) -> list[int]:
    """Client::get_message_ids(query, 100)."""
    if not raw:
        raise td_error(400, "Message identifiers are not specified")
    try:
        value = tdjson.decode(raw)
    except JsonError as exc:
        raise td_error(400, "Can't parse message_ids JSON object") from exc
    if not isinstance(value, list):
        raise td_error(400, "Expected an Array of message identifiers")
    if len(value) > 100:
        raise td_error(400, "Too many message identifiers specified")
    ids = []
    for item in value:
        if not isinstance(item, str):  # a Number or a String
            raise td_error(400, "Message identifier must be a Number")
        parsed = tdjson.to_integer_safe(str(item), 32)
        if parsed is None:
            raise td_error(400, "Can't parse message identifier as a Number")
        if parsed <= 0:
            raise td_error(400, "Invalid message identifier specified")
        ids.append(parsed)
    return ids


@bot_method("deleteMessages")
async def delete_messages(call: Call) -> bool:
    """Delete several messages; missing ones are skipped, as Telegram does."""
    ids = _message_ids(call.params.arg("message_ids"))
    if not ids:
        raise td_error(400, "Message identifiers are not specified")
    user = resolve_user_chat(call.sandbox, call.params.arg("chat_id"))
    log = call.bot.chat(user.id)
    found = [log.messages[i] for i in dict.fromkeys(ids) if i in log.messages]
    for message in found:
        _deletable(message)
    for message in found:
        delete_message(call.sandbox, call.bot, message)
    return True

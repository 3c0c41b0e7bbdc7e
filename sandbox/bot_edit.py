"""Bot API methods that change sent messages: editMessage*, deleteMessage(s)."""

from __future__ import annotations

from typing import Any

from sandbox import content, errors
from sandbox.bot_send import input_media
from sandbox.chats import delete_message, ensure_not_blocked, mark_edited, resolve_user_chat
from sandbox.errors import BotApiError, bad_request
from sandbox.objects import api_message
from sandbox.records import StoredMessage
from sandbox.registry import Call, bot_method


def _editable(call: Call) -> StoredMessage:
    """Return the bot's message an edit call targets (by chat+message_id or inline_message_id)."""
    params, bot = call.params, call.bot
    inline_id = params.text("inline_message_id")
    if inline_id:
        where = bot.inline_messages.get(inline_id)
        message = bot.chat(where[0]).messages.get(where[1]) if where else None
        if message is None:
            raise bad_request("MESSAGE_ID_INVALID")
        return message
    user = resolve_user_chat(call.sandbox, params.get("chat_id"))
    ensure_not_blocked(bot, user)
    message_id = params.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = bot.chat(user.id).messages.get(message_id)
    if message is None:
        raise BotApiError(400, errors.EDIT_NOT_FOUND)
    if message.sender != "bot":
        raise BotApiError(400, errors.CANT_BE_EDITED)
    return message


def _result(call: Call, message: StoredMessage) -> dict[str, Any] | bool:
    """Edits of inline messages answer True; others answer the edited Message."""
    if call.params.text("inline_message_id"):
        return True
    return api_message(call.sandbox, call.bot, message)


def _not_modified_if(same: bool) -> None:
    if same:
        raise BotApiError(400, errors.NOT_MODIFIED)


@bot_method("editMessageText")
async def edit_message_text(call: Call) -> dict[str, Any] | bool:
    """Replace a text message's text (and keyboard: none given means the keyboard goes)."""
    message = _editable(call)
    text, entities = content.message_text(call.params)
    markup = content.reply_markup(call.params, inline_only=True)
    if message.text is None:
        raise BotApiError(400, errors.NO_TEXT_TO_EDIT)
    _not_modified_if(
        (text, entities, markup) == (message.text, message.entities, message.reply_markup)
    )
    call.take_rate(message.chat_id, edit=True)
    message.text, message.entities, message.reply_markup = text, entities, markup
    mark_edited(call.sandbox, call.bot, message)
    return _result(call, message)


@bot_method("editMessageCaption")
async def edit_message_caption(call: Call) -> dict[str, Any] | bool:
    """Replace a media message's caption (and keyboard)."""
    message = _editable(call)
    caption, entities = content.caption(call.params)
    markup = content.reply_markup(call.params, inline_only=True)
    if message.photo is None and message.document is None and message.photo_url is None:
        raise BotApiError(400, errors.NO_CAPTION_TO_EDIT)
    _not_modified_if(
        (caption, entities, markup)
        == (message.caption, message.caption_entities, message.reply_markup)
    )
    call.take_rate(message.chat_id, edit=True)
    message.caption, message.caption_entities, message.reply_markup = caption, entities, markup
    mark_edited(call.sandbox, call.bot, message)
    return _result(call, message)


@bot_method("editMessageMedia")
async def edit_message_media(call: Call) -> dict[str, Any] | bool:
    """Replace a media message's photo/document and caption."""
    message = _editable(call)
    item = call.params.json("media", "Bad Request: can't parse InputMedia JSON object")
    markup = content.reply_markup(call.params, inline_only=True)
    if message.photo is None and message.document is None and message.photo_url is None:
        raise bad_request("there is no media in the message to edit")
    kind, stored, caption, entities = await input_media(call, item, ("photo", "document"))
    current = message.photo if kind == "photo" else message.document
    _not_modified_if(
        current is not None
        and current.file_id == stored.file_id
        and (caption, entities, markup)
        == (message.caption, message.caption_entities, message.reply_markup)
    )
    call.take_rate(message.chat_id, edit=True)
    message.photo = stored if kind == "photo" else None
    message.document = stored if kind == "document" else None
    message.photo_url = None
    message.caption, message.caption_entities, message.reply_markup = caption, entities, markup
    mark_edited(call.sandbox, call.bot, message)
    return _result(call, message)


@bot_method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> dict[str, Any] | bool:
    """Replace (or, with none given, remove) a message's inline keyboard."""
    message = _editable(call)
    markup = content.reply_markup(call.params, inline_only=True)
    _not_modified_if(markup == message.reply_markup)
    call.take_rate(message.chat_id, edit=True)
    message.reply_markup = markup
    mark_edited(call.sandbox, call.bot, message)
    return _result(call, message)


@bot_method("deleteMessage")
async def delete_message_method(call: Call) -> bool:
    """Delete a message of the private chat (the bot's or the person's)."""
    user = resolve_user_chat(call.sandbox, call.params.get("chat_id"))
    message_id = call.params.integer("message_id")
    message = call.bot.chat(user.id).messages.get(message_id or 0)
    if message is None:
        raise BotApiError(400, errors.DELETE_NOT_FOUND)
    delete_message(call.sandbox, call.bot, message)
    return True


@bot_method("deleteMessages")
async def delete_messages(call: Call) -> bool:
    """Delete several messages; missing ones are skipped, as Telegram does."""
    user = resolve_user_chat(call.sandbox, call.params.get("chat_id"))
    ids = call.params.json("message_ids", "Bad Request: can't parse message identifiers")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message identifiers are not specified")
    log = call.bot.chat(user.id)
    for message_id in ids:
        message = log.messages.get(int(message_id))
        if message is not None:
            delete_message(call.sandbox, call.bot, message)
    return True

"""Bot API methods that send messages: sendMessage, sendPhoto, sendDocument, sendMediaGroup."""

from __future__ import annotations

from typing import Any

from sandbox import content
from sandbox.chats import add_message, ensure_not_blocked, resolve_user_chat
from sandbox.errors import bad_request
from sandbox.media import resolve_input_file
from sandbox.objects import api_message
from sandbox.params import Params
from sandbox.records import SimUser, StoredFile
from sandbox.registry import Call, bot_method

MEDIA_GROUP_TYPES = ("photo", "document")


def _target(call: Call) -> SimUser:
    """Return the person the call sends to, checking the chat exists and is not blocked."""
    user = resolve_user_chat(call.sandbox, call.params.get("chat_id"))
    ensure_not_blocked(call.bot, user)
    return user


def _reply_to(call: Call, chat_id: int) -> int | None:
    """Return the message_id the new message replies to, checked like Telegram."""
    params = call.params
    reply = params.json("reply_parameters", "Bad Request: can't parse reply parameters JSON object")
    if isinstance(reply, dict):
        message_id, allow_missing = (
            reply.get("message_id"),
            bool(reply.get("allow_sending_without_reply")),
        )
    else:
        message_id = params.integer("reply_to_message_id")
        allow_missing = params.flag("allow_sending_without_reply")
    if message_id is None:
        return None
    if int(message_id) not in call.bot.chat(chat_id).messages:
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")
    return int(message_id)


def _send(call: Call, user: SimUser, **fields: Any) -> dict[str, Any]:
    message = add_message(call.sandbox, call.bot, user.id, "bot", call.bot.message_user(), **fields)
    return api_message(call.sandbox, call.bot, message)


@bot_method("sendMessage")
async def send_message(call: Call) -> dict[str, Any]:
    """Send a text message (HTML checked, 4096 characters at most)."""
    user = _target(call)
    text, entities = content.message_text(call.params)
    markup = content.reply_markup(call.params)
    reply_to = _reply_to(call, user.id)
    call.take_rate(user.id)
    return _send(
        call, user, text=text, entities=entities, reply_markup=markup, reply_to_message_id=reply_to
    )


@bot_method("sendPhoto")
async def send_photo(call: Call) -> dict[str, Any]:
    """Send a photo given as an upload, a file_id or an HTTP URL."""
    user = _target(call)
    caption, caption_entities = content.caption(call.params)
    markup = content.reply_markup(call.params)
    reply_to = _reply_to(call, user.id)
    photo = await resolve_input_file(call.sandbox, call.params, call.params.get("photo"), "photo")
    call.take_rate(user.id)
    return _send(
        call,
        user,
        photo=photo,
        caption=caption,
        caption_entities=caption_entities,
        reply_markup=markup,
        reply_to_message_id=reply_to,
    )


@bot_method("sendDocument")
async def send_document(call: Call) -> dict[str, Any]:
    """Send a document (e.g. a CSV report) given as an upload, a file_id or an HTTP URL."""
    user = _target(call)
    caption, caption_entities = content.caption(call.params)
    markup = content.reply_markup(call.params)
    reply_to = _reply_to(call, user.id)
    document = await resolve_input_file(
        call.sandbox, call.params, call.params.get("document"), "document"
    )
    call.take_rate(user.id)
    return _send(
        call,
        user,
        document=document,
        caption=caption,
        caption_entities=caption_entities,
        reply_markup=markup,
        reply_to_message_id=reply_to,
    )


async def input_media(
    call: Call, item: Any, allowed: tuple[str, ...]
) -> tuple[str, StoredFile, str | None, list[dict[str, Any]]]:
    """Check one InputMedia object; return (type, file, caption, caption entities)."""
    if not isinstance(item, dict) or item.get("type") not in allowed:
        raise bad_request("can't parse InputMedia: unsupported media type")
    kind = item["type"]
    stored = await resolve_input_file(call.sandbox, call.params, item.get("media"), kind)
    caption, entities = content.caption(Params(item))
    return kind, stored, caption, entities


@bot_method("sendMediaGroup")
async def send_media_group(call: Call) -> list[dict[str, Any]]:
    """Send 2-10 photos or documents as an album; return one Message per item."""
    user = _target(call)
    items = call.params.json("media", "Bad Request: can't parse media JSON object")
    if not isinstance(items, list):
        raise bad_request("can't parse media JSON object")
    if not 2 <= len(items) <= 10:
        raise bad_request("wrong number of media in the media group; must be between 2 and 10")
    resolved = [await input_media(call, item, MEDIA_GROUP_TYPES) for item in items]
    kinds = {kind for kind, *_ in resolved}
    if "document" in kinds and len(kinds) > 1:
        raise bad_request("document can't be mixed with other media types")
    reply_to = _reply_to(call, user.id)
    call.take_rate(user.id, messages=len(resolved))
    group_id = str(10**12 + call.sandbox.next_id())
    sent = []
    for kind, stored, caption, entities in resolved:
        sent.append(
            _send(
                call,
                user,
                caption=caption,
                caption_entities=entities,
                media_group_id=group_id,
                reply_to_message_id=reply_to,
                **{kind: stored},
            )
        )
    return sent


@bot_method("sendChatAction")
async def send_chat_action(call: Call) -> bool:
    """Accept a "typing…"-style action for an existing, unblocked chat."""
    _target(call)
    if not call.params.text("action"):
        raise bad_request("action is empty")
    return True

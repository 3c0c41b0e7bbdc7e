"""Stored messages rendered two ways: as Bot API objects for the bot, as transcript entries."""

from __future__ import annotations

from typing import Any

from sandbox.html_render import render_html
from sandbox.records import StoredMessage
from sandbox.state import BotState, Sandbox


def api_chat(sandbox: Sandbox, chat_id: int) -> dict[str, Any]:
    """Return the Bot API Chat for a private chat id (a placeholder if the person is gone)."""
    user = sandbox.users.get(chat_id)
    if user is None:
        return {"id": chat_id, "type": "private", "first_name": "Deleted Account"}
    return user.api_chat()


def api_message(
    sandbox: Sandbox, bot: BotState, message: StoredMessage, *, with_reply: bool = True
) -> dict[str, Any]:
    """Return `message` as the Bot API Message object the bot would receive."""
    result: dict[str, Any] = {
        "message_id": message.message_id,
        "from": message.from_user,
        "chat": api_chat(sandbox, message.chat_id),
        "date": message.date,
    }
    if message.text is not None:
        result["text"] = message.text
        if message.entities:
            result["entities"] = message.entities
    if message.photo is not None:
        result["photo"] = [message.photo.photo_size()]
    if message.document is not None:
        result["document"] = message.document.document()
    if message.caption is not None:
        result["caption"] = message.caption
        if message.caption_entities:
            result["caption_entities"] = message.caption_entities
    if message.reply_markup and "inline_keyboard" in message.reply_markup:
        # Telegram only ever returns inline keyboards inside Message objects.
        result["reply_markup"] = {"inline_keyboard": message.reply_markup["inline_keyboard"]}
    if message.edit_date is not None:
        result["edit_date"] = message.edit_date
    if message.media_group_id is not None:
        result["media_group_id"] = message.media_group_id
    if message.via_bot is not None:
        result["via_bot"] = message.via_bot
    if message.service is not None:
        result.update(message.service)
    if with_reply and message.reply_to_message_id is not None:
        replied = bot.chat(message.chat_id).messages.get(message.reply_to_message_id)
        if replied is not None:
            result["reply_to_message"] = api_message(sandbox, bot, replied, with_reply=False)
    return result


def file_url(file_id: str) -> str:
    """Return the path (relative to the sandbox's address) where a browser can load a file."""
    return f"/sim/files/{file_id}"


def transcript_entry(message: StoredMessage) -> dict[str, Any]:
    """Return `message` as a /sim/ transcript entry (what the chat page draws)."""
    document = None
    if message.document is not None:
        document = {
            "file_name": message.document.file_name,
            "mime_type": message.document.mime_type,
            "url": file_url(message.document.file_id),
        }
    photo = file_url(message.photo.file_id) if message.photo is not None else message.photo_url
    return {
        "message_id": message.message_id,
        "from": message.sender,
        "date": message.date,
        "text": message.text,
        "html": render_html(message.text, message.entities) if message.text is not None else None,
        "caption": message.caption,
        "caption_html": (
            render_html(message.caption, message.caption_entities)
            if message.caption is not None
            else None
        ),
        "photo": photo,
        "document": document,
        "reply_markup": message.reply_markup,
        "edited": message.edit_date is not None,
        "media_group_id": message.media_group_id,
        "via_bot": f"@{message.via_bot['username']}" if message.via_bot else None,
        "sender_name": message.from_user.get("first_name") if message.via_bot else None,
        "reply_to_message_id": message.reply_to_message_id,
        "service": message.service,
        "seq": message.seq,
    }

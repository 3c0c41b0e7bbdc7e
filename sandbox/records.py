"""The records the sandbox keeps: people, files, messages, chats, button presses, webhooks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SimUser:
    """A person playing a Telegram user."""

    id: int
    first_name: str
    language_code: str | None = None
    username: str | None = None
    last_name: str | None = None

    def api_user(self) -> dict[str, Any]:
        """Return this person as a Bot API User."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                user[key] = getattr(self, key)
        return user

    def api_chat(self) -> dict[str, Any]:
        """Return the private chat with this person as a Bot API Chat."""
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key):
                chat[key] = getattr(self, key)
        return chat

    def sim_json(self) -> dict[str, Any]:
        """Return this person as the /sim/ API shows them."""
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }


@dataclass
class StoredFile:
    """A file the sandbox holds (an upload by the bot or a user, or a fetched URL)."""

    file_id: str
    file_unique_id: str
    content: bytes
    mime_type: str
    file_name: str | None
    file_path: str
    width: int = 0
    height: int = 0

    def photo_size(self) -> dict[str, Any]:
        """Return this file as a Bot API PhotoSize."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": len(self.content),
        }

    def document(self) -> dict[str, Any]:
        """Return this file as a Bot API Document."""
        doc: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "mime_type": self.mime_type,
            "file_size": len(self.content),
        }
        if self.file_name:
            doc["file_name"] = self.file_name
        return doc


@dataclass
class StoredMessage:
    """One message in a private chat between a bot and a person."""

    message_id: int
    chat_id: int
    sender: str  # "bot" or "user"
    from_user: dict[str, Any]
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    photo: StoredFile | None = None
    photo_url: str | None = None  # a photo known only by URL (inline photo results)
    document: StoredFile | None = None
    reply_markup: dict[str, Any] | None = None
    edit_date: int | None = None
    media_group_id: str | None = None
    via_bot: dict[str, Any] | None = None
    inline_message_id: str | None = None
    reply_to_message_id: int | None = None
    service: dict[str, Any] | None = None  # a service message's fields, e.g. write_access_allowed
    seq: int = 0  # event sequence number of the last change


@dataclass
class ChatLog:
    """The messages of one chat, in order, with the ids of deleted ones."""

    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    deleted: list[tuple[int, int]] = field(default_factory=list)  # (message_id, seq)


@dataclass
class CallbackRecord:
    """A button press waiting for (or having got) the bot's answerCallbackQuery."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False
    answer: dict[str, Any] = field(default_factory=dict)

    def sim_json(self) -> dict[str, Any]:
        """Return the press and its answer as the /sim/ API shows them."""
        return {
            "callback_query_id": self.id,
            "user_id": self.user_id,
            "message_id": self.message_id,
            "data": self.data,
            "answered": self.answered,
            "text": self.answer.get("text"),
            "show_alert": bool(self.answer.get("show_alert", False)),
            "url": self.answer.get("url"),
        }


@dataclass
class InlineRecord:
    """An inline query and, once answered, the bot's results."""

    id: str
    user_id: int
    query: str
    created: float
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    answer: dict[str, Any] | None = None


@dataclass
class PreparedMessage:
    """A savePreparedInlineMessage result the person it was saved for may share from a Mini App."""

    id: str
    user_id: int
    result: dict[str, Any]  # the InlineQueryResult as the bot sent it, its keyboard as td keeps it
    message: dict[str, Any]  # what sharing it posts: text or caption (parsed, cleaned), keyboard
    chat_types: dict[str, bool]  # allow_user_chats, allow_bot_chats, allow_group_chats, ...
    expiration_date: int

    def sim_json(self) -> dict[str, Any]:
        """Return the prepared message as the /sim/ API shows it."""
        return {
            "id": self.id,
            "user_id": self.user_id,
            "expiration_date": self.expiration_date,
            **self.chat_types,
            "result": self.result,
        }


@dataclass
class Webhook:
    """A bot's webhook registration and delivery health."""

    url: str
    secret_token: str | None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None

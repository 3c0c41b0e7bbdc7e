"""The sandbox's records as the JSON the state file keeps, and back.

Records are written field by field from their dataclasses, so a field added later is kept too;
on reading, fields this version does not know are dropped and a missing required one raises
(TypeError), which makes the whole file unreadable rather than half-loaded.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

from sandbox.records import (
    CallbackRecord,
    InlineRecord,
    PreparedMessage,
    SimUser,
    StoredFile,
    StoredMessage,
    Webhook,
)
from sandbox.state import BotState
from sandbox.webapp import KEY_SEED_BYTES

T = TypeVar("T", bound="DataclassInstance")


def dumps(value: Any) -> str:
    """Compact JSON, non-ASCII kept as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_value(text: str) -> Any:
    """The value a JSON column holds."""
    return json.loads(text)


def _fields(record: Any, *skip: str) -> dict[str, Any]:
    return {
        f.name: getattr(record, f.name) for f in dataclasses.fields(record) if f.name not in skip
    }


def _build(cls: type[T], data: Any, **extra: Any) -> T:
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__}: expected an object")
    known = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in known}, **extra)


def encode_webapp_key(seed: bytes) -> str:
    """The Mini App signing key's seed as the meta table keeps it (a JSON string of hex)."""
    return dumps(seed.hex())


def decode_webapp_key(saved: Any) -> bytes | None:
    """The saved Mini App key's seed, None if the file has none yet; ValueError if damaged."""
    if saved is None:
        return None
    seed = bytes.fromhex(str(saved))
    if len(seed) != KEY_SEED_BYTES:
        raise ValueError("the saved Mini App key is not an Ed25519 seed")
    return seed


def encode_user(user: SimUser) -> str:
    return dumps(_fields(user))


def decode_user(data: str) -> SimUser:
    return _build(SimUser, json.loads(data))


def encode_file_meta(stored: StoredFile) -> str:
    """Everything about a file but its bytes (kept as a BLOB beside it)."""
    return dumps(_fields(stored, "content"))


def decode_file(data: str, content: bytes) -> StoredFile:
    return _build(StoredFile, json.loads(data), content=bytes(content))


def encode_message(message: StoredMessage) -> str:
    """A message, its photo or document named by file_id."""
    data = _fields(message, "photo", "document")
    data["photo"] = message.photo.file_id if message.photo else None
    data["document"] = message.document.file_id if message.document else None
    return dumps(data)


def decode_message(data: str, files: dict[str, StoredFile]) -> StoredMessage:
    fields = json.loads(data)
    if not isinstance(fields, dict):
        raise TypeError("message: expected an object")
    for key in ("photo", "document"):
        file_id = fields.pop(key, None)
        # Files are saved before or with the messages that show them; a missing one is dropped.
        fields[key] = files.get(file_id) if isinstance(file_id, str) else None
    return _build(StoredMessage, fields)


def encode_callback(record: CallbackRecord) -> str:
    return dumps(_fields(record))


def decode_callback(data: str) -> CallbackRecord:
    return _build(CallbackRecord, json.loads(data))


def encode_bot(bot: BotState, max_query_age: float, now: float) -> str:
    """A bot's own settings and records, without its chats and pending updates (saved apart).

    Inline queries are kept as far as they can still matter: the last one of each person (what
    /inline/choose picks by default) and those young enough to be answered; prepared messages
    until they expire.
    """
    recent = set(bot.last_inline_by_user.values())
    inline = [
        {**_fields(record, "answered"), "answered": record.answered.is_set()}
        for query_id, record in bot.inline_queries.items()
        if query_id in recent or now - record.created <= max_query_age
    ]
    return dumps(
        {
            "id": bot.id,
            "username": bot.username,
            "first_name": bot.first_name,
            "allowed_updates": bot.allowed_updates,
            "webhook": _fields(bot.webhook) if bot.webhook else None,
            "blocked": sorted(bot.blocked),
            "commands": [[scope, lang, cmds] for (scope, lang), cmds in bot.commands.items()],
            "menu_buttons": [[chat_id, button] for chat_id, button in bot.menu_buttons.items()],
            "profile": bot.profile,
            "inline_queries": inline,
            "last_inline_by_user": [[user_id, q] for user_id, q in bot.last_inline_by_user.items()],
            "inline_messages": [[key, list(where)] for key, where in bot.inline_messages.items()],
            "web_apps": [[name, url] for name, url in bot.web_apps.items()],
            "write_access": sorted(bot.write_access),
            "prepared_messages": [
                _fields(prepared)
                for prepared in bot.prepared_messages.values()
                if prepared.expiration_date > now
            ],
            "last_active": bot.last_active,
        }
    )


def decode_bot(token: str, data: str) -> BotState:
    """A bot as encode_bot saved it (no chats, updates or button presses yet)."""
    saved = json.loads(data)
    if not isinstance(saved, dict):
        raise TypeError("bot: expected an object")
    bot = BotState(token, int(saved["id"]))
    bot.username, bot.first_name = str(saved["username"]), str(saved["first_name"])
    bot.allowed_updates = saved.get("allowed_updates")
    if saved.get("webhook"):
        bot.webhook = _build(Webhook, saved["webhook"])
    bot.blocked = {int(user_id) for user_id in saved.get("blocked", [])}
    bot.commands = {(str(s), str(lang)): cmds for s, lang, cmds in saved.get("commands", [])}
    bot.menu_buttons = {
        (None if chat_id is None else int(chat_id)): button
        for chat_id, button in saved.get("menu_buttons", [])
    }
    bot.profile = dict(saved.get("profile", {}))
    for fields in saved.get("inline_queries", []):
        answered = bool(fields.pop("answered", False))
        record = _build(InlineRecord, fields)
        if answered:
            record.answered.set()
        bot.inline_queries[record.id] = record
    bot.last_inline_by_user = {int(u): str(q) for u, q in saved.get("last_inline_by_user", [])}
    bot.inline_messages = {
        str(key): (int(chat_id), int(message_id))
        for key, (chat_id, message_id) in saved.get("inline_messages", [])
    }
    bot.web_apps = {str(name): str(url) for name, url in saved.get("web_apps", [])}
    bot.write_access = {int(user_id) for user_id in saved.get("write_access", [])}
    for fields in saved.get("prepared_messages", []):
        prepared = _build(PreparedMessage, fields)
        bot.prepared_messages[prepared.id] = prepared
    bot.last_active = float(saved.get("last_active", 0.0))
    return bot

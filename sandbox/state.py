"""Everything the sandbox remembers: users, bots, chats, messages, updates, files, logs.

All state lives on the server's event loop; nothing here is thread-safe, and nothing needs to be.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.faults import FaultPlan
from sandbox.limits import RateLimiter
from sandbox.settings import SandboxSettings

TOKEN_RE = re.compile(r"^([0-9]{1,20}):([A-Za-z0-9_-]{1,200})$")
# Update types a bot gets when allowed_updates is empty or unset (Telegram's default).
DEFAULT_EXCLUDED_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}


class Signal:
    """Wakes every coroutine waiting on it; a fresh asyncio.Event per round, made on the loop."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        """Wake all current waiters."""
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for notify(); return whether it came."""
        if self._event is None:
            self._event = asyncio.Event()
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True


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
class Webhook:
    """A bot's webhook registration and delivery health."""

    url: str
    secret_token: str | None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


class BotState:
    """Everything about one bot (one token)."""

    def __init__(self, token: str, bot_id: int) -> None:
        self.token = token
        self.id = bot_id
        self.username = f"sandbox_{bot_id}_bot"
        self.first_name = "Sandbox Bot"
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.allowed_updates: list[str] | None = None
        self.updates_signal = Signal()
        self.poll_generation = 0
        self.webhook: Webhook | None = None
        self.webhook_task: asyncio.Task[None] | None = None
        self.chats: dict[int, ChatLog] = {}
        self.blocked: set[int] = set()
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.profile: dict[str, dict[str, str]] = {}  # setMyName/Description: field -> lang -> text
        self.callback_queries: dict[str, CallbackRecord] = {}
        self.inline_queries: dict[str, InlineRecord] = {}
        self.last_inline_by_user: dict[int, str] = {}
        self.inline_messages: dict[str, tuple[int, int]] = {}
        self.last_active = 0.0

    def api_user(self) -> dict[str, Any]:
        """Return the bot as a Bot API User (what getMe answers)."""
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def chat(self, chat_id: int) -> ChatLog:
        """Return the log of a chat, creating it empty."""
        return self.chats.setdefault(chat_id, ChatLog())

    def wants(self, update_type: str) -> bool:
        """Say whether the bot's allowed_updates lets `update_type` through."""
        allowed = self.webhook.allowed_updates if self.webhook else self.allowed_updates
        if not allowed:
            return update_type not in DEFAULT_EXCLUDED_UPDATES
        return update_type in allowed

    def sim_json(self) -> dict[str, Any]:
        """Return the bot and its webhook state as GET /sim/bots shows them (no token)."""
        hook = self.webhook
        return {
            "id": self.id,
            "username": self.username,
            "first_name": self.first_name,
            "mode": "webhook" if hook else "polling",
            "webhook_url": hook.url if hook else None,
            "webhook_has_secret": bool(hook and hook.secret_token),
            "webhook_last_error": hook.last_error_message if hook else None,
            "pending_update_count": len(self.updates),
            "last_active": self.last_active,
        }


class Sandbox:
    """The root of the state, shared by the Bot API and /sim/ routes."""

    def __init__(
        self,
        settings: SandboxSettings,
        limits: str,
        webhook_secret_checker: Callable[[str | None], bool] | None = None,
    ) -> None:
        self.settings = settings
        self.limits_mode = limits
        self.limiter = RateLimiter(limits, settings.limit_numbers())
        self.faults = FaultPlan(settings.fault_timeout_seconds)
        self.webhook_secret_checker = webhook_secret_checker
        self.users: dict[int, SimUser] = {}
        self.bots: dict[str, BotState] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.calls: deque[dict[str, Any]] = deque(maxlen=settings.calls_log_size)
        self.events: deque[dict[str, Any]] = deque(maxlen=settings.events_log_size)
        self.events_signal = Signal()
        self.closing = False
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)  # never reset, so incremental readers stay correct
        self.last_seq = 0
        self.last_active_token: str | None = None

    def next_id(self) -> int:
        """Return a fresh number for ids (callback queries, files, media groups)."""
        return next(self._ids)

    def bot(self, token: str) -> BotState:
        """Return the bot for a well-formed token, creating it on first sight."""
        bot = self.bots.get(token)
        if bot is None:
            match = TOKEN_RE.match(token)
            assert match, "callers check the token first"
            bot = self.bots[token] = BotState(token, int(match.group(1)))
        return bot

    def touch(self, bot: BotState) -> None:
        """Mark `bot` as the most recently active one (the default for /sim/ routes)."""
        bot.last_active = time.time()
        self.last_active_token = bot.token

    def enqueue_update(self, bot: BotState, update_type: str, payload: dict[str, Any]) -> None:
        """Queue an update for the bot (if its allowed_updates wants it) and wake its readers."""
        if not bot.wants(update_type):
            return
        bot.updates.append({"update_id": bot.next_update_id, update_type: payload})
        bot.next_update_id += 1
        bot.updates_signal.notify()

    def new_seq(self) -> int:
        """Reserve the next event sequence number."""
        self.last_seq = next(self._seq)
        return self.last_seq

    def emit(self, event: dict[str, Any], seq: int | None = None) -> int:
        """Record a change for GET /sim/events and incremental transcripts; return its seq."""
        if seq is None:
            seq = self.new_seq()
        self.events.append({"seq": seq, "time": time.time(), **event})
        self.events_signal.notify()
        return seq

    def store_file(
        self,
        content: bytes,
        mime_type: str,
        file_name: str | None,
        folder: str,
        width: int = 0,
        height: int = 0,
    ) -> StoredFile:
        """Keep a file and give it a file_id and a download path."""
        number = self.next_id()
        digest = hashlib.sha256(content).hexdigest()
        extension = (file_name or "").rpartition(".")[2] if file_name and "." in file_name else ""
        if not extension:
            extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(
                mime_type, "bin"
            )
        stored = StoredFile(
            file_id=f"SBX{folder[:2].upper()}{number:06d}{digest[:24]}",
            file_unique_id=f"U{digest[:15]}",
            content=content,
            mime_type=mime_type,
            file_name=file_name,
            file_path=f"{folder}/file_{number}.{extension}",
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def log_call(self, entry: dict[str, Any]) -> None:
        """Append a Bot API call to the bounded call log."""
        self.calls.append(entry)

    def reset(self) -> None:
        """Forget everything except the event sequence counter; stop webhook deliveries."""
        for bot in self.bots.values():
            if bot.webhook_task:
                bot.webhook_task.cancel()
            bot.updates_signal.notify()
        self.users.clear()
        self.bots.clear()
        self.files.clear()
        self.files_by_path.clear()
        self.calls.clear()
        self.events.clear()
        self.faults.clear()
        self.limiter.reset()
        self.last_active_token = None
        self.emit({"type": "reset"})

    def close(self) -> None:
        """Wake every long poll and event stream so the server can stop promptly."""
        self.closing = True
        for bot in self.bots.values():
            if bot.webhook_task:
                bot.webhook_task.cancel()
            bot.updates_signal.notify()
        self.events_signal.notify()

"""Everything the sandbox remembers: users, bots, chats, messages, updates, files, logs.

All state lives on the server's event loop; nothing here is thread-safe, and nothing needs to be.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from sandbox.changes import ChangeLog
from sandbox.faults import FaultPlan
from sandbox.limits import RateLimiter
from sandbox.records import (
    CallbackRecord,
    ChatLog,
    InlineRecord,
    PreparedMessage,
    SimUser,
    StoredFile,
    Webhook,
)
from sandbox.settings import SandboxSettings
from sandbox.webapp import new_key_seed

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


# The sandbox's ever-growing numbers: ids (files, media groups, inline messages), the call log's
# seq, update ids, and the event seq that also stamps every message change.
COUNTERS = ("id", "call", "update", "seq")


class Counters:
    """Numbers that only grow and are never handed out twice, not even across a crash.

    Without a saved state the ceilings are infinite. With one (sandbox/persistence.py), each
    ceiling is a value already on disk that its counter may not pass: reaching it calls
    `on_ceiling`, which raises the ceilings on disk before the number is handed out, and a
    sandbox restarted after a crash starts every counter from its ceiling.
    """

    def __init__(self) -> None:
        self.values: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.ceilings: dict[str, float] = dict.fromkeys(COUNTERS, math.inf)
        self.on_ceiling: Callable[[str], None] | None = None

    def take(self, name: str) -> int:
        """Return the next value of counter `name`."""
        value = self.values[name] + 1
        if value > self.ceilings[name] and self.on_ceiling is not None:
            self.on_ceiling(name)
        self.values[name] = value
        return value


class UserTable(dict[int, SimUser]):
    """The people, by id, in creation order; notes who was added or changed when state is saved.

    Only `table[id] = user` is noted (the one way /sim/users writes); reset() clears it whole.
    """

    changes: ChangeLog | None = None

    def __setitem__(self, user_id: int, user: SimUser) -> None:
        super().__setitem__(user_id, user)
        if self.changes is not None:
            self.changes.users[user_id] = None


class BotState:
    """Everything about one bot (one token)."""

    def __init__(self, token: str, bot_id: int) -> None:
        self.token = token
        self.id = bot_id
        self.username = f"sandbox_{bot_id}_bot"
        self.first_name = "Sandbox Bot"
        self.updates: list[dict[str, Any]] = []
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
        # Mini Apps: BotFather's /newapp (short name -> URL), the people who let the bot write
        # to them (they wrote to it, or allowed it from a Mini App), savePreparedInlineMessage.
        self.web_apps: dict[str, str] = {}
        self.write_access: set[int] = set()
        self.prepared_messages: dict[str, PreparedMessage] = {}
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

    def message_user(self) -> dict[str, Any]:
        """Return the bot as it appears in the "from" of its messages (fewer fields than getMe)."""
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def display_name(self) -> str:
        """The name a client shows for the bot (setMyName's default-language name, if set)."""
        return self.profile.get("name", {}).get("") or self.first_name

    def allows_write(self, user_id: int) -> bool:
        """Say whether the bot may message this person: started or allowed it, and not blocked."""
        return user_id in self.write_access and user_id not in self.blocked

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
        self.users = UserTable()
        self.bots: dict[str, BotState] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.calls: deque[dict[str, Any]] = deque(maxlen=settings.calls_log_size)
        self.events: deque[dict[str, Any]] = deque(maxlen=settings.events_log_size)
        self.events_signal = Signal()
        self.closing = False
        # Never reset: a bot that keeps polling through /sim/reset sends its old offset, and
        # must not have new updates confirmed away by it; incremental readers (?since=) of
        # events, transcripts and calls stay correct.
        self.counters = Counters()
        self.last_seq = 0
        self.last_active_token: str | None = None
        # What changed since the state was last saved; None when it is not saved (the default).
        self.changes: ChangeLog | None = None
        # The Ed25519 key signing Mini App initData (sandbox/webapp.py): made once, kept in the
        # saved state and through /sim/reset, as Telegram's key does not change.
        self.webapp_key = new_key_seed()

    def track_changes(self, changes: ChangeLog) -> None:
        """Note every change in `changes` from now on (for sandbox/persistence.py)."""
        self.changes = self.users.changes = changes

    def next_id(self) -> int:
        """Return a fresh number for ids (callback queries, files, media groups)."""
        return self.counters.take("id")

    def note_bot(self, bot: BotState) -> None:
        """Note that a bot's own records changed outside a Bot API call (for the saved state)."""
        if self.changes is not None:
            self.changes.bots[bot.token] = None

    def bot(self, token: str) -> BotState:
        """Return the bot for a well-formed token, creating it on first sight."""
        bot = self.bots.get(token)
        if bot is None:
            match = TOKEN_RE.match(token)
            assert match, "callers check the token first"
            bot = self.bots[token] = BotState(token, int(match.group(1)))
            if self.changes is not None:
                self.changes.bots[token] = None
        return bot

    def touch(self, bot: BotState) -> None:
        """Mark `bot` as the most recently active one (the default for /sim/ routes).

        Every Bot API call starts here (and ends in log_call), so both note the bot as changed.
        """
        bot.last_active = time.time()
        self.last_active_token = bot.token
        if self.changes is not None:
            self.changes.bots[bot.token] = None

    def enqueue_update(self, bot: BotState, update_type: str, payload: dict[str, Any]) -> None:
        """Queue an update for the bot (if its allowed_updates wants it) and wake its readers."""
        if not bot.wants(update_type):
            return
        bot.updates.append({"update_id": self.counters.take("update"), update_type: payload})
        bot.updates_signal.notify()
        if self.changes is not None:
            self.changes.note_update(bot.token, update_type, payload)

    def new_seq(self) -> int:
        """Reserve the next event sequence number."""
        self.last_seq = self.counters.take("seq")
        return self.last_seq

    def emit(self, event: dict[str, Any], seq: int | None = None) -> int:
        """Record a change for GET /sim/events and incremental transcripts; return its seq."""
        if seq is None:
            seq = self.new_seq()
        stored = {"seq": seq, "time": time.time(), **event}
        self.events.append(stored)
        self.events_signal.notify()
        if self.changes is not None:
            self.changes.note_event(stored)
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
        if self.changes is not None:
            self.changes.files[stored.file_id] = None
        return stored

    def log_call(self, entry: dict[str, Any]) -> None:
        """Append a Bot API call to the bounded call log, numbering it."""
        self.calls.append({"seq": self.counters.take("call"), **entry})
        if self.changes is not None and isinstance(entry.get("bot_id"), int):
            self.changes.bot_ids[entry["bot_id"]] = None

    def reset(self) -> None:
        """Forget everything except the counters, saved state included; stop webhook deliveries."""
        for bot in self.bots.values():
            if bot.webhook_task:
                bot.webhook_task.cancel()
            bot.updates.clear()
            bot.updates_signal.notify()  # a waiting long poll answers [] at once
        self.users.clear()
        self.bots.clear()
        self.files.clear()
        self.files_by_path.clear()
        self.calls.clear()
        self.events.clear()
        self.faults.clear()
        self.limiter.reset()
        self.last_active_token = None
        if self.changes is not None:
            self.changes.clear()
            self.changes.reset = True
        self.emit({"type": "reset"})

    def close(self) -> None:
        """Wake every long poll and event stream so the server can stop promptly."""
        self.closing = True
        for bot in self.bots.values():
            if bot.webhook_task:
                bot.webhook_task.cancel()
            bot.updates_signal.notify()
        self.events_signal.notify()

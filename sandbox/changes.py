"""What changed in the sandbox since its state was last saved (noted only when it is saved).

The notes name things by key, not by value: what to write is read from the live state when the
state is saved, so a thing changed twice between two saves is written once, as it is then.
Ordered dicts serve as ordered sets, so new users and button presses are saved in the order they
came (GET /sim/users and transcript toasts list them in that order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ChangeLog:
    """Keys of the records added, changed or removed since the last save."""

    reset: bool = False  # /sim/reset: forget everything saved before the notes below
    users: dict[int, None] = field(default_factory=dict)
    bots: dict[str, None] = field(default_factory=dict)  # tokens whose own settings may differ
    bot_ids: dict[int, None] = field(default_factory=dict)  # the same, for notes that carry an id
    messages: dict[tuple[int, int, int], None] = field(default_factory=dict)  # bot id, chat, id
    deletions: list[tuple[int, int, int, int]] = field(default_factory=list)  # + the delete's seq
    callbacks: dict[str, None] = field(default_factory=dict)  # callback query ids
    files: dict[str, None] = field(default_factory=dict)  # file ids (files never change)

    def __bool__(self) -> bool:
        return bool(
            self.reset
            or self.users
            or self.bots
            or self.bot_ids
            or self.messages
            or self.deletions
            or self.callbacks
            or self.files
        )

    def note_event(self, event: dict[str, Any]) -> None:
        """Note what a /sim/ event (see Sandbox.emit) says has changed."""
        kind, bot_id, chat_id = event.get("type"), event.get("bot_id"), event.get("user_id")
        if not isinstance(bot_id, int) or not isinstance(chat_id, int):
            return
        if kind in ("message", "edit"):
            self.messages[(bot_id, chat_id, event["message"]["message_id"])] = None
        elif kind == "delete":
            self.messages[(bot_id, chat_id, event["message_id"])] = None
            self.deletions.append((bot_id, chat_id, event["message_id"], event["seq"]))
        elif kind == "toast":
            self.callbacks[event["callback_query_id"]] = None
        elif kind in ("block", "unblock"):
            self.bot_ids[bot_id] = None

    def note_update(self, token: str, update_type: str, payload: dict[str, Any]) -> None:
        """Note the records an update queued for a bot brings with it."""
        self.bots[token] = None
        if update_type == "callback_query":
            self.callbacks[payload["id"]] = None

    def drain(self) -> ChangeLog:
        """Return the notes taken so far and start afresh."""
        taken = ChangeLog(
            self.reset,
            self.users,
            self.bots,
            self.bot_ids,
            self.messages,
            self.deletions,
            self.callbacks,
            self.files,
        )
        self.clear()
        return taken

    def absorb_earlier(self, earlier: ChangeLog) -> None:
        """Take back notes drained before these ones (their save failed), keeping their order."""
        if self.reset:
            return  # a /sim/reset since then made those notes moot
        self.reset = earlier.reset
        self.users = {**earlier.users, **self.users}
        self.bots = {**earlier.bots, **self.bots}
        self.bot_ids = {**earlier.bot_ids, **self.bot_ids}
        self.messages = {**earlier.messages, **self.messages}
        self.deletions = earlier.deletions + self.deletions
        self.callbacks = {**earlier.callbacks, **self.callbacks}
        self.files = {**earlier.files, **self.files}

    def clear(self) -> None:
        """Forget every note."""
        self.reset = False
        self.users, self.bots, self.bot_ids, self.messages = {}, {}, {}, {}
        self.deletions, self.callbacks, self.files = [], {}, {}

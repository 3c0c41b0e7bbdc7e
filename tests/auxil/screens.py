"""Walking a person's screens: send a command, press every button it answers with, and keep the
books — which Bot API calls the sandbox refused, whether the error handler ran, which press went
unanswered. Used by the first-day journeys (tests/journeys/test_first_day.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.app import Runtime
from tests.auxil.sim import Message, Sim, SimUser, buttons_of

WAIT_SECONDS = 15.0


def message_key(chat_id: int, message_id: int) -> str:
    return f"message {chat_id}:{message_id}"


def press_key(query_id: str) -> str:
    return f"press {query_id}"


class BotWatch:
    """What the running bot made of each update: finished (by key), and every error it raised."""

    def __init__(self, application: Application) -> None:  # type: ignore[type-arg]
        self.done: set[str] = set()
        self.errors: list[str] = []
        self._changed = asyncio.Event()
        # An update is finished when the application's process_update returns: after every
        # handler group ran, or one stopped the others (ApplicationHandlerStop, as flows do),
        # and after the error handlers of a failure. PTB looks the method up on the instance.
        process_update = application.process_update

        async def process_and_note(update: object) -> None:
            try:
                await process_update(update)
            finally:
                if isinstance(update, Update):
                    self._finished(update)

        application.process_update = process_and_note  # type: ignore[method-assign]
        application.add_error_handler(self._failed)

    def _finished(self, update: Update) -> None:
        if update.callback_query is not None:
            self.done.add(press_key(update.callback_query.id))
        elif update.effective_message is not None and update.effective_chat is not None:
            self.done.add(
                message_key(update.effective_chat.id, update.effective_message.message_id)
            )
        self._changed.set()

    async def _failed(self, update: object, context: Any) -> None:
        self.errors.append(f"{context.error!r} while handling {describe(update)}")
        self._changed.set()

    async def finished(self, key: str, timeout: float = WAIT_SECONDS) -> None:
        """Return once the bot has run every handler for the update behind `key`."""
        deadline = time.monotonic() + timeout
        while key not in self.done:
            self._changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"the bot never finished with {key}; errors: {self.errors}")
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                continue


def describe(update: object) -> str:
    """An update in a few words: who sent which text or pressed which button."""
    if not isinstance(update, Update):
        return repr(update)
    who = update.effective_user.id if update.effective_user else "?"
    if update.callback_query is not None:
        return f"user {who} pressing {update.callback_query.data!r}"
    text = update.effective_message.text if update.effective_message else None
    return f"user {who} sending {text!r}"


def callback_data(message: Message) -> list[str]:
    """The callback data of a message's buttons, in order, each once (URL buttons left out)."""
    found = [b["callback_data"] for b in buttons_of(message) if "callback_data" in b]
    return list(dict.fromkeys(found))


def slot(message: Message, data: str) -> tuple[int, int] | None:
    """Where (row, column) the button carrying `data` sits on a message."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    for r, row in enumerate(rows):
        for c, key in enumerate(row):
            if key.get("callback_data") == data:
                return r, c
    return None


def kind_of(data: str) -> str:
    """The codec's version and prefix of a callback payload ("1:fav:12" -> "1:fav")."""
    return ":".join(data.split(":")[:2])


def same_button(
    fresh: list[Message], index: int, original: Message, data: str
) -> tuple[Message, str] | None:
    """The button of a fresh answer that stands for `data` of the original one.

    The same payload anywhere; else the same kind of button in the same place of the same
    screen (a payload may carry a moment, like /forget's confirmation).
    """
    for message in fresh:
        if data in callback_data(message):
            return message, data
    place = slot(original, data)
    if index < len(fresh) and place is not None:
        rows = (fresh[index].get("reply_markup") or {}).get("inline_keyboard", [])
        r, c = place
        if r < len(rows) and c < len(rows[r]):
            twin = rows[r][c].get("callback_data")
            if twin and kind_of(twin) == kind_of(data):
                return fresh[index], twin
    return None


Newcomer = Callable[[], Awaitable[SimUser]]


@dataclass
class ScreenWalker:
    """Drives people through their screens and checks every step against the sandbox's books."""

    runtime: Runtime
    sim: Sim
    watch: BotWatch
    refused: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    pressed: int = 0
    sent: int = 0
    _seq: int = 0

    async def check_calls(self, step: str) -> None:
        """Note every Bot API call since the last check that the sandbox refused."""
        response = await self.sim.http.get("/sim/calls", params={"since": self._seq})
        response.raise_for_status()
        for entry in response.json():
            self._seq = max(self._seq, entry["seq"])
            if not entry["ok"]:
                params = str(entry["params"])[:160]
                self.refused.append(f"{step}: {entry['method']} {params} -> {entry['description']}")

    async def say(self, person: SimUser, text: str) -> list[Message]:
        """Send `text`; return the bot's messages that answered it, once the bot is done."""
        sent = await person.send(text)
        self.sent += 1
        await self.watch.finished(message_key(person.id, sent["message_id"]))
        await self.check_calls(f"user {person.id} sent {text!r}")
        return [m for m in await person.bot_messages() if m["message_id"] > sent["message_id"]]

    async def press(self, person: SimUser, message: Message, data: str) -> Message:
        """Press a button; return that message as it is once the bot is done (edits applied)."""
        pressed = await person.press(message, data)
        self.pressed += 1
        query_id = pressed["callback_query_id"]
        await self.watch.finished(press_key(query_id))
        step = f"user {person.id} pressed {data!r} on message {message['message_id']}"
        await self.check_calls(step)
        record = (await self.sim.http.get(f"/sim/callbacks/{query_id}")).json()
        if not record.get("answered"):
            self.unanswered.append(step)
        return await person.message(message["message_id"])

    async def walk(
        self, person: SimUser, command: str, *, newcomer: Newcomer | None = None
    ) -> list[Message]:
        """Send `command`, then press every button of every message it answered with.

        A press that changed its screen (an edit took the other buttons away) is followed by the
        same command again, for a fresh screen; a screen shown only once in a person's life
        (the onboarding after the first /start) is asked for by a `newcomer` instead.
        """
        screens = await self.say(person, command)
        for index, screen in enumerate(screens):
            for data in callback_data(screen):
                current = await person.message(screen["message_id"])
                if data in callback_data(current):
                    await self.press(person, current, data)
                    continue
                found = same_button(await self.say(person, command), index, screen, data)
                presser = person
                if found is None and newcomer is not None:
                    presser = await newcomer()
                    found = same_button(await self.say(presser, command), index, screen, data)
                assert found is not None, f"{command}: button {data!r} cannot be reached again"
                await self.press(presser, found[0], found[1])
        return screens

    async def settle(self) -> None:
        """Wait until the outbox has sent everything queued (notices, verdicts, credentials)."""
        outbox = self.runtime.services.repos.outbox
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            rows = await outbox.all_rows()
            if not any(row["status"] in ("queued", "sending") for row in rows):
                await self.check_calls("the outbox")
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the outbox never emptied: {await outbox.all_rows()}")

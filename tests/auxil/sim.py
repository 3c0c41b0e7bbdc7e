"""A person's side of the sandbox, for journey tests: users who type, press buttons and read."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

Message = dict[str, Any]


class Sim:
    """Client of the sandbox's /sim API."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=30)

    async def close(self) -> None:
        await self.http.aclose()

    async def user(
        self, telegram_id: int, first_name: str, language_code: str = "zh-hans"
    ) -> SimUser:
        """Create (or fetch) a private-chat user."""
        response = await self.http.post(
            "/sim/users",
            json={"id": telegram_id, "first_name": first_name, "language_code": language_code},
        )
        response.raise_for_status()
        return SimUser(self, telegram_id)

    async def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """The raw Bot API call log (optionally for one method)."""
        params = {"method": method} if method else {}
        response = await self.http.get("/sim/calls", params=params)
        response.raise_for_status()
        body = response.json()
        return body["calls"] if isinstance(body, dict) else body


@dataclass
class SimUser:
    """One person chatting with the bot."""

    sim: Sim
    id: int

    async def send(self, text: str) -> Message:
        """Type a message or command."""
        response = await self.sim.http.post(f"/sim/users/{self.id}/messages", json={"text": text})
        response.raise_for_status()
        return response.json()

    async def send_photo(self, content: bytes, caption: str | None = None) -> Message:
        """Send a photo (image bytes), optionally with a caption."""
        data = {"caption": caption} if caption else {}
        response = await self.sim.http.post(
            f"/sim/users/{self.id}/messages",
            files={"photo": ("photo.png", content, "image/png")},
            data=data,
        )
        response.raise_for_status()
        return response.json()

    async def ask_photo(
        self, content: bytes, predicate: Callable[[Message], bool] = lambda m: True
    ) -> Message:
        """Send a photo and wait for the bot's answer to it."""
        sent = await self.send_photo(content)
        return await self.wait_for(predicate, after=sent["message_id"])

    async def message(self, message_id: int) -> Message:
        """The current state of one message of the chat (edits applied)."""
        for message in await self.transcript():
            if message["message_id"] == message_id:
                return message
        raise AssertionError(f"message {message_id} is not in the chat")

    async def last_message_id(self) -> int:
        """The id of the newest message in the chat (0 when empty)."""
        messages = await self.transcript()
        return messages[-1]["message_id"] if messages else 0

    async def press(self, message: Message, data: str) -> dict[str, Any]:
        """Press the inline button carrying `data` on `message`."""
        response = await self.sim.http.post(
            f"/sim/users/{self.id}/callbacks",
            json={"message_id": message["message_id"], "data": data},
        )
        response.raise_for_status()
        return response.json()

    async def block(self) -> None:
        (await self.sim.http.post(f"/sim/users/{self.id}/block")).raise_for_status()

    async def unblock(self) -> None:
        (await self.sim.http.post(f"/sim/users/{self.id}/unblock")).raise_for_status()

    async def transcript(self) -> list[Message]:
        """Every message in the chat, oldest first, edits applied."""
        response = await self.sim.http.get(f"/sim/users/{self.id}/transcript")
        response.raise_for_status()
        body = response.json()
        return body["messages"] if isinstance(body, dict) else body

    async def bot_messages(self) -> list[Message]:
        return [m for m in await self.transcript() if m.get("from") == "bot"]

    async def wait_for(
        self,
        predicate: Callable[[Message], bool] = lambda m: True,
        *,
        after: int = 0,
        timeout: float = 10.0,
    ) -> Message:
        """The first bot message newer than message id `after` that satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        seen: list[Message] = []
        while time.monotonic() < deadline:
            seen = [m for m in await self.bot_messages() if m["message_id"] > after]
            for message in seen:
                if predicate(message):
                    return message
            await asyncio.sleep(0.05)
        raise AssertionError(f"no matching bot message within {timeout}s; got {seen!r}")

    async def ask(
        self, text: str, predicate: Callable[[Message], bool] = lambda m: True
    ) -> Message:
        """Send `text` and wait for the bot's answer to it."""
        sent = await self.send(text)
        return await self.wait_for(predicate, after=sent["message_id"])

    async def press_answered(
        self, message: Message, data: str, *, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Press a button and wait for the bot's answerCallbackQuery; return the answer record."""
        pressed = await self.press(message, data)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = await self.sim.http.get(f"/sim/callbacks/{pressed['callback_query_id']}")
            response.raise_for_status()
            record = response.json()
            if record.get("answered"):
                return record
            await asyncio.sleep(0.05)
        raise AssertionError(f"the bot did not answer the press of {data!r} within {timeout}s")

    async def wait_for_change(
        self, message_id: int, predicate: Callable[[Message], bool], *, timeout: float = 10.0
    ) -> Message:
        """Message `message_id` once an edit makes it satisfy `predicate`."""
        deadline = time.monotonic() + timeout
        current: Message | None = None
        while time.monotonic() < deadline:
            current = next(
                (m for m in await self.transcript() if m["message_id"] == message_id), None
            )
            if current is not None and predicate(current):
                return current
            await asyncio.sleep(0.05)
        raise AssertionError(f"message {message_id} never matched; last seen {current!r}")

    async def inline(self, query: str, *, offset: str = "") -> dict[str, Any]:
        """Type "@bot <query>" (scrolled to `offset`) and return the bot's inline answer."""
        response = await self.sim.http.post(
            f"/sim/users/{self.id}/inline", json={"query": query, "offset": offset}
        )
        response.raise_for_status()
        return response.json()


def text_of(message: Message) -> str:
    """The visible text or caption of a transcript message."""
    return message.get("text") or message.get("caption") or ""


def buttons_of(message: Message) -> list[dict[str, Any]]:
    """Every inline button of a message, row by row."""
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def plant_button(sandbox: Any, user_id: int, message_id: int, data: str) -> None:
    """Add a button carrying `data` to a bot message, as a modified client could forge one."""
    for bot in sandbox.sandbox.bots.values():
        message = bot.chat(user_id).messages.get(message_id)
        if message is not None:
            keyboard = (message.reply_markup or {}).get("inline_keyboard", [])
            message.reply_markup = {
                "inline_keyboard": [*keyboard, [{"text": "forged", "callback_data": data}]]
            }
            return
    raise AssertionError(f"message {message_id} not found for user {user_id}")

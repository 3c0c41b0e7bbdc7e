"""The outbox service every slice calls to send anything that is not a direct reply."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from storage.repositories.outbox import OutboxRepository

if TYPE_CHECKING:
    from bot.delivery.dispatcher import Dispatcher


class Outbox:
    """Durable sending: `enqueue` writes the message; the dispatcher sends it when due."""

    def __init__(self, repo: OutboxRepository) -> None:
        self.repo = repo
        self.dispatcher: Dispatcher | None = None

    def attach(self, dispatcher: Dispatcher) -> None:
        """Let enqueue wake the running dispatcher."""
        self.dispatcher = dispatcher

    async def enqueue(
        self,
        kind: str,
        chat_id: int,
        payload: Mapping[str, Any],
        dedup_key: str,
        *,
        user_id: int | None = None,
        campaign_id: int | None = None,
        not_before: datetime | None = None,
    ) -> bool:
        """Write one message to send at `not_before` (default now); False if `dedup_key` exists.

        `payload` is {"method": "sendMessage" | "sendPhoto", "params": {Bot API params}}, or a
        reference {"render": <renderer name>, ...} that a registered renderer turns into one.
        A sendPhoto may carry "photo_path" instead of "photo": the file is uploaded once and
        Telegram's file id reused.
        """
        if "render" not in payload and payload.get("method") not in ("sendMessage", "sendPhoto"):
            raise ValueError("payload needs a method (sendMessage or sendPhoto) or a renderer")
        written = await self.repo.enqueue(
            kind,
            chat_id,
            payload,
            dedup_key,
            user_id=user_id,
            campaign_id=campaign_id,
            not_before=not_before,
        )
        if written and self.dispatcher is not None:
            self.dispatcher.wake()
        return written

    def wake(self) -> None:
        """Rows were written in bulk (a campaign fan-out): start sending now."""
        if self.dispatcher is not None:
            self.dispatcher.wake()

"""python-telegram-bot's rate-limiter hook over the send gate: every Bot API call passes here.

Replies, edits, notices, digests and campaign pushes all reach Telegram through PTB's
`ExtBot`, which hands each call to `TelegramRateLimiter.process_request`. Calls that create
or edit messages wait at the gate (bot/delivery/gate.py); others (answers to button presses and
inline queries, getFile, setMyCommands…) are not counted by Telegram and go straight through.

After a 429 the whole gate pauses for `retry_after`. A direct call (the caller is waiting for
it) is then tried again, up to `max_retries` times; an outbox row's call raises, and the
dispatcher re-queues the row (see `SendTicket.retry_in_place`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot import metrics
from bot.delivery.gate import SendGate
from bot.delivery.lanes import REPLY, SendTicket

log = logging.getLogger(__name__)

# Methods that create messages: each message takes a token from the bot and from its chat.
MESSAGE_METHODS = frozenset(
    name.lower()
    for name in (
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendAnimation",
        "sendAudio",
        "sendVoice",
        "sendVideoNote",
        "sendSticker",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendInvoice",
        "sendGame",
        "sendPaidMedia",
        "sendMediaGroup",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    )
)
# Methods that change a message: a token from the bot's bucket, none from the chat's.
EDIT_METHODS = frozenset(
    name.lower()
    for name in (
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
        "editMessageLiveLocation",
        "stopMessageLiveLocation",
        "stopPoll",
    )
)
DEFAULT_MAX_RETRIES = 3


def retry_after_seconds(error: RetryAfter) -> float:
    """`retry_after` in seconds whether PTB hands it over as int or timedelta."""
    value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _chat_of(data: dict[str, Any]) -> int | None:
    """The numeric chat id of a call, if it has one (@channel names have no pace of their own)."""
    try:
        return int(data["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


def _message_count(method: str, data: dict[str, Any]) -> int:
    if method == "sendmediagroup":
        media = data.get("media")
        return max(1, len(media)) if isinstance(media, list | tuple) else 1
    if method in ("copymessages", "forwardmessages"):
        ids = data.get("message_ids")
        return max(1, len(ids)) if isinstance(ids, list | tuple) else 1
    return 1


class TelegramRateLimiter(BaseRateLimiter[SendTicket]):
    """Every call that sends or edits a message waits for the gate; a 429 pauses everything."""

    def __init__(self, gate: SendGate, *, max_retries: int = DEFAULT_MAX_RETRIES) -> None:
        self.gate = gate
        self.max_retries = max_retries
        self.rate_limited = 0  # 429 answers seen, on every lane

    async def initialize(self) -> None:
        """Nothing to set up: the gate starts serving on its first call."""

    async def shutdown(self) -> None:
        """The gate belongs to the services, which close it."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: SendTicket | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for the gate, make the call, and deal with a 429."""
        method = endpoint.lower()
        edit = method in EDIT_METHODS
        if not edit and method not in MESSAGE_METHODS:
            return await callback(*args, **kwargs)
        ticket = rate_limit_args or REPLY
        chat_id = _chat_of(data)
        paid = bool(data.get("allow_paid_broadcast"))
        attempt = 0
        while True:
            for _ in range(_message_count(method, data)):
                await self.gate.admit(ticket, chat_id, edit=edit, paid=paid)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                self.rate_limited += 1
                metrics.TOO_MANY_REQUESTS.inc()
                seconds = retry_after_seconds(error)
                if self.gate.pause_for(seconds):
                    metrics.PAUSES.inc()
                    metrics.PAUSED_SECONDS.inc(seconds)
                    log.warning("Telegram asked to wait %.0fs; every send pauses", seconds)
                attempt += 1
                if not ticket.retry_in_place or attempt > self.max_retries:
                    raise

"""Notices to merchants and experts: one delivery function, folded into summaries under load.

Telegram lets a bot send about one message per second to a private chat and twenty per minute to
a group. When notices for one chat arrive faster than that, the ones waiting are folded into a
single summary message per interval (split over several messages only if it would not fit):
nothing is dropped.

Whose turn a chat's next message is, is the `ChatSlots`' to say: in this process's memory, or,
when the bot's processes share a Redis (VITRINE_REDIS_URL), there: then a chat gets one message
per interval from all the web processes together, each folding what it holds meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode

from bot.services import Services
from bot.texts import MessageTooLong

if TYPE_CHECKING:  # the `redis` extra: imported only where VITRINE_REDIS_URL is set
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

BATCHER_KEY = "vitrine.notice_batcher"
ANNOUNCER_KEY = "vitrine.order_announcer"  # bot.orders.announce.OrderAnnouncer
PRIVATE_INTERVAL = 1.0  # seconds between messages to one private chat
GROUP_INTERVAL = 3.0  # 20 per minute


class AppHandle(Protocol):
    """What the money path needs of the running application: its bot and its bot_data.

    Any PTB Application is one, however its context types are parametrised: a handler's
    `context.application`, a job's, or bot/app.py's application.
    """

    @property
    def bot(self) -> Bot:
        """The bot that sends."""
        ...

    @property
    def bot_data(self) -> dict[Any, Any]:
        """The process-wide data the batcher and the announcer are kept in."""
        ...


async def send_notice(
    services: Services,
    *,
    kind: str,
    chat_id: int,
    text: str,
    dedup_key: str,
    user_id: int | None = None,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Deliver one notice through the durable outbox (its dispatcher sends it, paced and retried).

    This is the only place the money path sends from. A notice that cannot be delivered never
    undoes the order that caused it: the outbox records the failure.
    """
    params: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML}
    if reply_markup is not None:
        params["reply_markup"] = reply_markup.to_dict()
    await services.outbox.enqueue(
        kind, chat_id, {"method": "sendMessage", "params": params}, dedup_key, user_id=user_id
    )


@dataclass
class Notice:
    """One notice waiting for its chat: the full text, and its line in a summary."""

    kind: str
    text: str
    line: str
    dedup_key: str
    language: str
    user_id: int | None = None


class ChatSlots(Protocol):
    """Turns at a chat: one message per interval."""

    async def take(self, chat_id: int, interval: float) -> float:
        """Take the chat's turn for the next `interval` seconds: 0 when taken (send now), else
        the seconds until it may be asked again."""
        ...


class MemoryChatSlots:
    """The turns of one process's chats."""

    def __init__(self) -> None:
        self._free_at: dict[int, float] = {}

    async def take(self, chat_id: int, interval: float) -> float:
        now = time.monotonic()
        free_at = self._free_at.get(chat_id, float("-inf"))
        if now < free_at:
            return free_at - now
        self._free_at[chat_id] = now + interval
        return 0.0


class RedisChatSlots:
    """The turns of every process's chats, one Redis key per chat that lives one interval."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    async def take(self, chat_id: int, interval: float) -> float:
        from redis.exceptions import RedisError

        key = f"{self._prefix}:notice:{chat_id}"
        try:
            if await self._redis.set(key, 1, nx=True, px=max(1, round(interval * 1000))):
                return 0.0
            left = await self._redis.pttl(key)
        except RedisError:  # folding is a courtesy: the send gate still paces the chat
            log.warning("could not ask Redis whose turn a chat is; sending", exc_info=True)
            return 0.0
        return max(int(left), 1) / 1000


@dataclass
class _ChatQueue:
    pending: list[Notice] = field(default_factory=list)
    flusher: asyncio.Task[None] | None = None


Deliver = Callable[..., Awaitable[None]]


class NoticeBatcher:
    """Paces notices per chat and folds the ones that pile up into summaries."""

    def __init__(
        self,
        deliver: Deliver,
        render_summary: Callable[[str, list[str]], str],
        *,
        private_interval: float = PRIVATE_INTERVAL,
        group_interval: float = GROUP_INTERVAL,
        slots: ChatSlots | None = None,
    ) -> None:
        self._deliver = deliver
        self._render_summary = render_summary
        self._slots = slots or MemoryChatSlots()
        self._private_interval = private_interval
        self._group_interval = group_interval
        self._chats: dict[int, _ChatQueue] = {}
        self._lock = asyncio.Lock()

    def _interval(self, chat_id: int) -> float:
        return self._group_interval if chat_id < 0 else self._private_interval

    async def add(self, chat_id: int, notice: Notice) -> None:
        """Send now if the chat is quiet, else queue for the next summary of this chat."""
        async with self._lock:
            queue = self._chats.setdefault(chat_id, _ChatQueue())
            send_now = not queue.pending and (
                await self._slots.take(chat_id, self._interval(chat_id)) == 0
            )
            if not send_now:
                queue.pending.append(notice)
                if queue.flusher is None or queue.flusher.done():
                    queue.flusher = asyncio.create_task(
                        self._flush_later(chat_id), name="notice-flush"
                    )
        if send_now:
            await self._deliver(
                kind=notice.kind,
                chat_id=chat_id,
                text=notice.text,
                dedup_key=notice.dedup_key,
                user_id=notice.user_id,
            )

    async def _flush_later(self, chat_id: int) -> None:
        while True:
            async with self._lock:
                queue = self._chats[chat_id]
                if not queue.pending:
                    return
                wait = await self._slots.take(chat_id, self._interval(chat_id))
                taken: list[Notice] = []
                if wait == 0:
                    taken, queue.pending = queue.pending, []
            if not taken:
                await asyncio.sleep(wait)
                continue
            try:
                await self._send_folded(chat_id, taken)
            except Exception:  # a failed flush must not kill the chat's queue forever
                log.exception("flushing %d notices to chat %s failed", len(taken), chat_id)

    async def _send_folded(self, chat_id: int, taken: list[Notice]) -> None:
        if len(taken) == 1:
            only = taken[0]
            await self._deliver(
                kind=only.kind,
                chat_id=chat_id,
                text=only.text,
                dedup_key=only.dedup_key,
                user_id=only.user_id,
            )
            return
        for chunk in self._chunks(taken):
            await self._deliver(
                kind=chunk[0].kind,
                chat_id=chat_id,
                text=self._render_summary(chunk[0].language, [n.line for n in chunk]),
                dedup_key=f"batch:{chunk[0].dedup_key}:{len(chunk)}",
                user_id=chunk[0].user_id,
            )

    def _chunks(self, taken: list[Notice]) -> list[list[Notice]]:
        """Split so each summary fits in one message."""
        chunks: list[list[Notice]] = []
        current: list[Notice] = []
        for notice in taken:
            try:
                self._render_summary(notice.language, [n.line for n in [*current, notice]])
                current.append(notice)
            except MessageTooLong:
                if current:
                    chunks.append(current)
                current = [notice]
        if current:
            chunks.append(current)
        return chunks

    async def drain(self) -> None:
        """Wait until every queued notice was sent (tests and shutdown)."""
        while True:
            tasks = [q.flusher for q in self._chats.values() if q.flusher and not q.flusher.done()]
            if not tasks:
                return
            await asyncio.gather(*tasks, return_exceptions=True)


def batcher_of(application: AppHandle, services: Services) -> NoticeBatcher:
    """The process's notice batcher (created on first use, kept in bot_data)."""
    batcher = application.bot_data.get(BATCHER_KEY)
    if not isinstance(batcher, NoticeBatcher):

        async def deliver(**kwargs: Any) -> None:
            await send_notice(services, **kwargs)

        def summary(language: str, lines: list[str]) -> str:
            return services.texts.render("merchant/notice_batch", language, lines=lines)

        slots: ChatSlots | None = None
        if services.settings.redis_url is not None:
            from bot.delivery.redis_gate import RedisSendGate

            gate = services.gate
            if isinstance(gate, RedisSendGate):
                slots = RedisChatSlots(gate.redis, gate.prefix)
        batcher = NoticeBatcher(deliver, summary, slots=slots)
        application.bot_data[BATCHER_KEY] = batcher
    return batcher


async def drain_notices(application: AppHandle) -> None:
    """On shutdown: finish announcing the orders already applied, then hand every notice still
    waiting for its chat to the outbox before it stops."""
    announcer = application.bot_data.get(ANNOUNCER_KEY)
    if announcer is not None:
        await announcer.drain()
    batcher = application.bot_data.get(BATCHER_KEY)
    if isinstance(batcher, NoticeBatcher):
        await batcher.drain()

"""The send gate: one admission control for every message the bot sends, whoever sends it.

A call that sends or edits a message waits at the gate until the bot-wide bucket has a token and
its chat may get a message. Waiting calls are served by lane (replies, then notices, then
campaigns); inside a lane, calls to chats that got fewer messages lately go first, ties in
arrival order. So in a burst of new fans each one's first answer goes before anyone's second,
and campaign messages (one per rested chat) keep the order the dispatcher interleaved them in:
each campaign's fair share.
A 429 pauses the whole gate for `retry_after`.

`SendGate` is the interface; `MemorySendGate` keeps its state in this process, which is right
for one process. Several processes need one shared gate (the scale-out's Redis version).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.delivery.lanes import Lane, SendTicket
from bot.delivery.pacing import BUCKET_CAPACITY, RATE_HEADROOM, ChatPace, TokenBucket


class SendGate(ABC):
    """Admits Bot API calls at the pace Telegram allows."""

    @abstractmethod
    async def admit(
        self, ticket: SendTicket, chat_id: int | None, *, edit: bool = False, paid: bool = False
    ) -> None:
        """Wait until one message (or edit) may go to `chat_id` (None: no chat limit applies)."""

    @abstractmethod
    def pause_for(self, seconds: float) -> bool:
        """Send nothing for `seconds` (Telegram said 429); True if this extended the pause."""

    @abstractmethod
    def chat_wait(self, chat_id: int) -> float:
        """Seconds until the chat may get its next message (0 if now)."""

    @abstractmethod
    def pace(self, *, paid: bool = False) -> float:
        """Messages per second the gate lets through (`paid`: with paid broadcast)."""

    @abstractmethod
    def waiting(self) -> Counter[Lane]:
        """Calls waiting now, by lane."""

    async def close(self) -> None:  # noqa: B027 - optional hook: the memory gate has nothing to close
        """Release what the gate holds."""


@dataclass(order=True)
class _Waiter:
    lane: int
    chat_recent: int  # messages the chat got lately: a person's first answer goes before seconds
    seq: int
    chat_id: int | None = field(compare=False)
    future: asyncio.Future[None] = field(compare=False)


class _Queue:
    """The waiters of one bucket, in priority order, and the task that serves them."""

    def __init__(self, bucket: TokenBucket) -> None:
        self.bucket = bucket
        self.waiters: list[_Waiter] = []
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None


class QueuedSendGate(SendGate):
    """A gate whose waiters queue in this process, best first (lane, then rested chats, then
    arrival), one queue per bucket (free, paid), each served by its own task (`_serve`)."""

    def __init__(self) -> None:
        self._queues: dict[bool, _Queue] = {}
        self._seq = itertools.count()
        self.granted: Counter[Lane] = Counter()

    def waiting(self) -> Counter[Lane]:
        counts: Counter[Lane] = Counter()
        for queue in self._queues.values():
            for waiter in queue.waiters:
                if not waiter.future.done():
                    counts[Lane(waiter.lane)] += 1
        return counts

    @abstractmethod
    def _recent(self, chat_id: int) -> int:
        """About how many messages the chat got lately (rested chats are served first)."""

    @abstractmethod
    def _new_queue(self, paid: bool) -> _Queue:
        """The queue of one bucket, before its task starts."""

    @abstractmethod
    async def _serve(self, queue: _Queue, paid: bool) -> None:
        """Grant the queue's waiters, best first, for as long as the process runs."""

    async def admit(
        self, ticket: SendTicket, chat_id: int | None, *, edit: bool = False, paid: bool = False
    ) -> None:
        queue = self._queue(paid)
        chat = None if edit else chat_id
        waiter = _Waiter(
            int(ticket.lane),
            0 if chat is None else self._recent(chat),
            next(self._seq),
            chat,
            asyncio.get_running_loop().create_future(),
        )
        bisect.insort(queue.waiters, waiter)
        queue.wake.set()
        try:
            await waiter.future
        except asyncio.CancelledError:
            # The caller gave up: its place is freed (the pump skips finished futures).
            with contextlib.suppress(ValueError):
                queue.waiters.remove(waiter)
            raise
        self.granted[Lane(waiter.lane)] += 1

    async def close(self) -> None:
        for queue in self._queues.values():
            if queue.task is not None:
                queue.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await queue.task
        self._queues.clear()

    def _queue(self, paid: bool) -> _Queue:
        queue = self._queues.get(paid)
        if queue is None or queue.task is None or queue.task.done():
            if queue is None:
                queue = self._queues[paid] = self._new_queue(paid)
            queue.task = asyncio.create_task(self._serve(queue, paid), name="vitrine-send-gate")
        return queue

    @staticmethod
    def _first_ready(
        queue: _Queue, chat_wait: Callable[[int], float]
    ) -> tuple[_Waiter | None, float]:
        """The best waiter whose chat may get a message now, else None and the soonest wait."""
        soonest = float("inf")
        for waiter in queue.waiters:
            wait = 0.0 if waiter.chat_id is None else chat_wait(waiter.chat_id)
            if wait <= 0:
                return waiter, 0.0
            soonest = min(soonest, wait)
        return None, soonest

    @staticmethod
    async def _sleep(queue: _Queue, seconds: float) -> None:
        """Sleep `seconds`, or less when a new waiter (or a pause) arrives."""
        queue.wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(queue.wake.wait(), seconds)


class MemorySendGate(QueuedSendGate):
    """The gate for one process: buckets, chat pace and waiters in memory."""

    def __init__(
        self,
        rate: float,
        *,
        paid_rate: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._clock = clock
        self._chats = ChatPace(clock)
        self._rates = {False: rate * RATE_HEADROOM, True: (paid_rate or rate) * RATE_HEADROOM}
        self._paused_until = 0.0

    def pace(self, *, paid: bool = False) -> float:
        return self._rates[paid]

    def chat_wait(self, chat_id: int) -> float:
        return self._chats.wait(chat_id)

    def _recent(self, chat_id: int) -> int:
        return self._chats.recent(chat_id)

    def pause_for(self, seconds: float) -> bool:
        until = self._clock() + seconds
        if until <= self._paused_until:
            return False
        self._paused_until = until
        for queue in self._queues.values():
            queue.bucket.pause_until(until)
            queue.wake.set()
        return True

    def _new_queue(self, paid: bool) -> _Queue:
        bucket = TokenBucket(self._rates[paid], capacity=BUCKET_CAPACITY, clock=self._clock)
        bucket.pause_until(self._paused_until)
        return _Queue(bucket)

    async def _serve(self, queue: _Queue, paid: bool) -> None:
        """Grant tokens, best waiter first, for as long as the process runs."""
        while True:
            queue.waiters = [w for w in queue.waiters if not w.future.done()]
            if not queue.waiters:
                queue.wake.clear()
                await queue.wake.wait()
                continue
            delay = queue.bucket.delay()
            if delay > 0:
                await self._sleep(queue, delay)
                continue
            chosen, soonest = self._first_ready(queue, self._chats.wait)
            if chosen is None:
                await self._sleep(queue, soonest)
                continue
            queue.bucket.try_take()
            if chosen.chat_id is not None:
                self._chats.take(chosen.chat_id)
            queue.waiters.remove(chosen)
            chosen.future.set_result(None)

"""Pacing to Telegram's limits: one token bucket for the whole bot and a pace per chat.

Telegram allows a bot about 30 messages a second overall, about one a second in a private chat
and 20 a minute in a group (chats with negative ids). The bucket is deliberately shallow (a
burst of at most a few tokens) so sends leave evenly spaced and the server's own, deeper bucket
absorbs network jitter; the dispatcher also paces a little under the configured rate
(`RATE_HEADROOM`) so replies and progress edits sent outside the outbox never tip it over.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

RATE_HEADROOM = 0.9
PRIVATE_CHAT_INTERVAL = 1.0  # seconds between messages to one private chat
GROUP_CHAT_INTERVAL = 3.0  # 20 per minute


def chat_interval(chat_id: int) -> float:
    """The minimum spacing of messages to one chat (groups and channels have negative ids)."""
    return GROUP_CHAT_INTERVAL if chat_id < 0 else PRIVATE_CHAT_INTERVAL


class TokenBucket:
    """`rate` tokens a second, at most `capacity` saved up; `take` waits for one."""

    def __init__(
        self,
        rate: float,
        capacity: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError("a token bucket needs a positive rate and room for one token")
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._tokens = capacity
        self._updated = clock()
        self._lock = asyncio.Lock()

    def _refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now

    def delay(self) -> float:
        """Seconds until a token is available (0 when one is)."""
        self._refill(self._clock())
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    def try_take(self) -> bool:
        """Take a token if one is available now."""
        self._refill(self._clock())
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    async def take(self) -> None:
        """Wait until a token is available and take it (callers are served in order)."""
        async with self._lock:
            while not self.try_take():
                await asyncio.sleep(self.delay())

    def pause_until(self, moment: float) -> None:
        """Empty the bucket and earn nothing until `moment` (a 429 pauses the whole bot)."""
        self._tokens = 0.0
        self._updated = max(self._updated, moment)


class ChatPacer:
    """Keeps one message per chat in flight and spaces messages to a chat by its interval."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last_sent: dict[int, float] = {}
        self._busy: set[int] = set()

    @property
    def busy_chats(self) -> frozenset[int]:
        """Chats with a message claimed and not yet finished."""
        return frozenset(self._busy)

    def wait_for(self, chat_id: int) -> float:
        """Seconds until the chat may get its next message (0 if now; inf while one is in flight)."""
        if chat_id in self._busy:
            return float("inf")
        last = self._last_sent.get(chat_id)
        if last is None:
            return 0.0
        return max(0.0, last + chat_interval(chat_id) - self._clock())

    def claim(self, chat_id: int) -> None:
        """A message to the chat was claimed: no other until it is sent."""
        self._busy.add(chat_id)

    def sent(self, chat_id: int) -> None:
        """The message left now: the chat's interval starts."""
        self._last_sent[chat_id] = self._clock()

    def release(self, chat_id: int) -> None:
        """The claimed message is finished (sent or not)."""
        self._busy.discard(chat_id)
        self._forget_old()

    def _forget_old(self) -> None:
        # Keep memory bounded on million-fan campaigns: chats idle past the group interval are
        # no longer constrained, so their entries carry no information.
        if len(self._last_sent) < 50_000:
            return
        horizon = self._clock() - GROUP_CHAT_INTERVAL
        self._last_sent = {c: t for c, t in self._last_sent.items() if t > horizon}

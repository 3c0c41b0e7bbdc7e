"""Telegram-like rate limits: token buckets per bot, per private chat and per group.

What counts: every message a send* method creates (sendMediaGroup counts each item) takes a token
from the bot's bucket and from the chat's bucket. Edits count lightly: they take a token from the
bot's bucket only (Telegram's edit limits are undocumented, and a per-chat edit limit would make
progress bars fail for no reason a real bot would see). Other methods are not limited.

Modes: "telegram" (the default numbers below), "off" (no limits), "paid" (like "telegram", but a
call with allow_paid_broadcast=true draws on a separate per-bot bucket of `paid_per_second`
instead of `per_bot_per_second`; per-chat limits still apply). In "telegram" mode
allow_paid_broadcast is ignored.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

MODES = ("telegram", "off", "paid")


@dataclass
class LimitNumbers:
    """The configurable limit numbers (defaults are Telegram's published ones)."""

    per_bot_per_second: float = 30.0
    private_chat_per_second: float = 1.0
    private_chat_burst: float = 3.0
    group_per_minute: float = 20.0
    paid_per_second: float = 1000.0


class TokenBucket:
    """A bucket of `capacity` tokens refilled at `rate` tokens per second."""

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self.updated = now

    def refill(self, now: float) -> None:
        """Add the tokens earned since the last refill, up to capacity."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_for(self, amount: float) -> float:
        """Return the seconds until `amount` tokens are available (0 if they are now)."""
        if self.tokens >= amount:
            return 0.0
        return (amount - self.tokens) / self.rate


class RateLimiter:
    """Decides whether a message-sending call may go through now, per bot and per chat."""

    def __init__(
        self,
        mode: str = "telegram",
        numbers: LimitNumbers | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"limits mode must be one of {MODES}, not {mode!r}")
        self.mode = mode
        self.numbers = numbers or LimitNumbers()
        self.clock = clock
        self._buckets: dict[tuple[str, str, int], TokenBucket] = {}
        self.refused = 0  # calls answered 429 since the start (or the last reset)

    def reset(self) -> None:
        """Forget every bucket (all limits start full)."""
        self._buckets.clear()
        self.refused = 0

    def _bucket(
        self, kind: str, bot: str, chat_id: int, capacity: float, rate: float
    ) -> TokenBucket:
        key = (kind, bot, chat_id)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(capacity, rate, self.clock())
        return bucket

    def acquire(
        self, bot: str, chat_id: int, *, messages: int = 1, paid: bool = False, edit: bool = False
    ) -> int | None:
        """Take tokens for `messages` messages; return None if allowed, else retry_after seconds.

        Nothing is taken when the call is refused, so a refused call does not make the wait longer.
        """
        if self.mode == "off":
            return None
        n = self.numbers
        now = self.clock()
        buckets: list[TokenBucket] = []
        if paid and self.mode == "paid":
            buckets.append(self._bucket("paid", bot, 0, n.paid_per_second, n.paid_per_second))
        else:
            buckets.append(self._bucket("bot", bot, 0, n.per_bot_per_second, n.per_bot_per_second))
        if not edit:
            if chat_id < 0:
                per_second = n.group_per_minute / 60.0
                buckets.append(self._bucket("chat", bot, chat_id, n.group_per_minute, per_second))
            else:
                buckets.append(
                    self._bucket(
                        "chat", bot, chat_id, n.private_chat_burst, n.private_chat_per_second
                    )
                )
        for bucket in buckets:
            bucket.refill(now)
        wait = max(bucket.wait_for(min(messages, bucket.capacity)) for bucket in buckets)
        if wait > 0:
            self.refused += 1
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.tokens -= messages
        return None

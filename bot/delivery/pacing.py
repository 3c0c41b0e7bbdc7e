"""Telegram's limits as arithmetic: a token bucket for the whole bot and a pace per chat.

Telegram allows a bot about 30 messages a second overall, about one a second in a private chat
(short bursts allowed) and 20 a minute in a group (chats with negative ids). The bot-wide bucket
is deliberately shallow (`BUCKET_CAPACITY`, just over one token) so sends leave evenly spaced,
and it runs a little under the configured rate (`RATE_HEADROOM`): Telegram's own bucket is not
documented, and evenly spaced sends at 90 % of the cap leave room for network jitter that
bunches requests on arrival.
The chat pace allows one message less of burst than Telegram is known to accept, for the same
reason. Nothing here sleeps: `bot/delivery/gate.py` does the waiting.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

RATE_HEADROOM = 0.9
# The bot-wide bucket holds 1.1 tokens: a grant that wakes up late by up to a tenth of an interval
# (a busy event loop, a timer's granularity) loses nothing of the rate, and yet no two sends are
# ever closer than 1 / the configured rate: after a rest the second token takes (2 - capacity)
# intervals of the paced rate = RATE_HEADROOM / (RATE_HEADROOM x rate) = 1 / rate.
BUCKET_CAPACITY = 2 - RATE_HEADROOM
PRIVATE_CHAT_INTERVAL = 1.0  # seconds between messages to one private chat, in the long run
PRIVATE_CHAT_BURST = 2  # messages one private chat may get back to back (Telegram accepts 3)
GROUP_CHAT_INTERVAL = 3.0  # 20 per minute
GROUP_CHAT_BURST = 1
_FORGET_AFTER = 50_000  # chats remembered before idle ones are forgotten (memory stays bounded)


def chat_interval(chat_id: int) -> float:
    """The long-run spacing of messages to one chat (groups and channels have negative ids)."""
    return GROUP_CHAT_INTERVAL if chat_id < 0 else PRIVATE_CHAT_INTERVAL


def chat_burst(chat_id: int) -> int:
    """How many messages a chat may get back to back before the interval applies."""
    return GROUP_CHAT_BURST if chat_id < 0 else PRIVATE_CHAT_BURST


class TokenBucket:
    """`rate` tokens a second, at most `capacity` saved up."""

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

    def _refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now

    def delay(self) -> float:
        """Seconds until a token is available (0 when one is)."""
        now = self._clock()
        if now < self._updated:  # paused: nothing is earned before the pause ends
            return (
                self._updated - now + (0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate)
            )
        self._refill(now)
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    def try_take(self) -> bool:
        """Take a token if one is available now."""
        if self.delay() > 0:
            return False
        self._tokens -= 1
        return True

    def pause_until(self, moment: float) -> None:
        """Empty the bucket and earn nothing until `moment` (a 429 pauses the whole bot)."""
        self._tokens = 0.0
        self._updated = max(self._updated, moment)


class ChatPace:
    """The per-chat limit as a virtual schedule (GCRA): when may each chat get its next message.

    Each chat has a theoretical arrival time: a message is allowed once `now` is within the
    chat's burst tolerance of it, and taking one moves it an interval on.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._due: dict[int, float] = {}

    def wait(self, chat_id: int) -> float:
        """Seconds until the chat may get a message (0 if now)."""
        due = self._due.get(chat_id)
        if due is None:
            return 0.0
        tolerance = (chat_burst(chat_id) - 1) * chat_interval(chat_id)
        return max(0.0, due - tolerance - self._clock())

    def recent(self, chat_id: int) -> int:
        """About how many messages the chat got lately (0 for a rested chat), by its schedule."""
        ahead = self._due.get(chat_id, 0.0) - self._clock()
        return 0 if ahead <= 0 else math.ceil(ahead / chat_interval(chat_id))

    def take(self, chat_id: int) -> None:
        """A message to the chat leaves now."""
        now = self._clock()
        self._due[chat_id] = max(self._due.get(chat_id, now), now) + chat_interval(chat_id)
        if len(self._due) > _FORGET_AFTER:
            # A chat whose schedule is in the past is unconstrained: its entry says nothing.
            self._due = {chat: due for chat, due in self._due.items() if due > now}

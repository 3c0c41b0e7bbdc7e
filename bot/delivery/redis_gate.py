"""The send gate shared by every process of one bot, through Redis (the scale-out's send path).

Each process keeps its own waiters in priority order, as `MemorySendGate` does (lane, then chats
that got fewer messages lately, then arrival). What must hold across processes is decided in
Redis, by one Lua script per grant, so it is atomic and on one clock (Redis's `TIME`):

- the bot-wide bucket: a GCRA schedule with the memory gate's rate and depth (bot/delivery/
  pacing.py), one for free sends and one for paid broadcast;
- each chat's pace: the same GCRA per chat the memory gate's `ChatPace` keeps;
- the pause after a 429: whichever process got it, nobody sends until it ends;
- the lanes: a call refused for want of a token leaves a mark of its lane on its bucket for a
  second (renewed while more of its lane are ready); while another process's more urgent mark is
  fresh, no call of a higher lane is granted from that bucket. So a web process's replies go
  before a worker's campaign pushes, as in one process.

Times are Redis's `TIME` in microseconds (exact in a Lua double): at 900 messages a second an
interval is 1,111 µs, which whole milliseconds would round to 1,000.

`chat_wait` (the dispatcher asks it before it claims a row) answers from what this process
learnt: its own grants and the refusals the script explained. A chat paced by another process
is found out at the gate, where the call then waits for it.

If Redis cannot be reached, nothing is granted (Telegram's limit is never guessed): the pump logs
it and tries again every second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.delivery.gate import QueuedSendGate, _Queue
from bot.delivery.pacing import (
    BUCKET_CAPACITY,
    RATE_HEADROOM,
    TokenBucket,
    chat_burst,
    chat_interval,
)

log = logging.getLogger(__name__)

GRANTED, BUCKET, CHAT, LANE, PAUSED = 0, 1, 2, 3, 4
WANT_SECONDS = 1.0  # how long a refused call's lane mark holds other processes' lower lanes back
RETRY_SECONDS = 1.0  # Redis away: the pump asks again this often

# KEYS: bucket, pause, wants (of this bucket), chat ("" when the call has no chat limit).
# ARGV (times in microseconds: Redis's TIME, exact in a Lua double): interval, tolerance, lane,
#       member, more_waiting (0|1), chat_interval, chat_tolerance, want.
# Returns {outcome, wait_us, chat_due_us_ahead}.
_ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local lane, member, more = tonumber(ARGV[3]), ARGV[4], ARGV[5] == '1'
local chat_interval, chat_tolerance = tonumber(ARGV[6]), tonumber(ARGV[7])
local want = tonumber(ARGV[8])
local mine = lane .. ':' .. member
local keep_ms = math.ceil(want / 1000) * 4

local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return {4, paused - now, 0} end

-- Another process's more urgent call waits for this bucket: it goes first.
local wants = redis.call('HGETALL', KEYS[3])
for i = 1, #wants, 2 do
  local until_us = tonumber(wants[i + 1])
  if until_us <= now then
    redis.call('HDEL', KEYS[3], wants[i])
  else
    local other_lane, other = string.match(wants[i], '^(%d+):(.*)$')
    if tonumber(other_lane) < lane and other ~= member then return {3, interval, 0} end
  end
end

local chat_due = 0
if KEYS[4] ~= '' then
  chat_due = tonumber(redis.call('GET', KEYS[4]) or '0')
  if chat_due - chat_tolerance > now then
    return {2, chat_due - chat_tolerance - now, chat_due - now}
  end
end

local due = tonumber(redis.call('GET', KEYS[1]) or '0')
if due < now then due = now end
if due - tolerance > now then
  redis.call('HSET', KEYS[3], mine, now + want)
  redis.call('PEXPIRE', KEYS[3], keep_ms)
  return {1, due - tolerance - now, 0}
end

redis.call('SET', KEYS[1], due + interval, 'PX', math.ceil((interval + tolerance) / 1000) + 60000)
if KEYS[4] ~= '' then
  if chat_due < now then chat_due = now end
  chat_due = chat_due + chat_interval
  redis.call('SET', KEYS[4], chat_due, 'PX', math.ceil((chat_due - now) / 1000) + 1000)
end
if more then
  redis.call('HSET', KEYS[3], mine, now + want)
  redis.call('PEXPIRE', KEYS[3], keep_ms)
else
  redis.call('HDEL', KEYS[3], mine)
end
return {0, 0, chat_due - now}
"""

# KEYS: pause. ARGV: milliseconds. Stored in microseconds, as _ADMIT reads it. Returns 1 if
# this extended the pause.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_us = now + tonumber(ARGV[1]) * 1000
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_us <= paused then return 0 end
redis.call('SET', KEYS[1], until_us, 'PX', tonumber(ARGV[1]) + 1000)
return 1
"""

US = 1_000_000  # microseconds a second


class RedisSendGate(QueuedSendGate):
    """The gate of one bot across processes: its limits in Redis, its waiters in this process."""

    def __init__(
        self,
        redis: Redis,
        rate: float,
        *,
        paid_rate: float | None = None,
        namespace: str,
        member: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._redis = redis
        self._prefix = f"vitrine:{namespace}:gate"
        self._member = member  # this process, in the lane marks
        self._clock = clock
        self._rates = {False: rate * RATE_HEADROOM, True: (paid_rate or rate) * RATE_HEADROOM}
        self._chat_next: dict[int, float] = {}  # chat -> when (clock) it may get its next message
        self._paused_until = 0.0  # what this process knows of the pause, on its clock
        self._admit = redis.register_script(_ADMIT)
        self._pause = redis.register_script(_PAUSE)
        self._background: set[asyncio.Task[Any]] = set()

    @property
    def redis(self) -> Redis:
        """The client the gate talks through (the notice folding shares it)."""
        return self._redis

    @property
    def prefix(self) -> str:
        """The bot's key prefix in Redis."""
        return self._prefix

    def pace(self, *, paid: bool = False) -> float:
        return self._rates[paid]

    def chat_wait(self, chat_id: int) -> float:
        return max(0.0, self._chat_next.get(chat_id, 0.0) - self._clock())

    def _recent(self, chat_id: int) -> int:
        return round(self.chat_wait(chat_id) / chat_interval(chat_id))

    def pause_for(self, seconds: float) -> bool:
        until = self._clock() + seconds
        extended = until > self._paused_until
        if extended:
            self._paused_until = until
            for queue in self._queues.values():
                queue.wake.set()
        task = asyncio.get_running_loop().create_task(self._share_pause(seconds))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return extended

    async def _share_pause(self, seconds: float) -> None:
        try:
            await self._pause(keys=[f"{self._prefix}:pause"], args=[int(seconds * 1000)])
        except RedisError:
            log.error("could not share a 429 pause through Redis", exc_info=True)

    async def close(self) -> None:
        await super().close()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self._redis.aclose()

    def _new_queue(self, paid: bool) -> _Queue:
        # The queue's own bucket stays unused: the shared one is in Redis.
        return _Queue(TokenBucket(self._rates[paid]))

    async def _serve(self, queue: _Queue, paid: bool) -> None:
        """Grant, best waiter first, what Redis allows, for as long as the process runs."""
        interval = 1.0 / self._rates[paid]
        tolerance = (BUCKET_CAPACITY - 1) * interval
        bucket_key = f"{self._prefix}:bucket:{'paid' if paid else 'free'}"
        while True:
            queue.waiters = [w for w in queue.waiters if not w.future.done()]
            if not queue.waiters:
                queue.wake.clear()
                await queue.wake.wait()
                continue
            paused = self._paused_until - self._clock()
            if paused > 0:
                await self._sleep(queue, paused)
                continue
            chosen, soonest = self._first_ready(queue, self.chat_wait)
            if chosen is None:
                await self._sleep(queue, soonest)
                continue
            # Others of the lane ready to go too (not those paced by their chat): keep the mark.
            more = any(
                w is not chosen
                and w.lane == chosen.lane
                and (w.chat_id is None or self.chat_wait(w.chat_id) <= 0)
                for w in queue.waiters
            )
            chat = chosen.chat_id
            try:
                outcome, wait_us, chat_ahead_us = await self._admit(
                    keys=[
                        bucket_key,
                        f"{self._prefix}:pause",
                        f"{bucket_key}:wants",
                        "" if chat is None else f"{self._prefix}:chat:{chat}",
                    ],
                    args=[
                        math.ceil(interval * US),  # never a hair over the configured rate
                        round(tolerance * US),
                        chosen.lane,
                        self._member,
                        1 if more else 0,
                        round(chat_interval(chat or 1) * US),
                        round((chat_burst(chat or 1) - 1) * chat_interval(chat or 1) * US),
                        round(WANT_SECONDS * US),
                    ],
                )
            except RedisError:
                log.error("the shared send gate cannot reach Redis; retrying", exc_info=True)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            now = self._clock()
            if outcome == GRANTED:
                if chat is not None:
                    self._remember_chat(chat, now + self._chat_ready_in(chat, chat_ahead_us))
                with contextlib.suppress(ValueError):
                    queue.waiters.remove(chosen)
                if not chosen.future.done():
                    chosen.future.set_result(None)
            elif outcome == CHAT and chat is not None:
                self._remember_chat(chat, now + wait_us / US)
            elif outcome == PAUSED:
                self._paused_until = max(self._paused_until, now + wait_us / US)
            else:  # BUCKET or LANE: the shared schedule says when to ask again
                await self._sleep(queue, max(wait_us, 1) / US)

    @staticmethod
    def _chat_ready_in(chat: int, ahead_us: float) -> float:
        """Seconds until a chat whose schedule is `ahead_us` in the future may get a message."""
        tolerance = (chat_burst(chat) - 1) * chat_interval(chat)
        return max(0.0, ahead_us / US - tolerance)

    def _remember_chat(self, chat: int, ready_at: float) -> None:
        self._chat_next[chat] = ready_at
        if len(self._chat_next) > 50_000:
            now = self._clock()
            self._chat_next = {c: at for c, at in self._chat_next.items() if at > now}

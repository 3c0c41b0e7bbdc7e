"""The send gate shared through Redis: what one process's gate enforces, several processes' gates
enforce together (bot/delivery/redis_gate.py).

Each "process" is a RedisSendGate with its own Redis connection pool and member name, as
separate processes have. The figures checked are limits (how many grants fit in a second, how
long a pause holds), not speed. The tests do not depend on the database backend: they run in the
SQLite pass only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from bot.delivery.lanes import Lane, SendTicket
from bot.delivery.pacing import RATE_HEADROOM
from bot.delivery.redis_gate import RedisSendGate
from tests.auxil.databases import sqlite_only
from tests.auxil.redis import forget_namespace, fresh_namespace, redis_server_url

pytestmark = sqlite_only("the shared gate has no database: one pass runs it")

CAMPAIGN = SendTicket(Lane.CAMPAIGN, "c1", retry_in_place=False)
REPLY = SendTicket(Lane.REPLY)

GateFactory = Callable[[float], RedisSendGate]


@pytest.fixture
async def processes() -> AsyncIterator[GateFactory]:
    namespace = fresh_namespace()
    made: list[RedisSendGate] = []

    def make(rate: float) -> RedisSendGate:
        gate = RedisSendGate(
            Redis.from_url(redis_server_url()), rate, namespace=namespace, member=f"p{len(made)}"
        )
        made.append(gate)
        return gate

    yield make
    for gate in made:
        await gate.close()
    await forget_namespace(namespace)


async def timed_admits(
    gate: RedisSendGate, ticket: SendTicket, chats: list[int | None]
) -> list[float]:
    async def one(chat: int | None) -> float:
        await gate.admit(ticket, chat)
        return time.monotonic()

    return list(await asyncio.gather(*(one(chat) for chat in chats)))


def most_in_any_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times))


async def test_two_processes_together_keep_the_bot_wide_rate(processes: GateFactory) -> None:
    rate = 50.0
    first, second = processes(rate), processes(rate)
    per_process = 60
    times = await asyncio.gather(
        timed_admits(first, CAMPAIGN, [1000 + n for n in range(per_process)]),
        timed_admits(second, CAMPAIGN, [2000 + n for n in range(per_process)]),
    )
    every = times[0] + times[1]
    paced = rate * RATE_HEADROOM
    # Two memory gates would each grant `paced` a second: about twice this.
    assert most_in_any_second(every) <= paced + 2
    assert max(every) - min(every) >= (2 * per_process - 2) / paced * 0.95
    assert first.granted[Lane.CAMPAIGN] == second.granted[Lane.CAMPAIGN] == per_process


async def test_one_chat_is_paced_across_processes(processes: GateFactory) -> None:
    first, second = processes(100.0), processes(100.0)
    chat = 4242
    stamps = await asyncio.gather(
        timed_admits(first, REPLY, [chat, chat]), timed_admits(second, REPLY, [chat, chat])
    )
    every = sorted(stamps[0] + stamps[1])
    # A private chat gets a burst of two, then one a second: four messages span two seconds.
    # (Two memory gates would each send their two at once.)
    assert every[-1] - every[0] >= 1.9


async def test_a_429_in_one_process_pauses_the_other(processes: GateFactory) -> None:
    first, second = processes(100.0), processes(100.0)
    await first.admit(REPLY, None)
    assert first.pause_for(0.6)
    await asyncio.sleep(0.05)  # the pause is shared in the background
    started = time.monotonic()
    await second.admit(REPLY, 77)
    assert time.monotonic() - started >= 0.5


async def test_a_reply_goes_before_another_processes_campaign_backlog(
    processes: GateFactory,
) -> None:
    worker, web = processes(10.0), processes(10.0)
    backlog = asyncio.create_task(timed_admits(worker, CAMPAIGN, [3000 + n for n in range(25)]))
    await asyncio.sleep(0.5)  # the worker is sending its backlog, one grant per token
    asked = time.monotonic()
    await web.admit(REPLY, 5555)
    answered = time.monotonic()
    pushes = await backlog
    # The reply's first refusal marks its lane: the worker's next token is the reply's.
    assert sum(1 for t in pushes if asked < t < answered) <= 1
    assert sum(1 for t in pushes if t > answered) >= 15

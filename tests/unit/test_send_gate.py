"""The send gate and the rate limiter over it: lanes, chat pace, the bot-wide pause after a 429.

These run the real gate on the event loop at high rates (hundreds of tokens a second), and assert
the order in which calls were let through, never how long anything took.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.delivery.gate import MemorySendGate
from bot.delivery.lanes import NOTICE, REPLY, Lane, SendTicket, outbox_ticket
from bot.delivery.limiter import TelegramRateLimiter

CAMPAIGN = SendTicket(Lane.CAMPAIGN, "c1", retry_in_place=False)


async def _admit_all(
    gate: MemorySendGate, calls: list[tuple[str, SendTicket, int | None]]
) -> list[str]:
    """Queue every call at once (in list order) and return the order the gate let them through."""
    order: list[str] = []

    async def one(name: str, ticket: SendTicket, chat: int | None) -> None:
        await gate.admit(ticket, chat)
        order.append(name)

    tasks = []
    for name, ticket, chat in calls:
        tasks.append(asyncio.create_task(one(name, ticket, chat)))
        await asyncio.sleep(0)  # each reaches the gate before the next is created
    await asyncio.gather(*tasks)
    return order


async def test_a_reply_overtakes_every_waiting_campaign_message_and_notices_go_between() -> None:
    gate = MemorySendGate(200)
    calls = [(f"push{n}", CAMPAIGN, 1000 + n) for n in range(20)]
    calls += [("notice", NOTICE, 5), ("reply", REPLY, 6)]
    order = await _admit_all(gate, calls)
    await gate.close()
    # The first push may already hold the only token when the others arrive; nothing else may.
    assert order.index("reply") <= 1
    assert order.index("reply") < order.index("notice") <= 2
    assert [name for name in order if name.startswith("push")] == [f"push{n}" for n in range(20)]


async def test_a_chat_that_must_wait_does_not_hold_up_the_others() -> None:
    gate = MemorySendGate(300)
    # Chat 7 gets two messages back to back (its burst); its third must wait a second,
    # while chat 8's message, queued after it, goes at once.
    order = await _admit_all(
        gate,
        [("7a", REPLY, 7), ("7b", REPLY, 7), ("7c", REPLY, 7), ("8a", REPLY, 8)],
    )
    await gate.close()
    assert order == ["7a", "7b", "8a", "7c"]


async def test_edits_wait_for_the_bot_but_not_for_their_chat() -> None:
    gate = MemorySendGate(300)

    async def edit() -> None:
        await gate.admit(REPLY, 7, edit=True)

    for _ in range(2):
        await gate.admit(REPLY, 7)
    await asyncio.wait_for(edit(), 5)  # the chat's burst is spent; an edit still goes
    assert gate.chat_wait(7) > 0
    await gate.close()


async def test_nothing_is_let_through_while_the_gate_is_paused() -> None:
    gate = MemorySendGate(300)
    assert gate.pause_for(30) is True
    assert gate.pause_for(5) is False  # a shorter pause does not shorten the one running
    waiter = asyncio.create_task(gate.admit(REPLY, 9))
    await asyncio.sleep(0.2)
    assert not waiter.done()
    assert gate.waiting() == {Lane.REPLY: 1}
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    assert gate.waiting() == {}
    await gate.close()


async def test_a_caller_that_gives_up_frees_its_place() -> None:
    gate = MemorySendGate(300)
    gate.pause_for(0.3)
    quitter = asyncio.create_task(gate.admit(REPLY, 1))
    await asyncio.sleep(0)
    stayer = asyncio.create_task(gate.admit(CAMPAIGN, 2))
    await asyncio.sleep(0)
    quitter.cancel()
    await asyncio.wait_for(stayer, 5)
    assert gate.granted == {Lane.CAMPAIGN: 1}
    await gate.close()


def test_outbox_rows_get_their_lane_and_stream_and_are_not_retried_in_place() -> None:
    from storage.repositories.audience import PUSH_KIND  # the kind every fan-out row has

    assert outbox_ticket(PUSH_KIND, 42) == SendTicket(Lane.CAMPAIGN, "c42", retry_in_place=False)
    assert outbox_ticket("digest", None).lane == Lane.CAMPAIGN
    assert outbox_ticket("merchant_notice", None) == SendTicket(
        Lane.NOTICE, "merchant_notice", retry_in_place=False
    )


class FlakyCall:
    """A Bot API call that answers 429 a given number of times, then succeeds."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.calls = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls <= self.refusals:
            raise RetryAfter(0)  # 0 s keeps the test quick; the pause logic is the same
        return {"ok": True}


async def test_a_direct_call_is_retried_after_a_429_and_the_gate_pauses() -> None:
    gate = MemorySendGate(300)
    limiter = TelegramRateLimiter(gate)
    call = FlakyCall(refusals=2)
    result = await limiter.process_request(
        call, (), {}, "sendMessage", {"chat_id": 5, "text": "hi"}, None
    )
    assert result == {"ok": True} and call.calls == 3 and limiter.rate_limited == 2
    await gate.close()


async def test_an_outbox_call_is_handed_back_after_a_429_and_a_persistent_one_gives_up() -> None:
    gate = MemorySendGate(300)
    limiter = TelegramRateLimiter(gate, max_retries=2)
    with pytest.raises(RetryAfter):
        await limiter.process_request(
            FlakyCall(1), (), {}, "sendPhoto", {"chat_id": 5}, outbox_ticket("campaign", 1)
        )
    stubborn = FlakyCall(10)
    with pytest.raises(RetryAfter):
        await limiter.process_request(stubborn, (), {}, "sendMessage", {"chat_id": 6}, None)
    assert stubborn.calls == 3  # the first try and two retries
    await gate.close()


async def test_calls_that_send_no_message_skip_the_gate_even_while_it_is_paused() -> None:
    gate = MemorySendGate(300)
    gate.pause_for(30)
    limiter = TelegramRateLimiter(gate)
    call = FlakyCall(0)
    for method in ("answerCallbackQuery", "getFile", "setMyCommands", "deleteMessage"):
        await asyncio.wait_for(
            limiter.process_request(call, (), {}, method, {"chat_id": 5}, None), 5
        )
    assert call.calls == 4 and gate.granted == {}
    await gate.close()

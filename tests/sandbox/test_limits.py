"""Rate limits: token buckets per bot and per chat, and the 429 a bot sees past them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import telegram
from telegram.error import RetryAfter

from sandbox.limits import LimitNumbers, RateLimiter
from sandbox.server import SandboxServer
from tests.sandbox.harness import TOKEN, Api


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_private_chat_allows_a_burst_of_three_then_one_per_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter("telegram", clock=clock)
    assert [limiter.acquire("bot", 7) for _ in range(3)] == [None, None, None]
    assert limiter.acquire("bot", 7) == 1
    assert limiter.acquire("bot", 8) is None  # another chat has its own bucket
    clock.now += 1.0
    assert limiter.acquire("bot", 7) is None
    assert limiter.acquire("bot", 7) == 1


def test_group_allows_twenty_per_minute() -> None:
    clock = FakeClock()
    limiter = RateLimiter("telegram", clock=clock)
    assert all(limiter.acquire("bot", -100) is None for _ in range(20))
    assert limiter.acquire("bot", -100) == 3  # one message every 3 s refills


def test_bot_wide_limit_spans_chats_and_paid_broadcast_lifts_it_only_in_paid_mode() -> None:
    numbers = LimitNumbers(per_bot_per_second=5, paid_per_second=50)
    for mode, expected_sent in (("telegram", 5), ("paid", 50)):
        limiter = RateLimiter(mode, numbers, clock=FakeClock())
        sent = sum(limiter.acquire("bot", chat_id, paid=True) is None for chat_id in range(1, 100))
        assert sent == expected_sent


def test_edits_count_against_the_bot_only_and_off_means_unlimited() -> None:
    limiter = RateLimiter("telegram", LimitNumbers(per_bot_per_second=10), clock=FakeClock())
    assert all(limiter.acquire("bot", 7, edit=True) is None for _ in range(10))
    assert limiter.acquire("bot", 7, edit=True) == 1
    unlimited = RateLimiter("off", clock=FakeClock())
    assert all(unlimited.acquire("bot", 7) is None for _ in range(1000))


def test_refused_calls_take_no_tokens() -> None:
    clock = FakeClock()
    limiter = RateLimiter("telegram", LimitNumbers(private_chat_burst=1), clock=clock)
    assert limiter.acquire("bot", 7) is None
    for _ in range(5):
        assert limiter.acquire("bot", 7) == 1
    clock.now += 1.0
    assert limiter.acquire("bot", 7) is None


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter("fast")


@pytest.fixture(scope="module")
def limited_server() -> Iterator[SandboxServer]:
    with SandboxServer(limits="telegram", private_chat_burst=2, private_chat_per_second=0.1) as s:
        yield s


async def test_sends_past_the_chat_limit_get_429_with_retry_after(
    limited_server: SandboxServer,
) -> None:
    async with httpx.AsyncClient() as client:
        (await client.post(limited_server.url + "/sim/reset")).raise_for_status()
    api = Api(limited_server.url)
    api.ok("getMe")
    api.user(7)
    api.ok("sendMessage", chat_id=7, text="one")
    api.ok("sendMessage", chat_id=7, text="two")
    response = api.call("sendMessage", chat_id=7, text="three")
    assert response.status_code == 429
    body = response.json()
    assert body["description"] == "Too Many Requests: retry after 10"
    assert body["parameters"] == {"retry_after": 10}
    # Edits are not limited per chat; the refused message never reached the chat.
    api.ok("editMessageText", chat_id=7, message_id=1, text="one, edited")
    assert [m["text"] for m in api.transcript(7)["messages"]] == ["one, edited", "two"]
    async with telegram.Bot(TOKEN, base_url=limited_server.bot_api_url) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(7, "four")
    retry_after = caught.value.retry_after
    seconds = retry_after if isinstance(retry_after, int) else retry_after.total_seconds()
    assert seconds >= 1

"""Notice folding (nothing dropped) and reading commission rates people type."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest

from bot.domain.errors import DomainError
from bot.orders.notices import Notice, NoticeBatcher
from bot.orders.rates import format_rate, parse_rate_bp
from bot.texts import Texts


def notice(n: int) -> Notice:
    return Notice(
        kind="merchant_notice",
        text=f"full notice {n}",
        line=f"order {n}",
        dedup_key=f"k{n}",
        language="en",
    )


async def test_a_burst_is_sent_as_one_notice_then_one_summary_with_every_line() -> None:
    sent: list[dict[str, Any]] = []

    async def deliver(**kwargs: Any) -> None:
        sent.append(kwargs)

    texts = Texts()
    batcher = NoticeBatcher(
        deliver,
        lambda language, lines: texts.render("merchant/notice_batch", language, lines=lines),
        private_interval=0.05,
        group_interval=0.05,
    )
    for n in range(10):
        await batcher.add(42, notice(n))
    await batcher.drain()
    assert sent[0]["text"] == "full notice 0"
    assert len(sent) == 2 and "9 updates" in sent[1]["text"]
    assert all(f"order {n}" in sent[1]["text"] for n in range(1, 10))
    assert len({s["dedup_key"] for s in sent}) == 2


async def test_a_summary_too_long_for_one_message_is_split_not_truncated() -> None:
    sent: list[str] = []

    async def deliver(**kwargs: Any) -> None:
        sent.append(kwargs["text"])

    texts = Texts()
    batcher = NoticeBatcher(
        deliver,
        lambda language, lines: texts.render("merchant/notice_batch", language, lines=lines),
        private_interval=0.05,
    )
    long_lines = [Notice("n", "x", f"line {n} " + "y" * 300, f"k{n}", "en") for n in range(40)]
    for item in long_lines:
        await batcher.add(7, item)
    await batcher.drain()
    assert sent[0] == "x"  # the first found the chat quiet and went out as it was
    assert len(sent) > 2 and all(len(text) <= 4096 for text in sent)
    for n in range(1, 40):
        assert sum(f"line {n} " in text for text in sent) == 1


@pytest.mark.parametrize(
    ("typed", "bp"),
    [
        ("8%", 800),
        ("8.5 %", 850),
        ("０.５%", 50),
        ("850bp", 850),
        ("850 bps", 850),
        ("800", 800),
        ("100%", 10000),
        ("0%", 0),
    ],
)
def test_rates_in_percent_or_basis_points(typed: str, bp: int) -> None:
    assert parse_rate_bp(typed) == bp


@pytest.mark.parametrize(
    "typed", ["", "abc", "-5%", "101%", "10001", "8.555%", "1e3", "8 % %", "8" * 20 + "%"]
)
def test_bad_rates_are_refused(typed: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_rate_bp(typed)
    assert caught.value.code == "rate.invalid"


def test_rates_are_shown_as_percentages() -> None:
    assert [format_rate(bp) for bp in (800, 850, 805, 0, 10000)] == [
        "8%",
        "8.5%",
        "8.05%",
        "0%",
        "100%",
    ]


async def test_two_processes_give_a_chat_one_message_per_interval_between_them() -> None:
    """Two web processes' batchers sharing the turns through Redis: a merchant's burst of order
    notices, half through each, makes one notice at once and then folded summaries, as one process
    would; nothing is dropped. (Each process alone would send its first notice at once: two.)"""
    from redis.asyncio import Redis

    from bot.orders.notices import RedisChatSlots
    from tests.auxil.redis import forget_namespace, fresh_namespace, redis_server_url

    namespace = fresh_namespace()
    clients = [Redis.from_url(redis_server_url()) for _ in range(2)]
    sent: list[tuple[float, dict[str, Any]]] = []

    async def deliver(**kwargs: Any) -> None:
        sent.append((time.monotonic(), kwargs))

    texts = Texts()
    batchers = [
        NoticeBatcher(
            deliver,
            lambda language, lines: texts.render("merchant/notice_batch", language, lines=lines),
            private_interval=0.3,
            slots=RedisChatSlots(client, f"vitrine:{namespace}:gate"),
        )
        for client in clients
    ]
    try:
        started = time.monotonic()
        for n in range(10):
            await batchers[n % 2].add(42, notice(n))
        for batcher in batchers:
            await batcher.drain()
    finally:
        for client in clients:
            await client.aclose()
        await forget_namespace(namespace)
    assert sum(1 for at, _ in sent if at - started < 0.25) == 1  # one at once, between both
    texts_sent = "\n".join(kwargs["text"] for _, kwargs in sent)
    assert "full notice 0" in texts_sent
    assert all(f"order {n}" in texts_sent for n in range(1, 10))  # nothing dropped
    assert len(sent) == 3  # the first, then one summary from each process, a turn apart
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(sent)]
    assert min(gaps) >= 0.25

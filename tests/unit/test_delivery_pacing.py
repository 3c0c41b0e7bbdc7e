"""Pacing: the bot-wide token bucket, the per-chat pace, backoff, and the recurrence rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.delivery.dispatcher import backoff
from bot.delivery.pacing import (
    BUCKET_CAPACITY,
    RATE_HEADROOM,
    ChatPace,
    TokenBucket,
    chat_burst,
    chat_interval,
)
from bot.domain.campaigns import next_occurrence, parse_schedule
from bot.domain.errors import DomainError


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bucket_spaces_tokens_at_its_rate_without_saving_up_a_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=30, capacity=1, clock=clock)
    assert bucket.try_take() and not bucket.try_take()
    assert bucket.delay() == pytest.approx(1 / 30)
    clock.now += 10  # idle for ten seconds: still only one token saved
    assert bucket.try_take() and not bucket.try_take()


def test_the_gates_bucket_keeps_its_rate_when_grants_wake_up_late() -> None:
    # The gate's server sleeps until the next token and wakes up a little late (a busy loop, the
    # timer's granularity): 3 % of an interval here. The paced rate must not drop by that much.
    clock = FakeClock()
    pace = 30 * RATE_HEADROOM
    bucket = TokenBucket(rate=pace, capacity=BUCKET_CAPACITY, clock=clock)
    granted, began = 0, clock.now
    while clock.now - began < 100:
        if bucket.try_take():
            granted += 1
        clock.now += bucket.delay() + 0.03 / pace
    assert granted >= int(pace * 100)  # 2,700 in 100 s: the lateness costs nothing


def test_no_two_sends_are_closer_than_the_configured_rate_allows() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=30 * RATE_HEADROOM, capacity=BUCKET_CAPACITY, clock=clock)
    clock.now += 60  # rested: the bucket is as full as it gets
    assert bucket.try_take() and not bucket.try_take()
    assert bucket.delay() == pytest.approx(1 / 30)  # Telegram's cap, never more


def test_a_429_pause_empties_the_bucket_until_the_pause_ends() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=30, capacity=1, clock=clock)
    bucket.pause_until(clock.now + 5)
    clock.now += 4.9
    assert not bucket.try_take()
    clock.now += 0.2
    assert bucket.try_take()


def test_a_private_chat_gets_a_short_burst_then_one_message_a_second() -> None:
    clock = FakeClock()
    pace = ChatPace(clock=clock)
    assert pace.wait(7) == 0
    pace.take(7)
    assert pace.wait(7) == 0  # a burst of two: a reply may follow the first at once
    pace.take(7)
    assert pace.wait(7) == pytest.approx(1.0)
    assert pace.wait(8) == 0  # another chat has its own pace
    clock.now += 1.0
    assert pace.wait(7) == 0
    pace.take(7)
    assert pace.wait(7) == pytest.approx(1.0)  # the burst is spent until the chat rests
    clock.now += 10
    assert pace.wait(7) == 0


def test_a_group_gets_twenty_messages_a_minute_and_no_burst() -> None:
    clock = FakeClock()
    pace = ChatPace(clock=clock)
    pace.take(-100123)
    assert pace.wait(-100123) == pytest.approx(3.0)
    assert chat_interval(-100123) == 3.0 and chat_interval(5) == 1.0  # 20/min in groups
    assert chat_burst(-100123) == 1 and chat_burst(5) == 2


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30) == 300


NOON_SHANGHAI = datetime(2024, 5, 1, 4, 0, tzinfo=UTC)  # Wednesday 12:00 in Shanghai


def test_recurrences_and_typed_times_are_read_in_the_experts_zone() -> None:
    assert next_occurrence("daily 20:00", "Asia/Shanghai", NOON_SHANGHAI) == datetime(
        2024, 5, 1, 12, 0, tzinfo=UTC
    )
    assert next_occurrence("daily 09:00", "Asia/Shanghai", NOON_SHANGHAI) == datetime(
        2024, 5, 2, 1, 0, tzinfo=UTC
    )
    assert next_occurrence("weekly 4 09:00", "Asia/Shanghai", NOON_SHANGHAI) == datetime(
        2024, 5, 3, 1, 0, tzinfo=UTC
    )
    assert parse_schedule("fri 9:00", "weekly", "Asia/Shanghai", NOON_SHANGHAI) == (
        datetime(2024, 5, 3, 1, 0, tzinfo=UTC),
        "weekly 4 09:00",
    )
    assert parse_schedule("2024-05-03 10:00", "at", "Asia/Shanghai", NOON_SHANGHAI)[0] == datetime(
        2024, 5, 3, 2, 0, tzinfo=UTC
    )
    for bad, mode in (
        ("25:00", "at"),
        ("someday", "daily"),
        ("2024-04-30 10:00", "at"),
        ("xyz 10:00", "weekly"),
    ):
        with pytest.raises(DomainError):
            parse_schedule(bad, mode, "Asia/Shanghai", NOON_SHANGHAI)

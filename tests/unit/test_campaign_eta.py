"""The campaign progress message's time left: measured rate first, fair share before that."""

from __future__ import annotations

from types import SimpleNamespace

from bot.campaigns.eta import campaign_share, time_left
from bot.delivery.throughput import StreamMeter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_time_left_is_rounded_to_minutes_and_hours() -> None:
    assert time_left(10, 27).under_a_minute
    assert (time_left(27 * 90, 27).hours, time_left(27 * 90, 27).minutes) == (0, 1)
    million = time_left(1_000_000, 27)  # a million fans at 27/s: about 10 h 17 min
    assert (million.hours, million.minutes) == (10, 17)


def test_before_any_send_a_campaign_expects_its_fair_share_of_the_pace() -> None:
    clock = Clock()
    meter = StreamMeter(clock)
    for _ in range(3):
        meter.record("c1")  # another campaign is sending
        clock.now += 0.1
    dispatcher = SimpleNamespace(meter=meter, pace=27.0)
    share = campaign_share(dispatcher, 2)  # type: ignore[arg-type]
    assert share.sharing_with == 1 and not share.measured and share.rate == 13.5


def test_once_sending_the_measured_rate_counts() -> None:
    clock = Clock()
    meter = StreamMeter(clock)
    for _ in range(100):  # 10 messages a second for 10 s
        meter.record("c7")
        clock.now += 0.1
    share = campaign_share(SimpleNamespace(meter=meter, pace=27.0), 7)  # type: ignore[arg-type]
    assert share.measured and share.sharing_with == 0
    assert 9.5 < share.rate < 10.5
    clock.now += 60  # a minute of silence: no stale rate
    assert meter.rate("c7") is None and meter.active() == []

"""Times shown in the reader's zone, and a zone that no longer exists said honestly as UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.clock import local_text

MOMENT = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)


def test_a_moment_reads_on_the_readers_wall_clock() -> None:
    assert local_text(MOMENT, "Asia/Shanghai") == "2026-12-02 07:30"
    assert local_text(MOMENT, "America/New_York") == "2026-12-01 18:30"
    assert local_text(MOMENT, "Europe/London", "%m-%d %H:%M") == "12-01 23:30"


def test_an_unknown_zone_falls_back_to_utc_and_says_so() -> None:
    assert local_text(MOMENT, "Mars/Olympus") == "2026-12-01 23:30 UTC"

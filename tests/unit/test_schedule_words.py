"""Weekdays as either language types them: "fri 20:00" and "周五 20:00" are the same schedule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.campaigns import parse_schedule, weekday_index
from bot.domain.errors import DomainError

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # a Tuesday


@pytest.mark.parametrize(
    ("word", "index"),
    [
        ("mon", 0),
        ("friday", 4),
        ("周五", 4),
        ("星期五", 4),
        ("礼拜五", 4),
        ("周日", 6),
        ("周天", 6),
    ],
)
def test_weekday_words(word: str, index: int) -> None:
    assert weekday_index(word) == index


@pytest.mark.parametrize("word", ["周八", "星期", "fr", "五", "周五五"])
def test_not_weekdays(word: str) -> None:
    assert weekday_index(word) is None


def test_a_chinese_weekday_schedules_like_the_english_one() -> None:
    english = parse_schedule("fri 20:00", "weekly", "Asia/Shanghai", NOW)
    chinese = parse_schedule("周五 20:00", "weekly", "Asia/Shanghai", NOW)
    assert chinese == english and chinese[1] == "weekly 4 20:00"
    with pytest.raises(DomainError):
        parse_schedule("周八 20:00", "weekly", "Asia/Shanghai", NOW)

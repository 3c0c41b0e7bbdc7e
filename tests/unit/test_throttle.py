"""The per-person throttle rule: N updates a window, one notice, silence, then a fresh window."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.domain import throttle as rule
from bot.domain.throttle import UpdateThrottle, Verdict
from tests.conftest import make_settings


def test_the_limit_then_one_notice_then_silence_until_the_window_passes() -> None:
    limit = UpdateThrottle(3, 10)
    verdicts = [limit.check(1, 0.1 * n) for n in range(6)]
    assert verdicts == [Verdict.PASS] * 3 + [Verdict.NOTICE, Verdict.DROP, Verdict.DROP]
    assert limit.check(1, 10.0) is Verdict.PASS  # the window has passed: counted afresh
    assert limit.check(1, 10.1) is Verdict.PASS


def test_people_are_counted_apart() -> None:
    limit = UpdateThrottle(1, 10)
    assert limit.check(1, 0) is Verdict.PASS
    assert limit.check(1, 0) is Verdict.NOTICE
    assert limit.check(2, 0) is Verdict.PASS


def test_memory_stays_bounded_in_a_crowd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rule, "SWEEP_AT", 100)
    limit = UpdateThrottle(5, 1)
    for person in range(1_000):
        limit.check(person, person * 0.1)  # ten new people each second
    assert len(limit._windows) <= 100


def test_settings(tmp_path: Path) -> None:
    # make_settings lifts the limit for machine-speed journeys (tests/conftest.py); the default:
    default = load_settings({"VITRINE_DATA_DIR": str(tmp_path / "data")})
    assert (default.throttle_updates, default.throttle_window_seconds) == (20, 10)
    off = make_settings(tmp_path, VITRINE_THROTTLE_UPDATES="0")
    assert off.throttle_updates == 0
    with pytest.raises(ConfigError, match="VITRINE_THROTTLE_WINDOW_SECONDS"):
        make_settings(tmp_path, VITRINE_THROTTLE_WINDOW_SECONDS="0")
    with pytest.raises(ConfigError, match="VITRINE_THROTTLE_UPDATES"):
        make_settings(tmp_path, VITRINE_THROTTLE_UPDATES="-1")

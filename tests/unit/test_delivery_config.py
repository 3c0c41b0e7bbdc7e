"""Delivery settings: defaults, every value read, one clear line for every bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"VITRINE_DATA_DIR": str(tmp_path / "data"), **values}


def test_defaults_follow_telegrams_free_limits_and_the_flood_rules(tmp_path: Path) -> None:
    delivery = load_settings(env(tmp_path)).delivery
    assert (delivery.send_rate, delivery.paid_broadcast, delivery.send_concurrency) == (
        30.0,
        False,
        8,
    )
    assert (delivery.campaigns_per_day, delivery.pushes_per_fan_per_day) == (2, 3)
    assert (delivery.campaign_grace_minutes, delivery.max_attempts) == (30, 5)


def test_every_delivery_setting_is_read(tmp_path: Path) -> None:
    delivery = load_settings(
        env(
            tmp_path,
            VITRINE_SEND_RATE="500",
            VITRINE_PAID_BROADCAST="true",
            VITRINE_SEND_CONCURRENCY="32",
            VITRINE_SEND_MAX_ATTEMPTS="7",
            VITRINE_CAMPAIGNS_PER_DAY="5",
            VITRINE_PUSHES_PER_FAN_PER_DAY="4",
            VITRINE_CAMPAIGN_GRACE_MINUTES="0",
        )
    ).delivery
    assert delivery.send_rate == 500.0 and delivery.paid_broadcast
    assert (delivery.send_concurrency, delivery.max_attempts) == (32, 7)
    assert (
        delivery.campaigns_per_day,
        delivery.pushes_per_fan_per_day,
        delivery.campaign_grace_minutes,
    ) == (5, 4, 0)


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [
        ("VITRINE_SEND_RATE", "31", "VITRINE_PAID_BROADCAST=true"),
        ("VITRINE_SEND_RATE", "fast", "messages per second"),
        ("VITRINE_SEND_RATE", "0", "0.1-30"),
        ("VITRINE_SEND_RATE", "nan", "0.1-30"),
        ("VITRINE_PAID_BROADCAST", "maybe", "true or false"),
        ("VITRINE_SEND_CONCURRENCY", "0", "1-100"),
        ("VITRINE_SEND_CONCURRENCY", "-3", "1-100"),
        ("VITRINE_CAMPAIGNS_PER_DAY", "two", "0-100"),
        ("VITRINE_PUSHES_PER_FAN_PER_DAY", "21", "0-20"),
        ("VITRINE_CAMPAIGN_GRACE_MINUTES", "1.5", "0-10080"),
    ],
)
def test_bad_values_name_the_setting(tmp_path: Path, name: str, value: str, needle: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env(tmp_path, **{name: value}))
    assert caught.value.setting == name
    assert needle in str(caught.value) and "\n" not in str(caught.value)


def test_paid_broadcast_allows_up_to_1000_per_second_and_no_more(tmp_path: Path) -> None:
    assert (
        load_settings(
            env(tmp_path, VITRINE_PAID_BROADCAST="1", VITRINE_SEND_RATE="1000")
        ).delivery.send_rate
        == 1000
    )
    with pytest.raises(ConfigError):
        load_settings(env(tmp_path, VITRINE_PAID_BROADCAST="1", VITRINE_SEND_RATE="1001"))

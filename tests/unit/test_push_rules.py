"""Push eligibility and timing: quiet hours (wrapping, DST), caps, digest, mute, expert quotas."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import DomainError
from bot.domain.push_rules import (
    FanPushSettings,
    Plan,
    apply_push_setting,
    cap_day_bounds,
    expert_campaign_quota,
    fan_day_bounds,
    format_quiet_hours,
    in_quiet_hours,
    next_digest_time,
    next_send_time,
    plan_delivery,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
DEFAULTS = FanPushSettings()
NY = FanPushSettings(tz="America/New_York")


def local(
    zone: ZoneInfo,
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    *,
    fold: int = 0,
) -> datetime:
    """A UTC instant from a wall time in `zone`."""
    wall = datetime(year, month, day, hour, minute, second, tzinfo=zone, fold=fold)
    return wall.astimezone(UTC)


def plan(settings: FanPushSettings = DEFAULTS, **overrides: object) -> Plan:
    arguments: dict[str, object] = {
        "expert_id": 7,
        "sent_today": 0,
        "at_utc": local(SHANGHAI, 2025, 5, 1, 12, 0),
        "is_follower": True,
        "is_discovery": False,
    }
    arguments.update(overrides)
    return plan_delivery(settings, **arguments)  # type: ignore[arg-type]


def test_defaults() -> None:
    assert DEFAULTS.mode == "instant" and DEFAULTS.tz == "Asia/Shanghai"
    assert (DEFAULTS.quiet_start, DEFAULTS.quiet_end) == (time(22), time(8))
    assert DEFAULTS.daily_cap == 3 and DEFAULTS.digest_hour == 20
    assert not DEFAULTS.discovery_consent and DEFAULTS.muted_expert_ids == frozenset()


@pytest.mark.parametrize(
    ("wall", "quiet"),
    [
        ((21, 59, 59), False),
        ((22, 0, 0), True),
        ((23, 30, 0), True),
        ((0, 0, 0), True),
        ((7, 59, 59), True),
        ((8, 0, 0), False),
        ((12, 0, 0), False),
    ],
)
def test_quiet_hours_wrap_midnight_in_the_fans_zone(
    wall: tuple[int, int, int], quiet: bool
) -> None:
    assert in_quiet_hours(DEFAULTS, local(SHANGHAI, 2025, 5, 1, *wall)) is quiet


def test_a_window_inside_one_day_and_an_empty_window() -> None:
    lunch = FanPushSettings(quiet_start=time(12), quiet_end=time(14))
    assert in_quiet_hours(lunch, local(SHANGHAI, 2025, 5, 1, 13, 0))
    assert not in_quiet_hours(lunch, local(SHANGHAI, 2025, 5, 1, 23, 0))
    assert next_send_time(lunch, local(SHANGHAI, 2025, 5, 1, 12, 5)) == local(
        SHANGHAI, 2025, 5, 1, 14
    )
    never = FanPushSettings(quiet_start=time(9), quiet_end=time(9))
    assert not in_quiet_hours(never, local(SHANGHAI, 2025, 5, 1, 9, 0))


def test_next_send_time_is_the_end_of_quiet_hours() -> None:
    evening = local(SHANGHAI, 2025, 5, 1, 23, 0)
    assert next_send_time(DEFAULTS, evening) == local(SHANGHAI, 2025, 5, 2, 8, 0)
    early = local(SHANGHAI, 2025, 5, 2, 3, 0)
    assert next_send_time(DEFAULTS, early) == local(SHANGHAI, 2025, 5, 2, 8, 0)
    day = local(SHANGHAI, 2025, 5, 2, 9, 0)
    assert next_send_time(DEFAULTS, day) == day
    assert next_send_time(DEFAULTS, day).tzinfo == UTC


def test_quiet_night_across_spring_forward_is_an_hour_shorter() -> None:
    # 2024-03-10: New York jumps from 02:00 EST to 03:00 EDT.
    at = local(NEW_YORK, 2024, 3, 9, 22, 0)
    end = next_send_time(NY, at)
    assert end == datetime(2024, 3, 10, 12, 0, tzinfo=UTC)  # 08:00 EDT
    assert end - at == timedelta(hours=9)


def test_quiet_night_across_fall_back_is_an_hour_longer() -> None:
    # 2024-11-03: New York falls back from 02:00 EDT to 01:00 EST.
    at = local(NEW_YORK, 2024, 11, 2, 22, 0)
    end = next_send_time(NY, at)
    assert end == datetime(2024, 11, 3, 13, 0, tzinfo=UTC)  # 08:00 EST
    assert end - at == timedelta(hours=11)


def test_quiet_end_inside_the_dst_gap_ends_when_clocks_jump() -> None:
    settings = FanPushSettings(tz="America/New_York", quiet_end=time(2, 30))
    at = local(NEW_YORK, 2024, 3, 9, 23, 0)
    end = next_send_time(settings, at)
    assert end == datetime(2024, 3, 10, 7, 0, tzinfo=UTC)  # 03:00 EDT, the jump
    assert not in_quiet_hours(settings, end)
    assert in_quiet_hours(settings, end - timedelta(seconds=1))


def test_quiet_end_in_the_repeated_hour_picks_the_next_occurrence() -> None:
    settings = FanPushSettings(tz="America/New_York", quiet_end=time(1, 30))
    first = local(NEW_YORK, 2024, 11, 3, 1, 10, fold=0)  # 01:10 EDT
    second = local(NEW_YORK, 2024, 11, 3, 1, 10, fold=1)  # 01:10 EST, an hour later
    assert next_send_time(settings, first) == datetime(2024, 11, 3, 5, 30, tzinfo=UTC)
    assert next_send_time(settings, second) == datetime(2024, 11, 3, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "zone",
    [
        "Asia/Shanghai",
        "America/New_York",
        "Europe/London",
        "Australia/Lord_Howe",
        "America/Santiago",
        "Pacific/Chatham",
    ],
)
def test_next_send_time_is_the_first_instant_outside_quiet_hours(zone: str) -> None:
    rng = random.Random(zone)
    start_of_year = datetime(2024, 1, 1, tzinfo=UTC)
    for _ in range(400):
        settings = FanPushSettings(
            tz=zone,
            quiet_start=time(rng.randrange(24), rng.choice([0, 15, 30, 45])),
            quiet_end=time(rng.randrange(24), rng.choice([0, 15, 30, 45])),
        )
        at = start_of_year + timedelta(seconds=rng.randrange(366 * 86400))
        end = next_send_time(settings, at)
        assert end >= at and not in_quiet_hours(settings, end)
        if end > at:
            assert end - at <= timedelta(hours=25)
            for fraction in (0.0, 0.25, 0.5, 0.75):
                assert in_quiet_hours(settings, at + (end - at) * fraction)
            assert in_quiet_hours(settings, end - timedelta(seconds=1))


def test_fan_day_bounds_follow_the_local_calendar() -> None:
    start, end = fan_day_bounds("Asia/Shanghai", datetime(2025, 5, 1, 17, 0, tzinfo=UTC))
    assert (start, end) == (local(SHANGHAI, 2025, 5, 2), local(SHANGHAI, 2025, 5, 3))
    short = fan_day_bounds("America/New_York", datetime(2024, 3, 10, 15, tzinfo=UTC))
    assert short[1] - short[0] == timedelta(hours=23)
    long = fan_day_bounds("America/New_York", datetime(2024, 11, 3, 15, tzinfo=UTC))
    assert long[1] - long[0] == timedelta(hours=25)


@pytest.mark.parametrize("zone", ["America/Havana", "America/Santiago", "Asia/Beirut", "UTC"])
def test_fan_day_bounds_contain_the_instant_even_when_midnight_is_skipped(zone: str) -> None:
    rng = random.Random(zone)
    for _ in range(300):
        at = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(2 * 366 * 86400))
        start, end = fan_day_bounds(zone, at)
        assert start <= at < end
        assert timedelta(hours=22) <= end - start <= timedelta(hours=26)


def test_plan_send_now_defer_and_digest() -> None:
    noon = local(SHANGHAI, 2025, 5, 1, 12, 0)
    assert plan(at_utc=noon) == Plan("send_now", when=noon)
    night = local(SHANGHAI, 2025, 5, 1, 23, 0)
    assert plan(at_utc=night) == Plan("defer", when=local(SHANGHAI, 2025, 5, 2, 8, 0))
    digest = FanPushSettings(mode="digest")
    assert plan(digest, at_utc=noon) == Plan("digest", when=local(SHANGHAI, 2025, 5, 1, 20, 0))
    # Digest fans are not capped: the digest is a single message.
    assert plan(digest, at_utc=noon, sent_today=99).action == "digest"


@pytest.mark.parametrize(
    ("settings", "overrides", "reason"),
    [
        (FanPushSettings(mode="off"), {}, "off"),
        (FanPushSettings(muted_expert_ids=frozenset({7})), {}, "muted"),
        (FanPushSettings(mode="digest", muted_expert_ids=frozenset({7})), {}, "muted"),
        (DEFAULTS, {"is_discovery": True, "is_follower": False}, "no_consent"),
        (DEFAULTS, {"is_discovery": True, "is_follower": True}, "no_consent"),
        (DEFAULTS, {"is_follower": False}, "not_follower"),
        (DEFAULTS, {"sent_today": 3}, "cap_reached"),
        (FanPushSettings(daily_cap=5), {"sent_today": 5}, "cap_reached"),
        # "off" wins over every other reason.
        (FanPushSettings(mode="off", muted_expert_ids=frozenset({7})), {"sent_today": 9}, "off"),
    ],
)
def test_plan_skips_with_a_reason(
    settings: FanPushSettings, overrides: dict[str, object], reason: str
) -> None:
    assert plan(settings, **overrides) == Plan("skip", reason=reason)  # type: ignore[arg-type]


def test_consenting_non_followers_get_discovery_pushes_and_others_are_unmuted() -> None:
    consenting = FanPushSettings(discovery_consent=True, muted_expert_ids=frozenset({8}))
    assert plan(consenting, is_discovery=True, is_follower=False).action == "send_now"
    assert plan(consenting, expert_id=7, sent_today=2).action == "send_now"


def test_cap_counts_the_day_the_push_is_delivered() -> None:
    night = local(SHANGHAI, 2025, 5, 1, 23, 0)
    start, end = cap_day_bounds(DEFAULTS, night)
    assert (start, end) == (local(SHANGHAI, 2025, 5, 2), local(SHANGHAI, 2025, 5, 3))
    noon = local(SHANGHAI, 2025, 5, 1, 12, 0)
    assert cap_day_bounds(DEFAULTS, noon) == fan_day_bounds("Asia/Shanghai", noon)


def test_digest_time_is_strictly_after_the_push() -> None:
    digest = FanPushSettings(mode="digest", digest_hour=20)
    assert next_digest_time(digest, local(SHANGHAI, 2025, 5, 1, 19, 59)) == local(
        SHANGHAI, 2025, 5, 1, 20
    )
    assert next_digest_time(digest, local(SHANGHAI, 2025, 5, 1, 20, 0)) == local(
        SHANGHAI, 2025, 5, 2, 20
    )
    assert next_digest_time(digest, local(SHANGHAI, 2025, 5, 1, 23, 0)) == local(
        SHANGHAI, 2025, 5, 2, 20
    )


def test_expert_quota_allows_then_refuses_until_local_midnight() -> None:
    at = local(SHANGHAI, 2025, 5, 1, 23, 30)
    allowed = expert_campaign_quota(1, 2, "Asia/Shanghai", at)
    assert allowed.allowed and allowed.remaining == 1
    allowed.require()
    refused = expert_campaign_quota(2, 2, "Asia/Shanghai", at)
    assert not refused.allowed and refused.remaining == 0
    assert refused.resets_at == local(SHANGHAI, 2025, 5, 2, 0, 0)
    with pytest.raises(DomainError) as caught:
        refused.require()
    assert caught.value.code == "campaign.daily_limit"
    assert caught.value.params["resets_at"] == refused.resets_at


def test_settings_are_validated() -> None:
    for bad in (
        {"tz": "Mars/Olympus"},
        {"tz": "../etc/passwd"},
        {"daily_cap": -1},
        {"daily_cap": 21},
        {"digest_hour": 24},
        {"mode": "loud"},
    ):
        with pytest.raises(DomainError) as caught:
            FanPushSettings(**bad)  # type: ignore[arg-type]
        assert caught.value.code.startswith("push.")


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError):
        in_quiet_hours(DEFAULTS, datetime(2025, 5, 1, 12))


def test_setting_values_from_buttons() -> None:
    assert apply_push_setting(DEFAULTS, "mode", "digest").mode == "digest"
    quiet = apply_push_setting(DEFAULTS, "quiet", "2330-0715")
    assert (quiet.quiet_start, quiet.quiet_end) == (time(23, 30), time(7, 15))
    assert format_quiet_hours(quiet) == "2330-0715"
    none = apply_push_setting(DEFAULTS, "quiet", "none")
    assert not none.has_quiet_hours and format_quiet_hours(none) == "none"
    assert apply_push_setting(DEFAULTS, "cap", "10").daily_cap == 10
    assert apply_push_setting(DEFAULTS, "digest", "7").digest_hour == 7
    assert apply_push_setting(DEFAULTS, "consent", "1").discovery_consent
    for setting, value in [
        ("mode", "loud"),
        ("quiet", "2400-0800"),
        ("quiet", "22-08"),
        ("cap", "0"),
        ("cap", "21"),
        ("cap", "03"),
        ("digest", "24"),
        ("consent", "yes"),
    ]:
        with pytest.raises(DomainError) as caught:
            apply_push_setting(DEFAULTS, setting, value)
        assert caught.value.code == "settings.bad_value"
    with pytest.raises(DomainError) as caught:
        apply_push_setting(DEFAULTS, "lang", "en")
    assert caught.value.code == "settings.unknown"

"""Fan settings: stored rows <-> the push rules' settings, and applying one button's change."""

from __future__ import annotations

from datetime import time

from bot.domain.push_rules import FanPushSettings, apply_push_setting
from storage.repositories.fan_settings import FanSettingsRow

QUIET_CHOICES = ("2200-0800", "2300-0700", "0000-0800", "none")
CAP_CHOICES = ("1", "3", "5", "10")
DIGEST_CHOICES = ("8", "12", "20", "22")


def to_push_settings(row: FanSettingsRow, tz: str) -> FanPushSettings:
    """The push-rule view of a stored settings row."""
    return FanPushSettings(
        mode=row.push_mode,  # type: ignore[arg-type]
        quiet_start=time(row.quiet_start_min // 60, row.quiet_start_min % 60),
        quiet_end=time(row.quiet_end_min // 60, row.quiet_end_min % 60),
        tz=tz,
        daily_cap=row.daily_cap,
        digest_hour=row.digest_hour,
        discovery_consent=row.discovery_consent,
    )


def to_row(settings: FanPushSettings) -> FanSettingsRow:
    """The stored form of push settings."""
    return FanSettingsRow(
        push_mode=settings.mode,
        quiet_start_min=settings.quiet_start.hour * 60 + settings.quiet_start.minute,
        quiet_end_min=settings.quiet_end.hour * 60 + settings.quiet_end.minute,
        daily_cap=settings.daily_cap,
        digest_hour=settings.digest_hour,
        discovery_consent=settings.discovery_consent,
    )


def apply_change(row: FanSettingsRow, tz: str, setting: str, value: str) -> FanSettingsRow:
    """The row after one push-setting change; DomainError("settings.*") for a bad value."""
    return to_row(apply_push_setting(to_push_settings(row, tz), setting, value))

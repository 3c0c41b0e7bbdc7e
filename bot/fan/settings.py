"""Fan settings: stored rows <-> the push rules' settings, applying one button's change, and the
use cases of /settings (show them, change one) each in one unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING

from bot.domain.errors import DomainError
from bot.domain.push_rules import PUSH_MODES, FanPushSettings, PushMode, apply_push_setting
from bot.fan.records import FanSettingsRow
from bot.texts import LANGUAGES

if TYPE_CHECKING:
    from bot.services import Services

QUIET_CHOICES = ("2200-0800", "2300-0700", "0000-0800", "none")
CAP_CHOICES = ("1", "3", "5", "10")
DIGEST_CHOICES = ("8", "12", "20", "22")


def push_mode(value: str) -> PushMode:
    """A stored push mode as the rules' type; DomainError("push.bad_mode") for anything else."""
    for mode in PUSH_MODES:
        if mode == value:
            return mode
    raise DomainError("push.bad_mode", mode=value)


def to_push_settings(row: FanSettingsRow, tz: str) -> FanPushSettings:
    """The push-rule view of a stored settings row."""
    return FanPushSettings(
        mode=push_mode(row.push_mode),
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


def cap_choices(platform_cap: int) -> list[str]:
    """The daily caps a fan may choose: the usual ones the platform's own cap allows, and it."""
    choices = [v for v in CAP_CHOICES if int(v) <= platform_cap]
    if platform_cap >= 1 and str(platform_cap) not in choices:
        choices.append(str(platform_cap))
    return sorted(choices, key=int)


@dataclass(frozen=True)
class SettingsView:
    """The fan's settings as /settings shows them.

    `cap` is the cap that applies: a fan's own cap above the platform's never does.
    """

    row: FanSettingsRow
    cap: int
    platform_cap: int


def _view(services: Services, row: FanSettingsRow) -> SettingsView:
    # A cap above the platform's never applies (VITRINE_PUSHES_PER_FAN_PER_DAY).
    platform_cap = services.settings.delivery.pushes_per_fan_per_day
    return SettingsView(row, min(row.daily_cap, platform_cap), platform_cap)


async def show_settings(services: Services, *, user_id: int) -> SettingsView:
    """/settings and its section buttons."""
    async with services.unit_of_work() as uow:
        return _view(services, await uow.fan_settings.get(user_id))


async def change_setting(
    services: Services, *, user_id: int, timezone: str, setting: str, value: str
) -> SettingsView:
    """Apply one button's change: the language ("lang") or a push setting.

    DomainError("settings.bad_value") for a language without a catalogue or a cap the
    platform's own cap would override; the push rules' DomainError for other bad values.
    """
    async with services.unit_of_work(write=True) as uow:
        if setting == "lang":
            if value not in LANGUAGES:
                raise DomainError("settings.bad_value", setting=setting)
            await uow.users.set_language(user_id, value)
            return _view(services, await uow.fan_settings.get(user_id))
        platform_cap = services.settings.delivery.pushes_per_fan_per_day
        if setting == "cap" and value not in cap_choices(platform_cap):
            raise DomainError("settings.bad_value", setting=setting)
        changed = apply_change(await uow.fan_settings.get(user_id), timezone, setting, value)
        await uow.fan_settings.save(user_id, changed)
        return _view(services, changed)

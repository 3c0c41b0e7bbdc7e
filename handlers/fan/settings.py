"""/settings: language, push mode, quiet hours, daily cap, digest time, discovery consent."""

from __future__ import annotations

from telegram import Update

from bot.context import VitrineContext
from bot.domain.callbacks import SettingChange, SettingsOpen
from bot.domain.errors import DomainError
from bot.domain.language import CHINESE
from bot.domain.push_rules import PUSH_MODES
from bot.fan.settings import CAP_CHOICES, DIGEST_CHOICES, QUIET_CHOICES, apply_change
from bot.menus import refresh_menu
from bot.texts import LANGUAGES
from handlers.fan.ui import label, notice, render, stale
from handlers.keyboards import Button, button, keyboard
from handlers.ui import answer, decoded, show_text

SECTIONS = ("lang", "mode", "quiet", "cap", "digest", "consent")


def _quiet_text(start_min: int, end_min: int) -> str:
    if start_min == end_min:
        return ""
    return f"{start_min // 60:02d}:{start_min % 60:02d}–{end_min // 60:02d}:{end_min % 60:02d}"


def cap_choices(platform_cap: int) -> list[str]:
    """The daily caps a fan may choose: the usual ones the platform's own cap allows, and it."""
    choices = [v for v in CAP_CHOICES if int(v) <= platform_cap]
    if platform_cap >= 1 and str(platform_cap) not in choices:
        choices.append(str(platform_cap))
    return sorted(choices, key=int)


def _quiet_value(start_min: int, end_min: int) -> str:
    if start_min == end_min:
        return "none"
    return f"{start_min // 60:02d}{start_min % 60:02d}-{end_min // 60:02d}{end_min % 60:02d}"


async def show_settings(
    update: Update,
    context: VitrineContext,
    section: str,
    *,
    language: str | None = None,
    edit: bool = True,
) -> None:
    """The settings summary with the buttons of `section` ("main" for the section list)."""
    language = language or context.language
    row = await context.services.repos.fan_settings.get(context.user.id)
    # A cap above the platform's never applies (VITRINE_PUSHES_PER_FAN_PER_DAY): not offered.
    platform_cap = context.services.settings.delivery.pushes_per_fan_per_day
    cap = min(row.daily_cap, platform_cap)

    def lab(key: str, **params: object) -> str:
        return label(context, key, language=language, **params)

    def option(text: str, setting: str, value: str, current: bool) -> Button:
        return button(
            lab("fan.chosen", label=text) if current else text, SettingChange(setting, value)
        )  # type: ignore[arg-type]

    rows: list[list[Button]] = []
    if section == "lang":
        rows.append(
            [
                option(
                    lab(f"lang_{'zh' if code == CHINESE else 'en'}"),
                    "lang",
                    code,
                    code == language,
                )
                for code in LANGUAGES
            ]
        )
    elif section == "mode":
        rows.append(
            [
                option(lab(f"fan.mode_{mode}"), "mode", mode, mode == row.push_mode)
                for mode in PUSH_MODES
            ]
        )
    elif section == "quiet":
        current = _quiet_value(row.quiet_start_min, row.quiet_end_min)
        choices = [
            option(
                lab("fan.quiet_none") if v == "none" else f"{v[:2]}:{v[2:4]}–{v[5:7]}:{v[7:]}",
                "quiet",
                v,
                v == current,
            )
            for v in QUIET_CHOICES
        ]
        rows += [choices[:2], choices[2:]]
    elif section == "cap":
        rows.append(
            [
                option(lab("fan.cap_value", n=v), "cap", v, int(v) == cap)
                for v in cap_choices(platform_cap)
            ]
        )
    elif section == "digest":
        rows.append(
            [
                option(lab("fan.digest_value", hour=v), "digest", v, int(v) == row.digest_hour)
                for v in DIGEST_CHOICES
            ]
        )
    elif section == "consent":
        rows.append([option(lab("fan.consent_on"), "consent", "1", row.discovery_consent)])
        rows.append([option(lab("fan.consent_off"), "consent", "0", not row.discovery_consent)])
    if section == "main":
        keys = [button(lab(f"fan.settings_{s}"), SettingsOpen(s)) for s in SECTIONS]  # type: ignore[arg-type]
        rows += [keys[:3], keys[3:]]
    else:
        rows.append([button(lab("fan.back"), SettingsOpen("main"))])
    text = render(
        context,
        "settings",
        language=language,
        section=section,
        mode=row.push_mode,
        digest_hour=row.digest_hour,
        quiet=_quiet_text(row.quiet_start_min, row.quiet_end_min),
        timezone=context.user.timezone,
        cap=cap,
        own_cap=row.daily_cap,
        platform_cap=platform_cap,
        consent=row.discovery_consent,
    )
    await show_text(update, context, text, keyboard(rows), edit=edit)


async def settings_command(update: Update, context: VitrineContext) -> None:
    """/settings: the summary and the sections."""
    await show_settings(update, context, "main")


async def settings_open(update: Update, context: VitrineContext) -> None:
    """Open one settings section (or go back to the list)."""
    data = decoded(update, SettingsOpen)
    if data is None:
        await stale(update, context)
        return
    await answer(update)
    await show_settings(update, context, data.section)


async def setting_change(update: Update, context: VitrineContext) -> None:
    """Apply one change; a new language takes effect from this very reply."""
    data = decoded(update, SettingChange)
    if data is None:
        await stale(update, context)
        return
    repos = context.services.repos
    if data.setting == "lang":
        if data.value not in LANGUAGES:
            await answer(update, notice(context, "bad_value"))
            return
        await repos.users.set_language(context.user.id, data.value)
        await answer(update, notice(context, "saved", language=data.value))
        await refresh_menu(context.bot, context.services, context.user.id)  # in the new language
        await show_settings(update, context, "main", language=data.value)
        return
    platform_cap = context.services.settings.delivery.pushes_per_fan_per_day
    if data.setting == "cap" and data.value not in cap_choices(platform_cap):
        await answer(update, notice(context, "bad_value"))  # a cap that would never apply
        return
    row = await repos.fan_settings.get(context.user.id)
    try:
        changed = apply_change(row, context.user.timezone, data.setting, data.value)
    except DomainError:
        await answer(update, notice(context, "bad_value"))
        return
    await repos.fan_settings.save(context.user.id, changed)
    await answer(update, notice(context, "saved"))
    await show_settings(update, context, "main")

"""/settings: language, push mode, quiet hours, daily cap, digest time, discovery consent."""

from __future__ import annotations

from telegram import Update

from bot.context import VitrineContext
from bot.domain.callbacks import SettingChange, SettingName, SettingsOpen, SettingsSection
from bot.domain.errors import DomainError
from bot.domain.language import CHINESE
from bot.domain.push_rules import PUSH_MODES
from bot.fan import settings
from bot.fan.settings import DIGEST_CHOICES, QUIET_CHOICES, SettingsView, cap_choices
from bot.menus import refresh_menu
from bot.texts import LANGUAGES
from handlers.fan.ui import label, notice, render, stale
from handlers.keyboards import Button, button, keyboard
from handlers.ui import answer, decoded, show_text

SECTIONS: tuple[SettingsSection, ...] = ("lang", "mode", "quiet", "cap", "digest", "consent")


def _quiet_text(start_min: int, end_min: int) -> str:
    if start_min == end_min:
        return ""
    return f"{start_min // 60:02d}:{start_min % 60:02d}–{end_min // 60:02d}:{end_min % 60:02d}"


def _quiet_value(start_min: int, end_min: int) -> str:
    if start_min == end_min:
        return "none"
    return f"{start_min // 60:02d}{start_min % 60:02d}-{end_min // 60:02d}{end_min % 60:02d}"


async def draw_settings(
    update: Update,
    context: VitrineContext,
    view: SettingsView,
    section: SettingsSection,
    *,
    language: str | None = None,
    edit: bool = True,
) -> None:
    """The settings summary with the buttons of `section` ("main" for the section list)."""
    language = language or context.language
    row, cap, platform_cap = view.row, view.cap, view.platform_cap

    def lab(key: str, **params: object) -> str:
        return label(context, key, language=language, **params)

    def option(text: str, setting: SettingName, value: str, current: bool) -> Button:
        return button(
            lab("fan.chosen", label=text) if current else text, SettingChange(setting, value)
        )

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
        keys = [button(lab(f"fan.settings_{s}"), SettingsOpen(s)) for s in SECTIONS]
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


async def show_settings(
    update: Update, context: VitrineContext, section: SettingsSection, *, edit: bool = True
) -> None:
    """The fan's settings with the buttons of `section`."""
    view = await settings.show_settings(context.services, user_id=context.user.id)
    await draw_settings(update, context, view, section, edit=edit)


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
    try:
        view = await settings.change_setting(
            context.services,
            user_id=context.user.id,
            timezone=context.user.timezone,
            setting=data.setting,
            value=data.value,
        )
    except DomainError:  # whichever rule refused it, the fan chose a value that cannot be used
        await answer(update, notice(context, "bad_value"))
        return
    if data.setting == "lang":
        await answer(update, notice(context, "saved", language=data.value))
        await refresh_menu(context.bot, context.services, context.user.id)  # in the new language
        await draw_settings(update, context, view, "main", language=data.value)
        return
    await answer(update, notice(context, "saved"))
    await draw_settings(update, context, view, "main")

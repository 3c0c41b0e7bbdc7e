"""A fan chooses their daily push cap in /settings: only caps that can apply are offered.

Issue 12 ("the first week"): choosing 5 or 10 pushes a day silently stayed at the platform's cap
of 3 (VITRINE_PUSHES_PER_FAN_PER_DAY).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from bot.app import Runtime
from bot.config import Settings
from bot.domain.callbacks import SettingChange, SettingsOpen, encode
from bot.texts import Texts
from storage.repositories.fan_settings import FanSettingsRow
from tests.auxil.campaigns import LANGUAGE_CODES, has_button, toast
from tests.auxil.sim import Sim, SimUser, buttons_of, plant_button, text_of
from tests.conftest import make_settings

LANGUAGES = ("en", "zh_Hans")


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """The platform's cap of pushes per fan and day is the test's parameter (default 3)."""
    cap = getattr(request, "param", "3")
    return make_settings(tmp_path, VITRINE_PUSHES_PER_FAN_PER_DAY=cap)


def note(texts: Texts, language: str, platform_cap: int) -> str:
    """The cap screen's sentence about the platform's own cap, as the fan reads it."""
    template = texts.env(language).from_string(
        '{{ ngettext("The platform sends each fan at most %(num)s push a day, so you can choose'
        ' up to %(num)s.", "The platform sends each fan at most %(num)s pushes a day, so you can'
        ' choose up to %(num)s.", n) }}'
    )
    return html.unescape(template.render(n=platform_cap))


async def a_fan(vitrine: Runtime, sim: Sim, language: str, **settings: Any) -> tuple[SimUser, int]:
    repos = vitrine.services.repos
    fan = await sim.user(7101, "Mei", LANGUAGE_CODES[language])
    user = await repos.users.upsert_from_telegram(7101, "Mei", None, LANGUAGE_CODES[language])
    await repos.users.set_language(user.id, language)
    if settings:
        await repos.fan_settings.save(user.id, FanSettingsRow(**settings))
    return fan, user.id


async def open_cap_screen(fan: SimUser) -> dict[str, Any]:
    menu = await fan.ask("/settings", has_button(encode(SettingsOpen("cap"))))
    await fan.press_answered(menu, encode(SettingsOpen("cap")))
    return await fan.wait_for_change(menu["message_id"], has_button(encode(SettingsOpen("main"))))


def cap_buttons(message: dict[str, Any]) -> list[str]:
    """The cap values offered, in order."""
    values = []
    for button in buttons_of(message):
        match = re.fullmatch(r"1:set:cap:([0-9]+)", button.get("callback_data", ""))
        if match:
            values.append(match.group(1))
    return values


@pytest.mark.parametrize(
    ("settings", "offered"), [("3", ["1", "3"]), ("5", ["1", "3", "5"])], indirect=["settings"]
)
@pytest.mark.parametrize("language", LANGUAGES)
async def test_only_caps_that_can_apply_are_offered_and_the_reason_is_said(
    vitrine: Runtime, sim: Sim, language: str, offered: list[str]
) -> None:
    texts = vitrine.services.texts
    platform_cap = vitrine.services.settings.delivery.pushes_per_fan_per_day
    fan, fan_id = await a_fan(vitrine, sim, language)
    screen = await open_cap_screen(fan)
    assert cap_buttons(screen) == offered
    assert note(texts, language, platform_cap) in text_of(screen)

    # The highest offered applies, and the summary says so.
    answer = await fan.press_answered(screen, encode(SettingChange("cap", offered[-1])))
    assert toast(answer) == texts.render("fan/notice", language, code="saved")
    assert (await vitrine.services.repos.fan_settings.get(fan_id)).daily_cap == int(offered[-1])


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_cap_above_the_platforms_is_refused_and_an_old_one_shows_what_applies(
    vitrine: Runtime, sim: Sim, sandbox: Any, language: str
) -> None:
    texts = vitrine.services.texts
    repos = vitrine.services.repos
    # Chosen when the platform still allowed ten.
    fan, fan_id = await a_fan(vitrine, sim, language, daily_cap=10)
    screen = await open_cap_screen(fan)
    summary = texts.render(
        "fan/settings",
        language,
        section="cap",
        mode="instant",
        digest_hour=20,
        quiet="22:00–08:00",
        timezone="Asia/Shanghai",
        cap=3,
        own_cap=10,
        platform_cap=3,
        consent=False,
    )
    assert text_of(screen) == html.unescape(re.sub("<[^>]+>", "", summary))
    chosen = texts.label(language, "fan.chosen", label=texts.label(language, "fan.cap_value", n=3))
    assert chosen in [b["text"] for b in buttons_of(screen)]  # 3 is what applies

    # A press of 10 (a modified client) changes nothing.
    forged = encode(SettingChange("cap", "10"))
    plant_button(sandbox, 7101, screen["message_id"], forged)
    answer = await fan.press_answered(screen, forged)
    assert toast(answer) == texts.render("fan/notice", language, code="bad_value")
    answer = await fan.press_answered(screen, encode(SettingChange("cap", "1")))
    assert toast(answer) == texts.render("fan/notice", language, code="saved")
    assert (await repos.fan_settings.get(fan_id)).daily_cap == 1

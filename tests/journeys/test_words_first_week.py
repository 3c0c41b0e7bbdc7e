"""The first week's fragments, as people read them: counts in words, platforms and schedules named
in the reader's language (issue 12, "One language per person")."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Runtime
from bot.campaigns.callbacks import (
    WizardAudience,
    WizardItemsDone,
    WizardItemToggle,
    WizardKind,
    WizardSchedule,
)
from tests.auxil.campaigns import lina_in
from tests.auxil.sim import Sim, text_of
from tests.journeys.test_campaign_push import tap
from tests.journeys.test_expert_supply_side import png
from tests.journeys.test_fan_settings_cap import a_fan
from tests.journeys.test_publish_shop import TITLE, verified_expert

LANGUAGES = pytest.mark.parametrize(
    ("language", "code"), [("zh_Hans", "zh-hans"), ("en", "en")], ids=["zh_Hans", "en"]
)


@LANGUAGES
async def test_a_cap_of_one_push_is_said_in_the_singular(
    vitrine: Runtime, sim: Sim, language: str, code: str
) -> None:
    fan, _ = await a_fan(vitrine, sim, language, daily_cap=1)
    summary = text_of(await fan.ask("/settings", lambda m: "1" in text_of(m)))
    expected = {"en": "at most 1 push a day", "zh_Hans": "每天最多 1 条推送"}[language]
    assert expected in summary and "1 pushes" not in summary


@LANGUAGES
async def test_the_publisher_names_the_partners_in_the_readers_language(
    vitrine: Runtime, sim: Sim, language: str, code: str
) -> None:
    await verified_expert(vitrine, 3201, "wok_words", code)
    expert = await sim.user(3201, "Mei", code)
    await expert.ask("/publish")
    await expert.ask_photo(png())
    for answer in (TITLE, "Heats evenly and seasons well after a few uses.", "199"):
        await expert.ask(answer)
    prompt = text_of(await expert.ask("8"))
    refused = text_of(await expert.ask("https://example.com/item/1"))
    names = {"en": "Tmall, Taobao, Weimai", "zh_Hans": "天猫、淘宝、微卖"}[language]
    for text in (prompt, refused):
        assert names in text
        if language == "zh_Hans":
            assert "Tmall" not in text and "Taobao" not in text and "Weimai" not in text


@pytest.mark.parametrize(
    ("language", "mode", "typed", "expected"),
    [
        ("zh_Hans", "daily", "21:55", "重复（每天 21:55）"),
        ("zh_Hans", "weekly", "周五 20:00", "重复（每周五 20:00）"),
        ("en", "daily", "21:55", "Repeats (every day at 21:55)"),
        ("en", "weekly", "fri 20:00", "Repeats (every Friday at 20:00)"),
    ],
)
async def test_a_repeating_campaign_is_previewed_in_words(
    vitrine: Runtime, sim: Sim, tmp_path: Path, language: str, mode: str, typed: str, expected: str
) -> None:
    lina = await lina_in(vitrine, sim, tmp_path, language)
    message = await lina.person.ask("/campaign", lambda m: bool(m.get("reply_markup")))
    for value in (
        WizardKind("auto"),  # auto placement: the kind that repeats
        WizardItemToggle(lina.items[0].id),
        WizardItemsDone(),
        WizardAudience("all"),
        WizardSchedule(mode),  # type: ignore[arg-type]
    ):
        await tap(lina.person, message["message_id"], value)
    example = {"en": "fri 20:00", "zh_Hans": "周五 20:00"}[language]
    asked = await lina.person.wait_for_change(
        message["message_id"], lambda m: "20:00" in text_of(m) and "/" not in text_of(m)[:1]
    )
    if mode == "weekly":
        assert example in text_of(asked)
    preview = await lina.person.ask(typed, lambda m: expected in text_of(m))
    assert typed.split()[-1] in text_of(preview)
    if language == "zh_Hans":  # the stored rule ("daily 21:55") never shows through
        assert "daily" not in text_of(preview) and "weekly" not in text_of(preview)

"""Lina's /campaign wizard is a flow: it survives a restart, times out by its stated rule, ends
with /cancel, asks for buttons where it waits for one, and refuses presses of other steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.app import BotEndpoint, Runtime, running
from bot.campaigns.callbacks import (
    WizardAudience,
    WizardConfirm,
    WizardItemsDone,
    WizardItemToggle,
    WizardKind,
    WizardSchedule,
)
from bot.config import Settings
from bot.demo.catalogue import DEMO_EXPERT_ID
from bot.domain.callbacks import encode
from tests.auxil.campaigns import lina_in, toast
from tests.auxil.sim import Sim, buttons_of, plant_button, text_of
from tests.conftest import BOT_TOKEN
from tests.journeys.test_campaign_push import tap
from tests.journeys.test_flows import _age_flow


def kind_question(message: dict[str, Any]) -> bool:
    return "kind of campaign" in text_of(message)


async def test_the_wizard_goes_on_after_the_bot_restarts(
    settings: Settings, sandbox: Any, sim: Sim, tmp_path: Path
) -> None:
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)
    async with running(settings, endpoint) as first:
        lina = await lina_in(first, sim, tmp_path, "en")
        item = lina.items[0]
        message = await lina.person.ask("/campaign", kind_question)
        for value in (
            WizardKind("push"),
            WizardItemToggle(item.id),
            WizardItemsDone(),
            WizardAudience("all"),
            WizardSchedule("at"),
        ):
            await tap(lina.person, message["message_id"], value)
        await lina.person.wait_for_change(
            message["message_id"], lambda m: "Type the time" in text_of(m)
        )
    # The bot is down; it comes back on the same database and Lina types the time.

    async with running(settings, endpoint) as second:
        preview = await lina.person.ask(
            "2099-01-01 10:00", lambda m: "Starts 2099-01-01 10:00" in text_of(m)
        )
        assert item.title in text_of(preview)
        scheduled = await tap(lina.person, preview["message_id"], WizardConfirm())
        assert "is scheduled for 2099-01-01 10:00" in text_of(scheduled)
        (campaign,) = await second.services.repos.campaigns.for_expert(lina.expert.id)
        assert campaign.item_ids == (item.id,) and campaign.status == "scheduled"


async def test_a_wizard_left_alone_for_half_an_hour_ends_by_its_stated_rule(
    vitrine: Runtime, sim: Sim, tmp_path: Path
) -> None:
    lina = await lina_in(vitrine, sim, tmp_path, "en")
    await lina.person.ask("/campaign", kind_question)
    await _age_flow(vitrine, DEMO_EXPERT_ID, minutes=31)
    answer = await lina.person.ask("hello")
    assert "more than 30 minutes" in text_of(answer) and "/campaign" in text_of(answer)
    assert "only understand commands" in text_of(await lina.person.ask("hello"))

    # A button of a wizard past its timeout is outdated.
    kinds = await lina.person.ask("/campaign", kind_question)
    await _age_flow(vitrine, DEMO_EXPERT_ID, minutes=31)
    pressed = await lina.person.press_answered(kinds, encode(WizardKind("push")))
    assert toast(pressed) == vitrine.services.texts.label("en", "campaign.wizard_over")
    assert kind_question(await lina.person.message(kinds["message_id"]))  # left as it was


async def test_cancel_drops_the_draft_and_typed_text_is_asked_to_use_the_buttons(
    vitrine: Runtime, sim: Sim, tmp_path: Path
) -> None:
    lina = await lina_in(vitrine, sim, tmp_path, "zh_Hans")
    kinds = await lina.person.ask("/campaign", lambda m: "选择活动类型" in text_of(m))
    assert "请用上面的按钮选择" in text_of(await lina.person.ask("你好"))
    assert "已放弃本次活动" in text_of(await lina.person.ask("/cancel"))
    pressed = await lina.person.press_answered(kinds, encode(WizardKind("push")))
    assert toast(pressed) == vitrine.services.texts.label("zh_Hans", "campaign.wizard_over")
    assert "没有可以取消" in text_of(await lina.person.ask("/cancel"))


async def test_a_press_counts_only_at_its_own_step_and_forged_choices_are_refused(
    vitrine: Runtime, sim: Sim, sandbox: Any, tmp_path: Path
) -> None:
    lina = await lina_in(vitrine, sim, tmp_path, "en")
    stale = vitrine.services.texts.label("en", "campaign.stale")
    message = await lina.person.ask("/campaign", kind_question)
    for value in (WizardKind("push"), WizardItemToggle(lina.items[0].id), WizardItemsDone()):
        await tap(lina.person, message["message_id"], value)
    audience = await lina.person.wait_for_change(
        message["message_id"],
        lambda m: encode(WizardAudience("all")) in [b.get("callback_data") for b in buttons_of(m)],
    )
    # The kind question is over: its button (as an old message would carry it) is outdated.
    plant_button(sandbox, DEMO_EXPERT_ID, message["message_id"], encode(WizardKind("account")))
    pressed = await lina.person.press_answered(audience, encode(WizardKind("account")))
    assert toast(pressed) == vitrine.services.texts.label("en", "campaign.wizard_over")
    # A push always pushes: "no push" is not offered, and a forged one is refused.
    assert encode(WizardAudience("none")) not in [
        b.get("callback_data") for b in buttons_of(audience)
    ]
    plant_button(sandbox, DEMO_EXPERT_ID, message["message_id"], encode(WizardAudience("none")))
    pressed = await lina.person.press_answered(audience, encode(WizardAudience("none")))
    assert toast(pressed) == stale
    # Still at the audience: the offered choice goes on to the schedule.
    shown = await tap(lina.person, message["message_id"], WizardAudience("all"))
    assert "When should it go out?" in text_of(shown)

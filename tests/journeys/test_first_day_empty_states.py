"""Empty screens of the first day say what to do next, carry no buttons, and are accepted by
Telegram (the sandbox) — in both languages; and the fixes the first-day walk led to."""

from __future__ import annotations

import pytest

from bot.app import Runtime
from bot.campaigns.callbacks import WizardKind
from bot.domain.callbacks import TopPage, Unfollow, encode
from tests.auxil.screens import BotWatch, ScreenWalker, callback_data
from tests.auxil.sim import Message, Sim, SimUser, text_of
from tests.journeys.test_first_day import LANGUAGES, approved_expert

FAN_ID = 2201


def walker_for(vitrine: Runtime, sim: Sim) -> ScreenWalker:
    return ScreenWalker(vitrine, sim, BotWatch(vitrine.application))


def assert_clean(walker: ScreenWalker) -> None:
    assert walker.watch.errors == []
    assert walker.refused == []
    assert walker.unanswered == []


def only(messages: list[Message]) -> Message:
    assert len(messages) == 1, messages
    return messages[0]


async def new_fan(walker: ScreenWalker, sim: Sim, code: str) -> SimUser:
    fan = await sim.user(FAN_ID, "Mia", code)
    await walker.say(fan, "/start")
    return fan


@LANGUAGES
@pytest.mark.parametrize(
    ("command", "next_steps", "buttons"),
    [
        ("/cart", ("🛒", "/foryou", "/experts"), False),
        ("/favorites", ("♡", "/foryou", "/top", "/experts"), False),
        ("/following", ("/experts", "?start="), False),
        ("/foryou", ("/interests", "/experts"), False),
        ("/top", ("/experts", "/foryou"), True),  # the other boards stay a tap away
    ],
)
async def test_a_new_fans_empty_screens_point_to_the_next_step(
    vitrine: Runtime,
    sim: Sim,
    language: str,
    code: str,
    command: str,
    next_steps: tuple[str, ...],
    buttons: bool,
) -> None:
    walker = walker_for(vitrine, sim)
    fan = await new_fan(walker, sim, code)
    answer = only(await walker.say(fan, command))
    assert all(step in text_of(answer) for step in next_steps), text_of(answer)
    assert bool(answer.get("reply_markup")) == buttons
    assert_clean(walker)


async def test_the_following_screen_names_the_bots_own_deep_link(
    vitrine: Runtime, sim: Sim
) -> None:
    walker = walker_for(vitrine, sim)
    fan = await new_fan(walker, sim, "en")
    answer = only(await walker.say(fan, "/following"))
    assert f"t.me/{vitrine.application.bot.username}?start=" in text_of(answer)


@LANGUAGES
async def test_a_new_experts_window_asks_for_the_first_item(
    vitrine: Runtime, sim: Sim, language: str, code: str
) -> None:
    walker = walker_for(vitrine, sim)
    lina, _admin = await approved_expert(vitrine, walker, sim, code)
    answer = only(await walker.say(lina, "/mywindow"))
    assert "/publish" in text_of(answer)
    assert not answer.get("reply_markup")
    assert_clean(walker)


@LANGUAGES
async def test_unfollowing_the_last_expert_says_so_and_offers_experts(
    vitrine: Runtime, sim: Sim, language: str, code: str
) -> None:
    walker = walker_for(vitrine, sim)
    repos = vitrine.services.repos
    owner = await repos.users.upsert_from_telegram(3301, "Kai", None, code)
    kai = await repos.experts.create(
        user_id=owner.id,
        handle="kai_cars",
        display_name="Kai Motors",
        vertical="cars",
        tags=["ev"],
        bio="Electric cars, driven and reviewed.",
        status="verified",
    )
    fan = await new_fan(walker, sim, code)
    await walker.say(fan, "/start kai_cars")  # the deep link follows Kai
    following = only(await walker.say(fan, "/following"))
    unfollow = encode(Unfollow(kai.id, "browse"))
    assert unfollow in callback_data(following)

    edited = await walker.press(fan, following, unfollow)
    assert "Kai Motors" in text_of(edited) and "/experts" in text_of(edited)
    assert not edited.get("reply_markup"), "no expert left, so no buttons left"
    assert await repos.follows.status(
        (await repos.users.by_telegram_id(fan.id)).id,  # type: ignore[union-attr]
        kai.id,
    ) == (False, False)
    assert_clean(walker)


async def test_pressing_what_is_already_shown_sends_no_edit(vitrine: Runtime, sim: Sim) -> None:
    walker = walker_for(vitrine, sim)
    fan = await new_fan(walker, sim, "en")
    board = only(await walker.say(fan, "/top"))
    edits_before = len(await sim.calls("editMessageText"))
    shown = encode(TopPage("", "hot24h", 0))  # the board the message already shows
    await walker.press(fan, board, shown)
    assert len(await sim.calls("editMessageText")) == edits_before
    await walker.press(fan, board, encode(TopPage("", "hot7d", 0)))  # another board: edited
    assert len(await sim.calls("editMessageText")) == edits_before + 1
    assert_clean(walker)


async def test_campaign_again_in_the_middle_of_the_wizard_starts_it_over(
    vitrine: Runtime, sim: Sim
) -> None:
    walker = walker_for(vitrine, sim)
    lina, _admin = await approved_expert(vitrine, walker, sim, "en")
    kinds = only(await walker.say(lina, "/campaign"))
    account = encode(WizardKind("account"))
    await walker.press(lina, kinds, account)  # on to the audience question
    again = only(await walker.say(lina, "/campaign"))
    assert account in callback_data(again), text_of(again)
    assert_clean(walker)

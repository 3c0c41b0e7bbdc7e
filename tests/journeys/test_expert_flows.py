"""/become_expert and the window's edit are flows too: the answers so far survive a restart, a
button of a step that is over is outdated, and an edit left alone ends by its stored clock."""

from __future__ import annotations

from typing import Any

from bot.app import BotEndpoint, Runtime, running
from bot.config import Settings
from bot.domain.callbacks import encode
from bot.experts.callbacks import (
    ApplyTag,
    ApplyTagsDone,
    ApplyVertical,
    EditItemField,
    WindowAction,
)
from handlers.expert.window import EDIT_TIMEOUT
from tests.auxil.sim import Sim, plant_button, text_of
from tests.conftest import BOT_TOKEN
from tests.journeys.test_expert_supply_side import has, press_and_see, press_and_wait
from tests.journeys.test_publish_flow_clock import age_flow, verified


async def test_an_application_goes_on_after_a_restart_and_old_buttons_are_outdated(
    settings: Settings, sandbox: Any, sim: Sim
) -> None:
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)
    lina = await sim.user(3301, "Lina", "en")
    async with running(settings, endpoint):
        await lina.ask("/become_expert", has("choose your handle"))
        await lina.ask("Lina_Flow", has("display name"))
        verticals = await lina.ask("Lina Chen", has("vertical"))
    # Down and up again on the same database: the handle and name were kept.
    async with running(settings, endpoint) as again:
        tags = await press_and_see(lina, verticals, encode(ApplyVertical("beauty")), "ability tags")
        tags = await press_and_see(lina, tags, encode(ApplyTag("skincare")), "Chosen: Skincare")
        await press_and_wait(lina, tags, encode(ApplyTagsDone()), "short bio")
        # The vertical's step is over: its button (kept by an old client) no longer chooses.
        stale = encode(ApplyVertical("food"))
        plant_button(sandbox, lina.id, verticals["message_id"], stale)
        answered = await lina.press_answered(verticals, stale)
        assert "out of date" in (answered.get("text") or "")
        sent = await lina.ask("Ten years of testing serums on sensitive skin.", has("admins"))
        assert "@Lina_Flow is with the admins" in text_of(sent)
        profile = await again.services.repos.experts.by_handle("lina_flow")
        assert profile is not None
        assert (profile.display_name, profile.vertical, profile.tags) == (
            "Lina Chen",
            "beauty",
            ("skincare",),
        )


async def test_an_edit_left_alone_ends_and_changes_nothing(vitrine: Runtime, sim: Sim) -> None:
    user_id = await verified(vitrine, 3302, "chef_edit")
    repos = vitrine.services.repos
    profile = await repos.experts.by_user(user_id)
    assert profile is not None
    item = await repos.items.create(
        expert_id=profile.id,
        partner_key="tmall",
        partner_item_id="445566",
        canonical_url="https://detail.tmall.com/item.htm?id=445566",
        title="Cast iron wok 32 cm",
        reason="Heats evenly and seasons well after a few uses.",
        price_fen=19900,
        stock=8,
    )
    chef = await sim.user(3302, "Chef", "en")
    window = await chef.ask("/mywindow", has("Your window"))
    card = await press_and_wait(chef, window, encode(WindowAction(item.id, "menu")), "Cast iron")
    await press_and_wait(chef, card, encode(EditItemField(item.id, "price")), "new price")
    await age_flow(vitrine, user_id, EDIT_TIMEOUT.total_seconds() + 60)
    expired = await chef.ask("99")
    assert "nothing was changed" in text_of(expired)
    assert (await repos.items.get(item.id)).price_fen == 19900  # type: ignore[union-attr]
    assert await repos.bot_state.get(f"flow:{user_id}") is None

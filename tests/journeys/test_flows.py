"""Multi-step conversations kept in the database: they survive a restart, time out by a stated
rule, end with /cancel, and a button of a step that is over is answered as outdated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.app import BotEndpoint, Runtime, running
from bot.config import Settings
from bot.domain.callbacks import encode
from bot.orders.callbacks import MerchantPlatform
from tests.auxil.sim import Sim, text_of
from tests.conftest import BOT_TOKEN
from tests.journeys.test_expert_supply_side import has


async def _age_flow(runtime: Runtime, telegram_id: int, minutes: float) -> None:
    """Make the person's flow look `minutes` older (as if they had gone quiet that long)."""
    repos = runtime.services.repos
    user = await repos.users.by_telegram_id(telegram_id)
    assert user is not None
    key = f"flow:{user.id}"
    row: dict[str, Any] = await repos.bot_state.get(key)
    row["updated_at"] -= minutes * 60
    await repos.bot_state.put(key, row)


async def test_a_shop_registration_goes_on_after_the_bot_restarts(
    settings: Settings, sandbox: Any, sim: Sim
) -> None:
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)
    owner = await sim.user(6201, "Wu", "en")
    async with running(settings, endpoint):
        await owner.ask("/become_merchant", has("Which platform"))
        await owner.ask("Tmall", has("shop id"))
        await owner.ask("5550201", has("name"))
    async with running(settings, endpoint) as again:
        await owner.ask("Wu's corner", has("Where should order notices go"))
        await owner.ask("here", has("waiting for an admin"))
        user = await again.services.repos.users.by_telegram_id(6201)
        assert user is not None
        [shop] = await again.services.repos.merchants.of_user(user.id)
        assert (shop.partner_key, shop.shop_id, shop.name) == ("tmall", "5550201", "Wu's corner")


async def test_a_registration_left_alone_for_half_an_hour_ends_at_the_next_message(
    vitrine: Runtime, sim: Sim
) -> None:
    owner = await sim.user(6202, "Lu", "en")
    await owner.ask("/become_merchant", has("Which platform"))
    await owner.ask("Taobao", has("shop id"))
    await _age_flow(vitrine, 6202, minutes=31)
    reply = await owner.ask("5550202")
    assert "waited more than 30 minutes" in text_of(reply)
    # The id was not taken as the answer, and nothing was registered.
    user = await vitrine.services.repos.users.by_telegram_id(6202)
    assert user is not None and await vitrine.services.repos.merchants.of_user(user.id) == []
    assert "only understand commands" in text_of(await owner.ask("hello"))


async def test_cancel_ends_the_flow_and_its_buttons_are_then_outdated(
    vitrine: Runtime, sim: Sim
) -> None:
    owner = await sim.user(6203, "小陈", "zh-hans")
    prompt = await owner.ask("/become_merchant", has("哪个平台"))
    assert "未保存" in text_of(await owner.ask("/cancel"))
    answer = await owner.press_answered(prompt, encode(MerchantPlatform("tmall")))
    assert "已经结束" in (answer.get("text") or "")
    assert "没有可以取消" in text_of(await owner.ask("/cancel"))
    # Typed text is no longer read as an answer.
    assert "只能理解" in text_of(await owner.ask("天猫"))


async def test_a_command_mid_flow_runs_and_the_flow_waits(vitrine: Runtime, sim: Sim) -> None:
    owner = await sim.user(6204, "Ma", "en")
    await owner.ask("/become_merchant", has("Which platform"))
    assert "/foryou" in text_of(await owner.ask("/help"))
    assert "shop id" in text_of(await owner.ask("Weimai"))
    # A sticker-like message (here: a photo) where text is expected gets a nudge, not an error.
    from tests.journeys.test_expert_supply_side import png

    assert "answer the question above" in text_of(await owner.ask_photo(png()))


def test_every_flow_names_a_timeout(tmp_path: Path) -> None:
    import handlers  # noqa: F401 - importing the handlers defines every flow
    from handlers.flows import _FLOWS

    assert _FLOWS and all(flow.timeout.total_seconds() > 0 for flow in _FLOWS.values())


async def _step(runtime: Runtime, telegram_id: int) -> str:
    user = await runtime.services.repos.users.by_telegram_id(telegram_id)
    assert user is not None
    row: dict[str, Any] = await runtime.services.repos.bot_state.get(f"flow:{user.id}")
    return str(row["step"])


async def test_each_question_arrives_only_once_its_step_is_stored(
    vitrine: Runtime, sim: Sim
) -> None:
    """A person who answers the moment a question shows (or whose answer another process takes)
    must find the flow already at that question: the step is stored before it is asked."""
    owner = await sim.user(6205, "Qin", "en")
    await owner.ask("/become_merchant", has("Which platform"))
    assert await _step(vitrine, 6205) == "platform"
    await owner.ask("Tmall", has("shop id"))
    assert await _step(vitrine, 6205) == "shop"
    await owner.ask("5550205", has("name"))
    assert await _step(vitrine, 6205) == "name"
    await owner.ask("Qin's stall", has("Where should order notices go"))
    assert await _step(vitrine, 6205) == "chat"
    applicant = await sim.user(6206, "Ren", "en")
    await applicant.ask("/become_expert", has("choose your handle"))
    assert await _step(vitrine, 6206) == "handle"
    await applicant.ask("Ren_Cooks", has("display name"))
    assert await _step(vitrine, 6206) == "name"
    await applicant.ask("Ren Cooks", has("vertical"))
    assert await _step(vitrine, 6206) == "vertical"

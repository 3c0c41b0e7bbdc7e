"""`vitrine run` without a token creates every demo person in the sandbox, so no demo notice is lost."""

from __future__ import annotations

from pathlib import Path

from bot.app import Runtime
from bot.config import Settings
from bot.demo.catalogue import (
    DEMO_ADMIN_ID,
    DEMO_EXPERT_ID,
    DEMO_EXPERTS,
    DEMO_FAN_ID,
    DEMO_MERCHANT_ID,
    DEMO_SHOPS,
)
from bot.demo.seed import create_demo_users, refresh_demo_menus, seed_into
from tests.auxil.sim import Sim


async def test_every_demo_expert_and_shop_owner_can_receive_messages(
    settings: Settings, sandbox: object, sim: Sim
) -> None:
    await create_demo_users(sandbox.url, settings)  # type: ignore[attr-defined]
    await create_demo_users(sandbox.url, settings)  # twice is harmless  # type: ignore[attr-defined]
    body = (await sim.http.get("/sim/users")).json()
    people = body["users"] if isinstance(body, dict) else body
    ids = sorted(person["id"] for person in people)
    expected = (
        {1001, 1002, 1003, 1004}
        | {e.telegram_id for e in DEMO_EXPERTS}
        | {owner for *_rest, owner in DEMO_SHOPS.values()}
    )
    assert ids == sorted(expected)


async def test_a_new_start_keeps_the_demo_people_as_they_are(
    settings: Settings, sandbox: object, sim: Sim
) -> None:
    await create_demo_users(sandbox.url, settings)  # type: ignore[attr-defined]
    # On the chat page the fan switched to English; the sandbox kept it across a restart.
    await sim.user(DEMO_FAN_ID, "小美", "en")
    await create_demo_users(sandbox.url, settings)  # the next `vitrine run`  # type: ignore[attr-defined]
    fan = (await sim.http.get(f"/sim/users/{DEMO_FAN_ID}")).json()
    assert (fan["first_name"], fan["language_code"]) == ("小美", "en")
    lina = (await sim.http.get(f"/sim/users/{DEMO_EXPERT_ID}")).json()
    assert (lina["first_name"], lina["language_code"]) == ("Lina", "zh-hans")


async def test_the_demo_experts_merchant_and_admin_have_their_menus_once_started(
    vitrine: Runtime, sandbox: object, sim: Sim, tmp_path: Path
) -> None:
    await seed_into(vitrine.services.repos, tmp_path / "photos")
    await create_demo_users(sandbox.url, vitrine.services.settings)  # type: ignore[attr-defined]
    await refresh_demo_menus(vitrine.application.bot, vitrine.services)

    async def menu(telegram_id: int) -> dict[str, str]:
        params = {"language_code": "en", "user_id": telegram_id}
        response = await sim.http.get("/sim/commands", params=params)
        return {c["command"]: c["description"] for c in response.json()}

    assert "publish" not in await menu(DEMO_FAN_ID)
    lina = await menu(DEMO_EXPERT_ID)  # Lina uses the bot in Chinese
    assert lina["publish"] == "推荐商品" and "become_expert" not in lina
    for expert in DEMO_EXPERTS:
        assert "campaign" in await menu(expert.telegram_id)
    assert "orders" in await menu(DEMO_MERCHANT_ID)
    assert "audit" in await menu(DEMO_ADMIN_ID)

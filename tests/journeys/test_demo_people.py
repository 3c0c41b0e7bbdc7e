"""`vitrine run` without a token creates every demo person in the sandbox, so no demo notice is lost."""

from __future__ import annotations

from bot.config import Settings
from bot.demo import DEMO_EXPERTS, DEMO_SHOPS, create_demo_users
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

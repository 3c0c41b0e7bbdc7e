"""The partners table mirrors the configured whitelist from the first start (shops refer to it)."""

from __future__ import annotations

from bot.config import Settings
from bot.experts.publishing import partner_whitelist
from bot.services import Services


async def test_a_fresh_platform_knows_its_partners_before_anyone_publishes(
    settings: Settings,
) -> None:
    services = await Services.start(settings)
    try:
        keys = await services.repos.partners.keys()
        assert sorted(keys) == sorted(p.key for p in partner_whitelist(services))
        # A shop can be registered on a platform no item has used yet.
        user = await services.repos.users.upsert_from_telegram(6201, "Bo", None, "en")
        shop = await services.repos.merchants.create(
            user_id=user.id,
            partner_key="weimai",
            shop_id="W-1",
            name="Bo's Gadgets",
            notice_chat_id=6201,
        )
        assert shop.status == "pending"
    finally:
        await services.close()


async def test_starting_again_keeps_one_row_per_partner(settings: Settings) -> None:
    for _ in range(2):
        services = await Services.start(settings)
        keys = await services.repos.partners.keys()
        await services.close()
    assert len(keys) == len(set(keys)) == len(partner_whitelist(services))

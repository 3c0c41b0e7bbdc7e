"""The publisher survives a restart: the expert carries on where they were."""

from __future__ import annotations

from bot.app import BotEndpoint, running
from bot.config import Settings
from bot.domain.callbacks import encode
from bot.experts.callbacks import PublishDecision, PublishShop
from tests.auxil.sim import Sim, text_of
from tests.conftest import BOT_TOKEN
from tests.journeys.test_expert_supply_side import png, press_and_wait


async def test_publish_resumes_after_a_restart(
    settings: Settings, sandbox: object, sim: Sim
) -> None:
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)  # type: ignore[attr-defined]
    chef = await sim.user(3101, "Mei", "en")

    async with running(settings, endpoint) as first:
        user = await first.services.repos.users.upsert_from_telegram(3101, "Mei", None, "en")
        expert = await first.services.repos.experts.create(
            user_id=user.id,
            handle="chef_mei2",
            display_name="Chef Mei",
            vertical="food",
            tags=[],
            bio="Home cooking for busy people.",
            status="verified",
        )
        assert "Send a photo" in text_of(await chef.ask("/publish"))
        assert "title" in text_of(await chef.ask_photo(png()))
        assert "Why do you recommend it" in text_of(await chef.ask("Cast iron wok 32 cm"))
    # The bot is down; it comes back on the same database.

    async with running(settings, endpoint) as second:
        assert "price" in text_of(await chef.ask("Heats evenly and seasons well after a few uses."))
        assert "in stock" in text_of(await chef.ask("199"))
        assert "Paste the product" in text_of(await chef.ask("8"))
        shops = await chef.ask("https://item.taobao.com/item.htm?id=778899")
        assert "Which shop sells it?" in text_of(shops)
        preview = await press_and_wait(chef, shops, encode(PublishShop(None)), "Preview")
        assert "Cast iron wok 32 cm" in text_of(preview) and "¥199.00" in text_of(preview)
        await press_and_wait(chef, preview, encode(PublishDecision(True)), "Published")
        items, total = await second.services.repos.items.window(expert.id, offset=0, limit=5)
        assert (
            total == 1 and items[0].title == "Cast iron wok 32 cm" and items[0].price_fen == 19900
        )
        assert items[0].photo_file_id  # the photo sent before the restart


async def test_cancel_ends_the_publisher_and_forgets_the_draft(vitrine, sim: Sim) -> None:  # type: ignore[no-untyped-def]
    repos = vitrine.services.repos
    user = await repos.users.upsert_from_telegram(3102, "Bo", None, "en")
    await repos.experts.create(
        user_id=user.id,
        handle="bo_tech",
        display_name="Bo",
        vertical="digital",
        tags=[],
        bio="Gadgets, tested.",
        status="verified",
    )
    bo = await sim.user(3102, "Bo", "en")
    await bo.ask("/publish")
    await bo.ask_photo(png())
    assert "nothing was published" in text_of(await bo.ask("/cancel"))
    assert await repos.bot_state.get(f"draft:publish:{user.id}") is None
    # Text after cancelling is no longer read as a title.
    assert "Why do you recommend it" not in text_of(await bo.ask("Some title here"))

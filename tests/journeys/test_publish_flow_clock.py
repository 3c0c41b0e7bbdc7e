"""The publisher is a flow: a restart resumes it at its step, and its timeout runs on the clock
stored in the database, so a restart neither loses the draft nor resets the time left."""

from __future__ import annotations

from typing import Any

from bot.app import BotEndpoint, Runtime, running
from bot.config import Settings
from handlers.expert.publish import PUBLISH_TIMEOUT
from tests.auxil.sim import Sim, text_of
from tests.conftest import BOT_TOKEN
from tests.journeys.test_expert_supply_side import has, png


async def verified(runtime: Runtime, telegram_id: int, handle: str) -> int:
    repos = runtime.services.repos
    user = await repos.users.upsert_from_telegram(telegram_id, handle, None, "en")
    await repos.experts.create(
        user_id=user.id,
        handle=handle,
        display_name=handle.title(),
        vertical="food",
        tags=[],
        bio="Home cooking for busy people.",
        status="verified",
    )
    return user.id


async def age_flow(runtime: Runtime, user_id: int, seconds: float) -> None:
    """Make the person's last step look `seconds` older, as if they had gone quiet that long."""
    key = f"flow:{user_id}"
    row: dict[str, Any] = await runtime.services.repos.bot_state.get(key)
    row["updated_at"] -= seconds
    await runtime.services.repos.bot_state.put(key, row)


async def test_a_restart_resumes_at_the_step_and_keeps_the_stored_clock(
    settings: Settings, sandbox: Any, sim: Sim
) -> None:
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)
    chef = await sim.user(3201, "Mei", "en")
    async with running(settings, endpoint) as first:
        user_id = await verified(first, 3201, "chef_clock")
        await chef.ask("/publish", has("Send a photo"))
        await chef.ask_photo(png(), has("title"))
        await chef.ask("Cast iron wok 32 cm", has("Why do you recommend it"))
        position = await first.services.repos.bot_state.get(f"flow:{user_id}")
        assert (position["flow"], position["step"]) == ("publish", "reason")
        # Quiet for almost the whole timeout before the bot goes down.
        await age_flow(first, user_id, PUBLISH_TIMEOUT.total_seconds() - 60)

    async with running(settings, endpoint) as second:
        # Still within the timeout: the answer is taken at the step it belongs to.
        await chef.ask("Heats evenly and seasons well after a few uses.", has("price"))
        draft = await second.services.repos.bot_state.get(f"draft:publish:{user_id}")
        assert draft["title"] == "Cast iron wok 32 cm" and draft["reason"].startswith("Heats")
        # Now the stored clock runs past the timeout, across another restart.
        await age_flow(second, user_id, PUBLISH_TIMEOUT.total_seconds() + 60)

    async with running(settings, endpoint) as third:
        expired = await chef.ask("199")
        assert "waited more than 24 hours" in text_of(expired)
        repos = third.services.repos
        assert await repos.bot_state.get(f"flow:{user_id}") is None
        assert await repos.bot_state.get(f"draft:publish:{user_id}") is None
        # The price was not taken as an answer: nothing is waiting any more.
        assert "price" not in text_of(await chef.ask("199"))

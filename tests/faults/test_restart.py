"""A restart of the bot and of Telegram's stand-in mid-campaign: people, photos and sends go on.

`make run` keeps the sandbox's state in the data directory, as Telegram keeps users, chats and
file ids while a bot restarts; the bot keeps its outbox. After both are stopped and started:
the same fans see item cards again (by the same photo file id, nothing re-uploaded) and the
campaign's remaining messages arrive, each fan's exactly once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.campaigns.jobs import campaigns_of
from tests.auxil.sim import Sim, text_of
from tests.faults.conftest import (
    bot_against,
    bot_messages_per_chat,
    create_push,
    fast_settings,
    make_sim_users,
    seed_campaign_audience,
    wait_for,
)

FANS = list(range(900_000, 900_150))
BROWSER = 910_001


def _photo_sends(sandbox: Any) -> list[dict[str, Any]]:
    return [c for c in list(sandbox.sandbox.calls) if c["method"].lower() == "sendphoto"]


async def test_cards_and_a_half_sent_campaign_survive_stopping_the_bot_and_the_sandbox(
    tmp_path: Path,
) -> None:
    from sandbox.server import SandboxServer

    state = tmp_path / "sandbox-state"
    settings = fast_settings(tmp_path)
    with SandboxServer(limits="telegram", state_dir=state) as sandbox:
        await make_sim_users(sandbox.url, [*FANS, BROWSER])
        async with bot_against(sandbox, settings) as runtime:
            repos = runtime.services.repos
            expert_id, item_id = await seed_campaign_audience(repos, tmp_path / "photos", FANS)
            sim = Sim(sandbox.url)
            browser = await sim.user(BROWSER, "Ann", "en")
            first_card = await browser.ask("/window lina_beauty", lambda m: m.get("photo"))
            campaign_id = await create_push(repos, expert_id, item_id)
            assert await campaigns_of(runtime.application.bot_data).fire(campaign_id) == len(FANS)

            async def some_sent() -> bool:
                return (await repos.outbox.campaign_counts(campaign_id)).get("sent", 0) >= 30

            await wait_for(some_sent, timeout=60)
            await sim.close()
        half = (await _counts(settings, campaign_id)).get("sent", 0)
        assert 30 <= half < len(FANS)  # stopped half way

    with SandboxServer(limits="telegram", state_dir=state) as sandbox:
        async with bot_against(sandbox, settings) as runtime:
            repos = runtime.services.repos
            sim = Sim(sandbox.url)
            browser = await sim.user(BROWSER, "Ann", "en")
            assert any(
                m["message_id"] == first_card["message_id"] for m in await browser.transcript()
            )
            card = await browser.ask("/window lina_beauty", lambda m: m.get("photo"))
            assert "Sorry" not in text_of(card)
            item = await repos.items.get(item_id)
            assert item is not None and item.photo_file_id
            # The photo went by the file id the first run stored: nothing was uploaded again.
            assert [c["params"].get("photo") for c in _photo_sends(sandbox)][:1] == [
                item.photo_file_id
            ]

            async def all_sent() -> bool:
                return (await repos.outbox.campaign_counts(campaign_id)).get("sent") == len(FANS)

            await wait_for(all_sent, timeout=90)
            await sim.close()
        per_chat = bot_messages_per_chat(sandbox)
    assert [fan for fan in FANS if per_chat.get(fan) != 1] == []


async def _counts(settings: Any, campaign_id: int) -> dict[str, int]:
    from storage.database import create_engine
    from storage.repositories import Repositories

    repos = Repositories.build(create_engine(settings.database_url), default_timezone="UTC")
    try:
        return await repos.outbox.campaign_counts(campaign_id)
    finally:
        await repos.engine.dispose()

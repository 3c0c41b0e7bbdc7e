"""A pre-sale: the expert announces an item, fans reserve it, reservers are reminded when it opens."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import Runtime
from bot.campaigns.jobs import campaigns_of
from bot.campaigns.service import Draft, create_campaign
from bot.demo.seed import seed_into
from bot.domain.callbacks import ReservePresale, encode
from tests.auxil.sim import Sim, buttons_of, text_of
from tests.journeys.test_campaign_push import seed_fan


async def test_presale_announcement_reservation_and_opening_reminder(
    vitrine: Runtime, sim: Sim, tmp_path: Path
) -> None:
    repos = vitrine.services.repos
    await seed_into(repos, tmp_path / "photos")
    expert = await repos.experts.by_handle("lina_beauty")
    assert expert is not None
    item = (await repos.items.window(expert.id, offset=0, limit=1))[0][0]
    # No quiet hours: the announcement must reach them whatever the time of day the test runs.
    keen = await seed_fan(
        vitrine, sim, 7101, tags=("skincare",), quiet_start_min=0, quiet_end_min=0
    )
    idle = await seed_fan(
        vitrine, sim, 7102, tags=("skincare",), quiet_start_min=0, quiet_end_min=0
    )

    runtime = campaigns_of(vitrine.application.bot_data)
    now = datetime.now(UTC)
    opens_at = now + timedelta(days=2)
    campaign = await create_campaign(
        vitrine.services,
        expert_id=expert.id,
        tz="Asia/Shanghai",
        draft=Draft(
            kind="presale",
            item_ids=(item.id,),
            tags=(),
            push=True,
            starts_at=now,
            recurrence=None,
            opens_at=opens_at,
        ),
        progress_chat_id=1002,
    )
    await runtime.fire(campaign.id)

    reserve = encode(ReservePresale(item.id, "push"))
    card = await keen.wait_for(
        lambda m: any(b.get("callback_data") == reserve for b in buttons_of(m))
    )
    local_opening = opens_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert f"{local_opening} (Asia/Shanghai time)" in text_of(card)  # never a bare UTC time
    await idle.wait_for(lambda m: any(b.get("callback_data") == reserve for b in buttons_of(m)))

    await keen.press(card, reserve)
    fan_id = (await repos.users.by_telegram_id(7101)).id  # type: ignore[union-attr]
    for _ in range(100):
        if item.id in await repos.reservations.item_ids(fan_id):
            break
        await asyncio.sleep(0.1)
    assert item.id in await repos.reservations.item_ids(fan_id)

    # The opening comes (the job armed for opens_at runs this): only the reserver is reminded.
    assert await runtime.remind_presale(item.id) == 1
    reminder = await keen.wait_for(lambda m: item.title in text_of(m), after=card["message_id"])
    assert reminder["message_id"] > card["message_id"]
    assert await runtime.remind_presale(item.id) == 0  # once only
    idle_texts = [text_of(m) for m in await idle.bot_messages()]
    assert len(idle_texts) == 1  # the announcement, no reminder

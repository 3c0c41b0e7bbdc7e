"""An expert pushes an item to an interest segment and watches it go out; fans' settings hold."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.app import Runtime
from bot.campaigns.callbacks import (
    WizardAudience,
    WizardConfirm,
    WizardItemsDone,
    WizardItemToggle,
    WizardKind,
    WizardSchedule,
    WizardTagsDone,
    WizardTagToggle,
)
from bot.campaigns.jobs import campaigns_of
from bot.demo.catalogue import DEMO_EXPERT_ID
from bot.demo.seed import seed_into
from bot.domain.callbacks import CampaignCancel, CampaignPause, encode
from storage.repositories.fan_settings import FanSettingsRow
from tests.auxil.sim import Sim, SimUser, buttons_of, text_of


async def seed_fan(
    runtime: Runtime, sim: Sim, telegram_id: int, *, tags: tuple[str, ...], **settings: object
) -> SimUser:
    """A fan who follows Lina, with interests and push settings."""
    repos = runtime.services.repos
    fan = await sim.user(telegram_id, f"Fan{telegram_id}", "en")
    user = await repos.users.upsert_from_telegram(telegram_id, f"Fan{telegram_id}", None, "en")
    expert = await repos.experts.by_handle("lina_beauty")
    assert expert is not None
    await repos.follows.follow(user.id, expert.id, "link")
    for tag in tags:
        await repos.interests.toggle(user.id, tag)
    if settings:
        await repos.fan_settings.save(user.id, FanSettingsRow(**settings))  # type: ignore[arg-type]
    return fan


async def wait_until(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.1)):
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not reached")


async def tap(person: SimUser, message_id: int, value: object) -> dict:
    """Press a button once the message shows it (each press edits the wizard message)."""
    data = encode(value)
    shown = await person.wait_for(
        lambda m: (
            m["message_id"] == message_id
            and any(b.get("callback_data") == data for b in buttons_of(m))
        ),
        after=message_id - 1,
    )
    await person.press(shown, data)
    # Wait for the bot's answer (an edit) so the next press finds the conversation moved on.
    return await person.wait_for(
        lambda m: m["message_id"] >= message_id and m.get("seq", 0) > shown.get("seq", 0),
        after=message_id - 1,
    )


async def run_wizard_to_preview(lina: SimUser, item_id: int, tag: str):  # type: ignore[no-untyped-def]
    message = await lina.ask("/campaign", lambda m: "kind of campaign" in text_of(m))
    for value in (
        WizardKind("push"),
        WizardItemToggle(item_id),
        WizardItemsDone(),
        WizardAudience("tags"),
        WizardTagToggle(tag),
        WizardTagsDone(),
        WizardSchedule("now"),
    ):
        await tap(lina, message["message_id"], value)
    return message


async def test_segment_push_respects_interests_quiet_hours_and_digest(
    vitrine: Runtime, sim: Sim, tmp_path: Path
) -> None:
    repos = vitrine.services.repos
    await seed_into(repos, tmp_path / "photos")
    lina = await sim.user(DEMO_EXPERT_ID, "Lina", "en")
    await repos.users.set_language((await repos.users.by_telegram_id(DEMO_EXPERT_ID)).id, "en")  # type: ignore[union-attr]
    expert = await repos.experts.by_handle("lina_beauty")
    window, _ = await repos.items.window(expert.id, offset=0, limit=1)  # type: ignore[union-attr]
    item = window[0]

    skincare_fan = await seed_fan(
        vitrine, sim, 3101, tags=("skincare",), quiet_start_min=0, quiet_end_min=0
    )
    makeup_only_fan = await seed_fan(
        vitrine, sim, 3102, tags=("makeup",), quiet_start_min=0, quiet_end_min=0
    )
    # Quiet all day but the last minute before midnight: whenever the test runs, it is quiet now.
    sleepy_fan = await seed_fan(
        vitrine, sim, 3103, tags=("skincare",), quiet_start_min=0, quiet_end_min=23 * 60 + 59
    )
    digest_fan = await seed_fan(vitrine, sim, 3104, tags=("skincare",), push_mode="digest")

    preview = await run_wizard_to_preview(lina, item.id, "skincare")
    shown = await lina.wait_for(
        lambda m: m["message_id"] == preview["message_id"] and "Audience: 3 fans" in text_of(m),
        after=preview["message_id"] - 1,
    )
    await tap(lina, shown["message_id"], WizardConfirm())

    card = await skincare_fan.wait_for(lambda m: item.title in text_of(m))
    labels = [b["text"] for b in buttons_of(card)]
    assert "🛒 Buy" in labels and "Unfollow" in labels
    assert any("/go/" in b.get("url", "") for b in buttons_of(card))

    progress = await lina.wait_for(
        lambda m: "100%" in text_of(m) and "1 / 3 sent" in text_of(m), timeout=20
    )
    assert "1 waiting for their quiet hours to end" in text_of(progress)
    assert "1 will get it in their daily digest" in text_of(progress)
    assert not any(item.title in text_of(m) for m in await makeup_only_fan.bot_messages())
    assert not any(item.title in text_of(m) for m in await sleepy_fan.bot_messages())
    assert not any(item.title in text_of(m) for m in await digest_fan.bot_messages())

    # Time passes: the quiet hours end and the digest hour comes.
    dispatcher = vitrine.services.outbox.dispatcher
    assert dispatcher is not None
    real_now = dispatcher.now
    dispatcher.now = lambda: real_now() + timedelta(days=1, hours=1)
    dispatcher.wake()
    await sleepy_fan.wait_for(lambda m: item.title in text_of(m), timeout=10)
    assert await campaigns_of(vitrine.application.bot_data).run_digest(dispatcher.now()) == 1
    digest = await digest_fan.wait_for(lambda m: "Your daily picks" in text_of(m), timeout=10)
    assert item.title in text_of(digest)
    # Each fan got the push once, by whichever road.
    assert sum(item.title in text_of(m) for m in await skincare_fan.bot_messages()) == 1
    assert sum(item.title in text_of(m) for m in await sleepy_fan.bot_messages()) == 1


async def test_pause_holds_the_queue_and_cancel_drops_it(
    vitrine: Runtime, sim: Sim, tmp_path: Path
) -> None:
    repos = vitrine.services.repos
    await seed_into(repos, tmp_path / "photos")
    lina = await sim.user(DEMO_EXPERT_ID, "Lina", "en")
    await repos.users.set_language((await repos.users.by_telegram_id(DEMO_EXPERT_ID)).id, "en")  # type: ignore[union-attr]
    expert = await repos.experts.by_handle("lina_beauty")
    window, _ = await repos.items.window(expert.id, offset=0, limit=1)  # type: ignore[union-attr]
    fans = [
        await seed_fan(
            vitrine, sim, 3200 + n, tags=("skincare",), quiet_start_min=0, quiet_end_min=0
        )
        for n in range(4)
    ]

    # Scheduled for later, paused, then cancelled: nobody ever gets it.
    message = await lina.ask("/campaign", lambda m: "kind of campaign" in text_of(m))
    for value in (
        WizardKind("push"),
        WizardItemToggle(window[0].id),
        WizardItemsDone(),
        WizardAudience("all"),
        WizardSchedule("at"),
    ):
        await tap(lina, message["message_id"], value)
    await lina.wait_for(lambda m: "Type the time" in text_of(m), after=message["message_id"] - 1)
    preview = await lina.ask("2099-01-01 10:00", lambda m: "Starts 2099-01-01 10:00" in text_of(m))
    scheduled = await tap(lina, preview["message_id"], WizardConfirm())
    assert "is scheduled for 2099-01-01 10:00" in text_of(scheduled)
    campaign_id = int(text_of(scheduled).split("#")[1].split()[0])

    listing = await lina.ask("/campaigns", lambda m: "Your campaigns" in text_of(m))
    assert f"#{campaign_id}" in text_of(listing) and "scheduled" in text_of(listing)
    await tap(lina, listing["message_id"], CampaignPause(campaign_id))
    await wait_until(lambda: _status(vitrine, campaign_id, "paused"))
    await tap(lina, listing["message_id"], CampaignCancel(campaign_id, False))
    await tap(lina, listing["message_id"], CampaignCancel(campaign_id, True))
    await wait_until(lambda: _status(vitrine, campaign_id, "cancelled"))
    # Firing a cancelled campaign does nothing.
    assert await campaigns_of(vitrine.application.bot_data).fire(campaign_id) is None
    for fan in fans:
        assert not any(window[0].title in text_of(m) for m in await fan.bot_messages())


async def _status(runtime: Runtime, campaign_id: int, status: str) -> bool:
    campaign = await runtime.services.repos.campaigns.get(campaign_id)
    return campaign is not None and campaign.status == status

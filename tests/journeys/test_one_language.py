"""One language per person: notices to someone who is not writing follow their own client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from bot.app import Runtime
from bot.campaigns.jobs import campaigns_of
from bot.campaigns.service import Draft, create_campaign
from bot.demo.catalogue import DEMO_EXPERT_ID, DEMO_MERCHANT_ID, DEMO_SHOPS, demo_people
from bot.demo.seed import create_demo_users, seed_into
from bot.domain.callbacks import ReservePresale, TopPage, decode, encode
from bot.orders.settlement import send_daily_summaries
from storage.schema import users
from tests.auxil.sim import Sim, SimUser, buttons_of, text_of
from tests.journeys.test_campaign_push import seed_fan

CHINESE_OWNER = DEMO_SHOPS["wangtech"][3]  # 小王数码铺's owner uses a Chinese client


async def test_a_new_demo_merchant_reads_their_first_notice_in_their_client_language(
    vitrine: Runtime, sandbox: object, sim: Sim, tmp_path: Path
) -> None:
    # Seeded before they ever wrote: the stored language must already be their client's.
    await seed_into(vitrine.services.repos, tmp_path / "photos")
    await create_demo_users(sandbox.url, vitrine.services.settings)  # type: ignore[attr-defined]
    assert await send_daily_summaries(vitrine.services) == len(DEMO_SHOPS)

    english = await SimUser(sim, DEMO_MERCHANT_ID).wait_for(lambda m: "24" in text_of(m))
    assert "Last 24 hours at Lumière" in text_of(english)
    assert "最近" not in text_of(english)
    chinese = await SimUser(sim, CHINESE_OWNER).wait_for(lambda m: "24" in text_of(m))
    assert "最近 24 小时" in text_of(chinese)


async def test_a_notice_follows_the_client_language_seen_last(
    vitrine: Runtime, sandbox: object, sim: Sim, tmp_path: Path
) -> None:
    await seed_into(vitrine.services.repos, tmp_path / "photos")
    await create_demo_users(sandbox.url, vitrine.services.settings)  # type: ignore[attr-defined]
    # The Chinese owner switches their client to English and writes once.
    owner = await sim.user(CHINESE_OWNER, "小王", "en")
    await owner.ask("/help")
    await send_daily_summaries(vitrine.services)
    summary = await owner.wait_for(lambda m: "24" in text_of(m))
    assert "Last 24 hours at 小王数码铺" in text_of(summary)


# --- times in the reader's zone ---------------------------------------------------------------

READER_ZONE = "America/New_York"  # never the platform's (Asia/Shanghai) nor UTC
LANGUAGES = pytest.mark.parametrize("code", ["en", "zh-hans"])


async def _reader(vitrine: Runtime, sim: Sim, telegram_id: int, code: str) -> SimUser:
    """A fan following Lina whose time zone is New York's, pushes at any hour."""
    fan = await seed_fan(
        vitrine, sim, telegram_id, tags=("skincare",), quiet_start_min=0, quiet_end_min=0
    )
    await sim.user(telegram_id, f"Fan{telegram_id}", code)
    # What the bot records from the client when the fan last wrote.
    await vitrine.services.repos.users.upsert_from_telegram(
        telegram_id, f"Fan{telegram_id}", None, code
    )
    async with vitrine.services.repos.engine.begin() as conn:
        await conn.execute(
            update(users).where(users.c.telegram_id == telegram_id).values(timezone=READER_ZONE)
        )
    return fan


def _wall(moment: datetime, zone: str, fmt: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime(fmt)


@LANGUAGES
async def test_the_presale_ranking_shows_openings_in_the_readers_zone(
    vitrine: Runtime, sim: Sim, tmp_path: Path, code: str
) -> None:
    repos = vitrine.services.repos
    await seed_into(repos, tmp_path / "photos")
    expert = await repos.experts.by_handle("lina_beauty")
    assert expert is not None
    item = (await repos.items.window(expert.id, offset=0, limit=1))[0][0]
    opens_at = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    await repos.items.set_presale_opening(item.id, opens_at)
    fan = await _reader(vitrine, sim, 7201, code)

    board = await fan.ask("/top", lambda m: bool(buttons_of(m)))
    want = next(
        b["callback_data"]
        for b in buttons_of(board)
        if isinstance(decode(b.get("callback_data", "")), TopPage)
        and decode(b["callback_data"]).board == "want"  # type: ignore[attr-defined]
    )
    await fan.press(board, want)
    shown = await fan.wait_for_change(board["message_id"], lambda m: item.title in text_of(m))
    text = text_of(shown)
    assert _wall(opens_at, READER_ZONE, "%m-%d %H:%M") in text
    assert _wall(opens_at, "UTC", "%m-%d %H:%M") not in text and "UTC" not in text
    assert ("reservation" if code == "en" else "人预约") in text


@LANGUAGES
async def test_a_presale_card_shows_the_opening_in_the_readers_zone(
    vitrine: Runtime, sim: Sim, tmp_path: Path, code: str
) -> None:
    repos = vitrine.services.repos
    await seed_into(repos, tmp_path / "photos")
    expert = await repos.experts.by_handle("lina_beauty")
    assert expert is not None
    item = (await repos.items.window(expert.id, offset=0, limit=1))[0][0]
    fan = await _reader(vitrine, sim, 7202, code)
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
    await campaigns_of(vitrine.application.bot_data).fire(campaign.id)
    reserve = encode(ReservePresale(item.id, "push"))
    card = await fan.wait_for(
        lambda m: any(b.get("callback_data") == reserve for b in buttons_of(m))
    )
    text = text_of(card)
    assert _wall(opens_at, READER_ZONE, "%Y-%m-%d %H:%M") in text
    assert READER_ZONE in text and "Asia/Shanghai" not in text
    # The zone is an identifier, shown as typed (the Chinese text around it stays Chinese).
    assert f"<code>{READER_ZONE}</code>" in (card.get("caption_html") or card.get("html") or "")
    assert ("Pre-sale" if code == "en" else "预售") in text


async def test_the_demo_people_are_seeded_as_the_chat_page_shows_them(
    vitrine: Runtime, sandbox: object, sim: Sim, tmp_path: Path
) -> None:
    """The bot's record of each demo person is the sandbox's: same name, same client language,
    so their first message renames nobody and their first notice is in their language."""
    repos = vitrine.services.repos
    await seed_into(repos, tmp_path / "photos")
    await create_demo_users(sandbox.url, vitrine.services.settings)  # type: ignore[attr-defined]
    for telegram_id, (name, code) in demo_people().items():
        user = await repos.users.by_telegram_id(telegram_id)
        if user is None:  # the fan and the admin are met when they first write
            continue
        shown = (await sim.http.get(f"/sim/users/{telegram_id}")).json()
        assert (user.first_name, user.client_language) == (name, code)
        assert (shown["first_name"], shown["language_code"]) == (name, code)
        assert user.language == ("en" if code == "en" else "zh_Hans")
    # Lina writes from the chat page: nothing about her changes.
    lina_before = await repos.users.by_telegram_id(DEMO_EXPERT_ID)
    await SimUser(sim, DEMO_EXPERT_ID).ask("/help")
    assert await repos.users.by_telegram_id(DEMO_EXPERT_ID) == lina_before

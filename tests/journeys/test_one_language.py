"""One language per person: notices to someone who is not writing follow their own client."""

from __future__ import annotations

from pathlib import Path

from bot.app import Runtime
from bot.demo import DEMO_MERCHANT_ID, DEMO_SHOPS, create_demo_users, seed_into
from bot.orders.settlement import send_daily_summaries
from tests.auxil.sim import Sim, SimUser, text_of

CHINESE_OWNER = DEMO_SHOPS["wangtech"][3]  # 小王数码铺's owner uses a Chinese client


async def test_a_new_demo_merchant_reads_their_first_notice_in_their_client_language(
    vitrine: Runtime, sandbox: object, sim: Sim, tmp_path: Path
) -> None:
    # Seeded before they ever wrote: the stored language must already be their client's.
    await seed_into(vitrine.services.repos, tmp_path / "photos")
    await create_demo_users(sandbox.url, vitrine.services.settings)  # type: ignore[attr-defined]
    assert await send_daily_summaries(vitrine.application, vitrine.services) == len(DEMO_SHOPS)

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
    await send_daily_summaries(vitrine.application, vitrine.services)
    summary = await owner.wait_for(lambda m: "24" in text_of(m))
    assert "Last 24 hours at 小王数码铺" in text_of(summary)

"""Fair sharing of Telegram's rate: a second campaign starts at once, a person's reply goes first.

Two experts start campaigns of 3,000 and 300 fans a second apart, with the sandbox enforcing a
bot-wide cap (300/s instead of Telegram's 30/s, to keep the test short; the bot paces to the
same number). The order in which the sandbox served the calls is what is asserted, not time.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import httpx

from bot.campaigns.jobs import campaigns_of
from tests.faults.conftest import (
    bot_against,
    create_push,
    fast_settings,
    make_sim_users,
    seed_campaign_audience,
    wait_for,
)

BIG = list(range(500_000, 503_000))
SMALL = list(range(600_000, 600_300))
ASKER = 700_001  # a fan who types /help while both campaigns send
RATE = 300.0
SEND_METHODS = ("sendphoto", "sendmessage")


def _sends(sandbox: Any) -> list[dict[str, Any]]:
    """Successful message sends in the order the sandbox served them."""
    return [
        call
        for call in list(sandbox.sandbox.calls)
        if call["method"].lower() in SEND_METHODS and call["status"] == 200
    ]


def _chat(call: dict[str, Any]) -> int:
    return int(call["params"]["chat_id"])


async def test_a_small_campaign_finishes_early_beside_a_big_one_and_help_is_answered_first(
    tmp_path: Path,
) -> None:
    from sandbox.server import SandboxServer

    with SandboxServer(
        limits="telegram", per_bot_per_second=RATE, calls_log_size=20_000
    ) as sandbox:
        await make_sim_users(sandbox.url, [*BIG, *SMALL, ASKER])
        settings = fast_settings(tmp_path)
        # Past Telegram's free 30/s only in this test: the sandbox's cap is raised to match.
        settings = dataclasses.replace(
            settings, delivery=dataclasses.replace(settings.delivery, send_rate=RATE)
        )
        async with bot_against(sandbox, settings) as runtime:
            repos = runtime.services.repos
            big_expert, big_item = await seed_campaign_audience(
                repos, tmp_path / "photos", BIG, handle="lina_beauty"
            )
            small_expert, small_item = await seed_campaign_audience(
                repos, tmp_path / "photos", SMALL, handle="techwang"
            )
            big = await create_push(repos, big_expert, big_item)
            small = await create_push(repos, small_expert, small_item)
            campaigns = campaigns_of(runtime.application.bot_data)
            assert await campaigns.fire(big) == len(BIG)
            await asyncio.sleep(1.0)
            assert await campaigns.fire(small) == len(SMALL)

            async with httpx.AsyncClient(base_url=sandbox.url) as http:

                async def some_big_sent() -> bool:
                    return sum(_chat(c) in BIG_SET for c in _sends(sandbox)) > 600

                await wait_for(some_big_sent, timeout=60)
                (
                    await http.post(f"/sim/users/{ASKER}/messages", json={"text": "/help"})
                ).raise_for_status()
                asked_at = max(int(c["seq"]) for c in list(sandbox.sandbox.calls))

            async def both_done() -> bool:
                counts = [await repos.outbox.campaign_counts(c) for c in (big, small)]
                return counts[0].get("sent") == len(BIG) and counts[1].get("sent") == len(SMALL)

            await wait_for(both_done, timeout=120)

    sends = _sends(sandbox)
    big_order = [i for i, call in enumerate(sends) if _chat(call) in BIG_SET]
    small_order = [i for i, call in enumerate(sends) if _chat(call) in SMALL_SET]
    assert len(big_order) == len(BIG) and len(small_order) == len(SMALL)  # once each
    assert small_order[-1] < big_order[1499]  # the small one's last before the big one's 1,500th
    reply = next(i for i, call in enumerate(sends) if _chat(call) == ASKER)
    campaign_before_reply = [
        i for i in (*big_order, *small_order) if int(sends[i]["seq"]) > asked_at and i < reply
    ]
    assert len(campaign_before_reply) < 30
    print(
        f"\nsmall campaign's last message: #{small_order[-1] + 1} of {len(sends)}; "
        f"/help answered after {len(campaign_before_reply)} campaign messages"
    )


BIG_SET = frozenset(BIG)
SMALL_SET = frozenset(SMALL)

"""The dispatcher against the sandbox enforcing Telegram's limits, with injected 429/5xx and blocks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bot.app import Runtime
from bot.campaigns import runs
from bot.campaigns.jobs import campaigns_of
from bot.domain.campaigns import PAUSABLE, RESUMABLE, resumed_status
from bot.domain.states import CampaignStatus
from tests.faults.conftest import (
    bot_against,
    bot_messages_per_chat,
    create_push,
    fast_settings,
    make_sim_users,
    seed_campaign_audience,
    wait_for,
)


async def hold(runtime: Runtime, campaign_id: int) -> None:
    """Pause the campaign as its Pause button does (no ownership to check here)."""
    repos = runtime.services.repos
    assert await repos.campaigns.set_status(campaign_id, CampaignStatus.PAUSED, only_from=PAUSABLE)


async def release(runtime: Runtime, campaign_id: int) -> None:
    """Resume it as its Resume button does: sending again, or scheduled if it never started."""
    repos = runtime.services.repos
    campaign = await repos.campaigns.get(campaign_id)
    assert campaign is not None
    status = resumed_status(started=campaign.started_at is not None)
    assert await repos.campaigns.set_status(campaign_id, status, only_from=RESUMABLE)


async def test_2000_fans_at_telegrams_limits_get_exactly_one_message_and_no_429(
    strict_sandbox: Any, tmp_path: Path
) -> None:
    fans = range(100_000, 102_000)
    await make_sim_users(strict_sandbox.url, fans)
    async with bot_against(strict_sandbox, fast_settings(tmp_path)) as runtime:
        repos = runtime.services.repos
        expert_id, item_id = await seed_campaign_audience(repos, tmp_path / "photos", fans)
        campaign_id = await create_push(repos, expert_id, item_id)
        assert await campaigns_of(runtime.application.bot_data).fire(campaign_id) == 2000

        async def all_sent() -> bool:
            return (await repos.outbox.campaign_counts(campaign_id)).get("sent", 0) == 2000

        await wait_for(all_sent, timeout=150)
        stats = runtime.services.outbox.dispatcher.stats  # type: ignore[union-attr]
        assert stats.rate_limited == 0  # paced under the limits: Telegram never had to say 429
        assert stats.failed == 0
    counts = bot_messages_per_chat(strict_sandbox)
    assert [f for f in fans if counts.get(f) != 1] == []


async def test_injected_429_and_5xx_still_deliver_once_and_blocked_fans_are_not_retried(
    tmp_path: Path,
) -> None:
    from sandbox.server import SandboxServer

    fans = list(range(200_000, 200_400))
    blocked = fans[::20]  # 5 %
    with SandboxServer(limits="paid", paid_per_second=400) as sandbox:
        await make_sim_users(sandbox.url, fans)
        settings = fast_settings(tmp_path, VITRINE_PAID_BROADCAST="true", VITRINE_SEND_RATE="300")
        async with bot_against(sandbox, settings) as runtime:
            repos = runtime.services.repos
            expert_id, item_id = await seed_campaign_audience(repos, tmp_path / "photos", fans)
            campaign_id = await create_push(repos, expert_id, item_id)
            campaigns = campaigns_of(runtime.application.bot_data)
            await hold(runtime, campaign_id)  # hold it while fans block the bot
            assert (
                await runs.fire_run(
                    runtime.services, campaign_id, datetime.now(UTC), fired_by="test"
                )
                is None
            )
            await release(runtime, campaign_id)
            # Hold the dispatcher's claims so that nothing is claimed between the fan-out and the
            # campaign's pause; otherwise a fan could get the push before blocking the bot.
            dispatcher = runtime.services.outbox.dispatcher
            assert dispatcher is not None
            dispatcher.hold_claims(8)
            await campaigns.fire(campaign_id)
            await hold(runtime, campaign_id)
            async with httpx.AsyncClient(base_url=sandbox.url) as http:
                for fan in blocked:  # they blocked the bot after the campaign was planned
                    (await http.post(f"/sim/users/{fan}/block")).raise_for_status()
                for fault in (
                    {"method": "sendPhoto", "error": 429, "count": 2, "retry_after": 1},
                    {"method": "sendPhoto", "error": 500, "count": 5},
                    {"method": "sendPhoto", "error": 502, "count": 5},
                ):
                    (await http.post("/sim/faults", json=fault)).raise_for_status()
            await release(runtime, campaign_id)
            runtime.services.outbox.wake()

            async def settled() -> bool:
                counts = await repos.outbox.campaign_counts(campaign_id)
                return counts.get("sent", 0) + counts.get("blocked", 0) == len(fans)

            await wait_for(settled, timeout=90)
            counts = await repos.outbox.campaign_counts(campaign_id)
            stats = runtime.services.outbox.dispatcher.stats  # type: ignore[union-attr]
            assert counts == {"sent": len(fans) - len(blocked), "blocked": len(blocked)}
            assert stats.rate_limited >= 2 and stats.retried >= 12  # 2 x 429 + 10 x 5xx retried
            for fan in blocked:
                user = await repos.users.by_telegram_id(fan)
                assert user is not None and user.unreachable
            # Never retried after the 403: each blocked chat saw at most one "blocked" answer and
            # nothing after it (none at all when the bot learnt of the block first from Telegram's
            # my_chat_member update; an injected 5xx before the 403 is a legitimate retry).
            sends = [
                c
                for c in list(sandbox.sandbox.calls)
                if c["method"].lower() in ("sendphoto", "sendmessage")
            ]
            for fan in blocked:
                to_fan = [c["status"] for c in sends if str(c["params"].get("chat_id")) == str(fan)]
                assert to_fan.count(403) <= 1, to_fan
                assert 403 not in to_fan[:-1], to_fan
    per_chat = bot_messages_per_chat(sandbox)
    assert [f for f in fans if f not in blocked and per_chat.get(f) != 1] == []
    assert all(per_chat.get(f, 0) == 0 for f in blocked)

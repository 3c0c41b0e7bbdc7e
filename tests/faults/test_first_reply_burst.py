"""A burst of new fans: 500 `/start <expert>` within 10 s, the sandbox enforcing Telegram's limits.

Every reply goes through the one send gate, so the bot paces itself under the per-bot and
per-chat limits and retries what Telegram refuses; nobody is left without a welcome or gets the
apology. First-reply latency is printed as a figure (timings belong to bench/, not asserts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.faults.conftest import bot_against, fast_settings, make_sim_users

FANS = list(range(300_000, 300_500))
WELCOME = "丽娜美妆 Lina"  # the expert's name, in the first message of every welcome


def _first_bot_texts(sandbox: Any) -> dict[int, str]:
    """Each chat's first bot message (text or caption), read from the sandbox's state."""
    firsts: dict[int, str] = {}
    for bot in list(sandbox.sandbox.bots.values()):
        for chat_id, log in list(bot.chats.items()):
            for message in list(log.messages.values()):
                if message.sender == "bot":
                    firsts[chat_id] = message.text or message.caption or ""
                    break
    return firsts


def _apologies(sandbox: Any, apology: str) -> list[int]:
    found = []
    for bot in list(sandbox.sandbox.bots.values()):
        for chat_id, log in list(bot.chats.items()):
            if any(apology in (m.text or "") for m in list(log.messages.values())):
                found.append(chat_id)
    return found


async def test_500_new_fans_starting_at_once_all_get_their_welcome_and_no_apology(
    strict_sandbox: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.demo.seed import seed_into

    await make_sim_users(strict_sandbox.url, FANS)
    async with bot_against(strict_sandbox, fast_settings(tmp_path)) as runtime:
        repos = runtime.services.repos
        await seed_into(repos, tmp_path / "photos")
        apology = runtime.services.texts.render("common/error", "zh_Hans").split("。")[0]
        caplog.set_level(logging.WARNING)
        sent_at: dict[int, float] = {}
        first_seen: dict[int, float] = {}

        async def watch() -> None:
            """Note when each fan's welcome first appears (polling the sandbox's state)."""
            while len(first_seen) < len(FANS):
                now = time.monotonic()
                for chat_id, text in _first_bot_texts(strict_sandbox).items():
                    if chat_id in sent_at and chat_id not in first_seen and WELCOME in text:
                        first_seen[chat_id] = now
                await asyncio.sleep(0.05)

        watcher = asyncio.create_task(watch())
        async with httpx.AsyncClient(base_url=strict_sandbox.url, timeout=30) as http:

            async def start(fan: int) -> None:
                sent_at[fan] = time.monotonic()
                response = await http.post(
                    f"/sim/users/{fan}/messages", json={"text": "/start lina_beauty"}
                )
                response.raise_for_status()

            for second in range(10):  # 50 new fans a second for 10 seconds
                wave = FANS[second * 50 : (second + 1) * 50]
                await asyncio.gather(*(start(fan) for fan in wave))
                await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - sent_at[wave[0]])))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(watcher, 240)
        limiter = runtime.application.bot.rate_limiter
        rate_limited = getattr(limiter, "rate_limited", None)

    missing = [fan for fan in FANS if fan not in first_seen]
    assert missing == [], f"{len(missing)} fans got no welcome"
    assert _apologies(strict_sandbox, apology) == []
    assert [r.getMessage() for r in caplog.records if "handler failed" in r.getMessage()] == []
    latencies = sorted(first_seen[fan] - sent_at[fan] for fan in FANS)
    refused = sum(1 for c in list(strict_sandbox.sandbox.calls) if c.get("status") == 429)
    by_wave = [
        statistics.median(first_seen[f] - sent_at[f] for f in FANS[w * 50 : (w + 1) * 50])
        for w in range(10)
    ]
    print("\nmedian first reply by second of arrival:", " ".join(f"{x:.1f}" for x in by_wave))
    print(
        f"\nfirst reply of 500 new fans: p50 {statistics.median(latencies):.1f} s, "
        f"p99 {latencies[int(0.99 * len(latencies))]:.1f} s; "
        f"429s the bot met: {rate_limited} (in the sandbox's recent call log: {refused})"
    )

"""How fast the delivery engine is, each number against a baseline measured in the same run.

1. Fan-out: the one INSERT … SELECT of a 20,000-fan campaign (all push rules applied) against a
   plain executemany INSERT of the same 20,000 outbox rows.
2. Dispatcher: 1,000 queued messages sent through the outbox (claim, pace, send, write status)
   against the raw sendMessage throughput of the sandbox (limits off) with the same concurrency.

Run: `python -m bench` (all benchmarks) or `python -m bench.bench_delivery`.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import insert, select

from bot.campaigns.fanout import plan_fanout
from bot.config import DeliverySettings
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.limiter import TelegramRateLimiter
from bot.services import build_gate
from storage.database import create_engine, migrate
from storage.repositories import Repositories
from storage.repositories.campaigns import Audience
from storage.schema import experts, fan_settings, follows, outbox, users

FANS = 20_000
MESSAGES = 1_000
CONCURRENCY = 8
TOKEN = "100001:vitrine-bench-token-000000000000"


async def _seed(repos: Repositories) -> tuple[int, int, list[int]]:
    now = datetime.now(UTC)
    async with repos.engine.begin() as conn:
        owner = (
            await conn.execute(insert(users).values(telegram_id=1, first_name="E", created_at=now))
        ).inserted_primary_key[0]  # type: ignore[index]
        expert_id = (
            await conn.execute(
                insert(experts).values(
                    user_id=owner,
                    handle="e",
                    handle_key="e",
                    display_name="E",
                    vertical="beauty",
                    tags=[],
                    bio="",
                    status="verified",
                    created_at=now,
                )
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        await conn.execute(
            insert(users),
            [
                {"telegram_id": 10_000 + n, "first_name": "F", "created_at": now}
                for n in range(FANS)
            ],
        )
        fan_ids = list(
            (await conn.execute(select(users.c.id).where(users.c.id != owner))).scalars()
        )
        await conn.execute(insert(fan_settings), [{"user_id": u} for u in fan_ids])
        await conn.execute(
            insert(follows),
            [
                {"fan_id": u, "expert_id": expert_id, "source": "link", "created_at": now}
                for u in fan_ids
            ],
        )
    return int(expert_id), int(owner), fan_ids


async def bench_fanout(folder: Path) -> tuple[float, float]:
    """Seconds for the planned fan-out, and for the plain INSERT baseline."""
    url = f"sqlite+aiosqlite:///{folder / 'fanout.sqlite3'}"
    await migrate(url)
    repos = Repositories.build(create_engine(url), default_timezone="Asia/Shanghai")
    expert_id, owner, fan_ids = await _seed(repos)
    now = datetime.now(UTC)
    campaign = await repos.campaigns.create(
        expert_id=expert_id,
        kind="push",
        item_ids=[],
        audience={},
        starts_at=now,
        recurrence=None,
        progress_chat_id=None,
    )
    started = time.perf_counter()
    written = await plan_fanout(
        repos.campaigns,
        campaign_id=campaign.id,
        audience=Audience(expert_id, owner, False, ()),
        payload={"render": "campaign", "campaign_id": campaign.id},
        dedup_prefix=f"c{campaign.id}:u",
        now=now,
        platform_cap=3,
        mark_running=False,
    )
    planned = time.perf_counter() - started
    assert written == FANS, written
    rows = [
        {
            "kind": "push",
            "chat_id": 10_000 + n,
            "user_id": u,
            "dedup_key": f"plain:{u}",
            "payload": {"render": "campaign"},
            "status": "queued",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for n, u in enumerate(fan_ids)
    ]
    started = time.perf_counter()
    async with repos.engine.begin() as conn:
        await conn.execute(insert(outbox), rows)
    plain = time.perf_counter() - started
    await repos.engine.dispose()
    return planned, plain


async def bench_dispatch(folder: Path) -> tuple[float, float]:
    """Messages per second through the dispatcher, and raw sendMessage through HTTP."""
    from telegram.ext import ApplicationBuilder

    from sandbox.server import SandboxServer

    with SandboxServer(limits="off") as sandbox:
        async with httpx.AsyncClient(base_url=sandbox.url, timeout=30) as http:
            for n in range(MESSAGES):
                await http.post("/sim/users", json={"id": 50_000 + n, "first_name": "F"})
            await http.get(f"/bot{TOKEN}/getMe")
            queue: asyncio.Queue[int] = asyncio.Queue()
            for n in range(MESSAGES):
                queue.put_nowait(50_000 + n)

            async def worker() -> None:
                while not queue.empty():
                    chat = queue.get_nowait()
                    await http.post(
                        f"/bot{TOKEN}/sendMessage", json={"chat_id": chat, "text": "raw"}
                    )

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            raw_rate = MESSAGES / (time.perf_counter() - started)

        url = f"sqlite+aiosqlite:///{folder / 'dispatch.sqlite3'}"
        await migrate(url)
        repos = Repositories.build(create_engine(url), default_timezone="Asia/Shanghai")
        for n in range(MESSAGES):
            await repos.outbox.enqueue(
                "notice",
                50_000 + n,
                {"method": "sendMessage", "params": {"text": "outbox"}},
                f"b:{n}",
            )
        settings = replace(
            DeliverySettings(), send_rate=1000, paid_broadcast=True, send_concurrency=CONCURRENCY
        )
        gate = build_gate(settings)
        application = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(sandbox.bot_api_url)
            .rate_limiter(TelegramRateLimiter(gate))
            .updater(None)
            .build()
        )
        async with application:
            dispatcher = Dispatcher(repos.outbox, application.bot, settings, gate)
            started = time.perf_counter()
            await dispatcher.start()
            while dispatcher.stats.sent < MESSAGES:  # noqa: ASYNC110 - polling a counter on purpose
                await asyncio.sleep(0.01)
            elapsed = time.perf_counter() - started
            await dispatcher.stop()
        await gate.close()
        await repos.engine.dispose()
    return MESSAGES / elapsed, raw_rate


async def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        planned, plain = await bench_fanout(Path(tmp))
        print(
            f"fan-out of {FANS:,} fans: {planned * 1000:.0f} ms planned INSERT … SELECT vs "
            f"{plain * 1000:.0f} ms plain INSERT of the same rows -> ratio {planned / plain:.2f}x"
        )
        outbox_rate, raw_rate = await bench_dispatch(Path(tmp))
        print(
            f"dispatch of {MESSAGES:,} messages: {outbox_rate:.0f}/s through the outbox vs "
            f"{raw_rate:.0f}/s raw sendMessage (concurrency {CONCURRENCY}) -> ratio {outbox_rate / raw_rate:.2f}"
        )


def main() -> None:
    """Print the delivery benchmark's ratios."""
    print("delivery engine")
    asyncio.run(run())


if __name__ == "__main__":
    main()

"""Repeated SIGKILLs during a campaign, orders arriving all along: after each restart nothing is
lost, each kill repeats at most the stated bound, and the money ledger has every order once.

The bound (bot/delivery/dispatcher.py): a crash repeats at most 2 × VITRINE_SEND_CONCURRENCY
messages, those whose Bot API call was made but whose 'sent' was not committed. Rows are
claimed only with a send slot, so at a kill at most that many rows are 'sending'; a row
'sending' whose fan already has the message is exactly one message repeated at the restart.

Kill points come from a seed printed at the start (VITRINE_CRASH_SEED replays one). CI size:
5 kills of a 2,000-fan campaign; VITRINE_SOAK=1: 20 kills of 10,000.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bot.demo.catalogue import DEMO_SHOPS
from bot.demo.seed import demo_secret
from bot.domain.webhooks import decode_secret, sign_webhook
from storage.database import create_engine, migrate
from storage.repositories import Repositories
from storage.schema import orders, outbox, webhook_receipts
from tests.auxil.processes import start_cli_bot
from tests.conftest import free_port
from tests.faults.conftest import (
    create_push,
    deliveries_of,
    make_sim_users,
    seed_campaign_audience,
    wait_for,
)

SOAK = os.environ.get("VITRINE_SOAK") == "1"
KILLS, FAN_COUNT = (20, 10_000) if SOAK else (5, 2_000)
CONCURRENCY = 8
BOUND = 2 * CONCURRENCY  # in flight + outcomes waiting for their commit
FANS = range(400_000, 400_000 + FAN_COUNT)
ITEM = "600000000001"  # a demo item of the Lumière shop


def start_bot(sandbox: Any, tmp_path: Path, port: int, run: int) -> subprocess.Popen[bytes]:
    """`python -m bot.cli run` against the sandbox, as production runs it."""
    return start_cli_bot(
        sandbox,
        tmp_path,
        port,
        tmp_path / f"run-{run}.log",
        VITRINE_PAID_BROADCAST="true",
        VITRINE_SEND_RATE="400",
        VITRINE_SEND_CONCURRENCY=str(CONCURRENCY),
    )


class Partner:
    """The Lumière shop's integration: posts a signed order every few tenths of a second and
    retries each one (same webhook id, same body) until the bot answers 200, as partners do."""

    def __init__(self, base_url: str, callback_key: str) -> None:
        self.url = f"{base_url}/hooks/orders/{callback_key}"
        self.key = decode_secret(demo_secret("lumiere"))
        self.accepted: list[str] = []
        self.stopping = False

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=5) as http:
            n = 0
            while not self.stopping:
                n += 1
                order_id, message_id = f"CRASH-{n}", f"msg_crash_{n}"
                body = json.dumps(
                    {
                        "order_id": order_id,
                        "status": "paid",
                        "partner_item_id": ITEM,
                        "click_id": None,
                        "quantity": 1,
                        "amount_fen": 16900,
                        "currency": "CNY",
                        "occurred_at": int(time.time()),
                    }
                ).encode()
                while True:  # until this order is acknowledged, even across kills
                    now = int(time.time())
                    headers = {
                        "webhook-id": message_id,
                        "webhook-timestamp": str(now),
                        "webhook-signature": sign_webhook(self.key, message_id, now, body),
                        "content-type": "application/json",
                    }
                    with suppress(httpx.HTTPError):
                        if (await http.post(self.url, content=body, headers=headers)).is_success:
                            break
                    await asyncio.sleep(0.1)
                self.accepted.append(order_id)
                await asyncio.sleep(0.3)


async def test_repeated_kills_repeat_within_the_bound_and_lose_nothing(tmp_path: Path) -> None:
    from sandbox.server import SandboxServer

    seed = int(os.environ.get("VITRINE_CRASH_SEED") or random.randrange(2**32))
    print(
        f"\ncrash seed {seed} (VITRINE_CRASH_SEED={seed} replays it): {KILLS} kills of {FAN_COUNT}"
    )
    rng = random.Random(seed)
    kill_points = sorted(rng.sample(range(FAN_COUNT // 20, FAN_COUNT * 9 // 10), KILLS))

    url = f"sqlite+aiosqlite:///{tmp_path / 'vitrine.sqlite3'}"
    await migrate(url)
    repos = Repositories.build(create_engine(url), default_timezone="Asia/Shanghai")
    port = free_port()
    with SandboxServer(limits="paid", paid_per_second=1000) as sandbox:
        await make_sim_users(sandbox.url, FANS)
        expert_id, item_id = await seed_campaign_audience(repos, tmp_path / "photos", FANS)
        campaign = await create_push(repos, expert_id, item_id, starts_in=0)
        title = (await repos.items.get(item_id)).title  # type: ignore[union-attr]
        partner_key, shop_id, _name, _owner = DEMO_SHOPS["lumiere"]
        merchant = await repos.merchants.by_shop(partner_key, shop_id)
        assert merchant is not None
        partner = Partner(f"http://127.0.0.1:{port}", merchant.callback_key)
        ordering = asyncio.create_task(partner.run())

        repeats: list[int] = []
        sending_at_kill: list[int] = []
        for run, point in enumerate(kill_points):
            bot = start_bot(sandbox, tmp_path, port, run)
            try:

                async def reached(point: int = point) -> bool:
                    return len(deliveries_of(sandbox, title)) >= point

                await wait_for(reached, timeout=120, interval=0.05)
            finally:
                bot.send_signal(signal.SIGKILL)
                bot.wait()
            have = deliveries_of(sandbox, title)
            async with repos.engine.connect() as conn:
                chats = (
                    await conn.execute(
                        select(outbox.c.chat_id).where(
                            outbox.c.campaign_id == campaign, outbox.c.status == "sending"
                        )
                    )
                ).scalars()
                in_flight = list(chats)
            sending_at_kill.append(len(in_flight))
            # Each 'sending' row whose fan has the card already is one message sent again.
            repeats.append(sum(1 for chat in in_flight if chat in have))

        last = start_bot(sandbox, tmp_path, port, KILLS)
        try:

            async def all_sent() -> bool:
                counts = await repos.outbox.campaign_counts(campaign)
                return counts.get("sent", 0) == FAN_COUNT

            await wait_for(all_sent, timeout=300, interval=0.25)
            partner.stopping = True
            await asyncio.wait_for(ordering, 60)  # the order under way is acknowledged
        finally:
            last.send_signal(signal.SIGTERM)
            last.wait(timeout=30)
        have = deliveries_of(sandbox, title)

    duplicates = sum(n - 1 for n in have.values())
    print(
        f"kills at {kill_points} cards delivered: 'sending' rows {sending_at_kill}, "
        f"repeats {repeats} (bound {BOUND}), {duplicates} fans got it twice; "
        f"{len(partner.accepted)} orders meanwhile"
    )
    assert [f for f in FANS if f not in have] == []  # 0 lost messages
    assert max(sending_at_kill) <= BOUND  # claimed rows never outnumber the bound
    assert max(repeats) <= BOUND
    assert duplicates <= sum(repeats)  # every repeat is one of those counted at a kill
    async with repos.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(orders.c.partner_order_id, func.count()).group_by(orders.c.partner_order_id)
            )
        ).all()
        receipts = (
            await conn.execute(select(func.count()).select_from(webhook_receipts))
        ).scalar_one()
    assert sorted(rows) == sorted((order_id, 1) for order_id in partner.accepted)
    assert receipts == len(partner.accepted)
    assert await repos.outbox.campaign_counts(campaign) == {"sent": FAN_COUNT}
    await repos.engine.dispose()

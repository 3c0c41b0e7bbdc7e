"""A clean stop never loses an order callback the bot already accepted: its notices are written
to the outbox before the bot stops (the announcements are tracked and drained at shutdown)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from bot.app import BotEndpoint, running
from bot.demo.catalogue import DEMO_SHOPS
from bot.demo.seed import demo_secret, seed_into
from bot.domain.webhooks import decode_secret, sign_webhook
from bot.orders.announce import announcer_of
from storage.database import create_engine
from storage.schema import orders, outbox
from tests.conftest import BOT_TOKEN, free_port, make_settings

ITEM = "600000000001"  # demo item 1 of lina_beauty at Lumière
CALLBACKS = 40


def signed(order_id: str, shop_key: str = "lumiere") -> tuple[bytes, dict[str, str]]:
    """A paid-order callback signed the way a partner integration signs it."""
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
    message_id, ts = f"msg_{order_id}", int(time.time())
    key = decode_secret(demo_secret(shop_key))
    return body, {
        "webhook-id": message_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign_webhook(key, message_id, ts, body),
        "content-type": "application/json",
    }


async def test_callbacks_accepted_just_before_a_stop_are_announced(
    tmp_path: Path, sandbox: object
) -> None:
    # Webhook mode: no poller to stop, so the stop follows the last HTTP answer at once.
    port = free_port()
    settings = make_settings(
        tmp_path, VITRINE_HTTP_PORT=str(port), VITRINE_WEBHOOK_URL=f"http://127.0.0.1:{port}"
    )
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(timeout=30) as client:
        async with running(settings, endpoint) as runtime:
            await seed_into(runtime.services.repos, tmp_path / "photos")
            partner, shop_id, _name, _owner = DEMO_SHOPS["lumiere"]
            merchant = await runtime.services.repos.merchants.by_shop(partner, shop_id)
            assert merchant is not None
            url = f"{runtime.http_url}/hooks/orders/{merchant.callback_key}"
            posting = asyncio.gather(
                *(
                    client.post(url, content=body, headers=headers)
                    for body, headers in (signed(f"STOP-{n}") for n in range(CALLBACKS))
                ),
                return_exceptions=True,
            )
            announcer = announcer_of(runtime.application, runtime.services)
            for _ in range(10_000):  # until the first callbacks are applied
                if posting.done() or await runtime.services.repos.orders.count() >= 3:
                    break
                await asyncio.sleep(0.001)
            # The stop begins while callbacks are still being applied and announced.
        answers = await posting
    accepted = [
        n
        for n, answer in enumerate(answers)
        if isinstance(answer, httpx.Response) and answer.status_code == 200
    ]
    assert accepted  # at least the callbacks answered before the stop
    assert announcer.pending == 0
    engine = create_engine(settings.database_url)
    async with engine.connect() as conn:
        order_ids = (await conn.execute(select(orders.c.id))).scalars().all()
        keys = set(
            (
                await conn.execute(
                    select(outbox.c.dedup_key).where(outbox.c.chat_id == merchant.notice_chat_id)
                )
            ).scalars()
        )
        texts = [
            row.payload["params"]["text"]
            for row in (
                await conn.execute(
                    select(outbox.c.payload).where(outbox.c.chat_id == merchant.notice_chat_id)
                )
            ).all()
        ]
    await engine.dispose()
    assert len(order_ids) >= len(accepted)
    # The first notice goes out alone, the ones behind it are folded into summaries: every
    # order appears in the merchant's chat, none is lost with a task nobody waited for.
    assert any(key.startswith("order:") for key in keys)
    every_text = "\n".join(texts)
    assert all(f"STOP-{n}" in every_text for n in accepted), (accepted, every_text)

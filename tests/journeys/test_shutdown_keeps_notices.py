"""A clean stop never loses an order notice that was still waiting to be folded into a summary."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.app import BotEndpoint, running
from bot.orders.notices import Notice, batcher_of
from storage.database import create_engine
from storage.schema import outbox
from tests.conftest import BOT_TOKEN, make_settings


async def test_waiting_notices_reach_the_outbox_before_the_bot_stops(
    tmp_path: Path, sandbox: object
) -> None:
    settings = make_settings(tmp_path)
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)  # type: ignore[attr-defined]
    async with running(settings, endpoint) as runtime:
        batcher = batcher_of(runtime.application, runtime.services)
        for number in (1, 2, 3):  # faster than one chat may receive: 2 and 3 wait to be folded
            await batcher.add(
                5001,
                Notice(
                    kind="order_notice",
                    text=f"order {number}",
                    line=f"order {number}",
                    dedup_key=f"test-order-{number}",
                    language="en",
                ),
            )
    # The runtime has stopped; whatever was waiting is now a durable outbox row.
    engine = create_engine(settings.database_url)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox.c.dedup_key, outbox.c.payload).where(outbox.c.chat_id == 5001)
            )
        ).all()
    await engine.dispose()
    assert "test-order-1" in {row.dedup_key for row in rows}
    folded = [row.payload["params"]["text"] for row in rows if row.dedup_key != "test-order-1"]
    assert len(folded) == 1 and "order 2" in folded[0] and "order 3" in folded[0]

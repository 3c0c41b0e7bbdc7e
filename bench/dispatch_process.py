"""The bot's seat in `push-unlimited`: the real dispatcher, or the bare httpx loop it is held to.

`python -m bench.dispatch_process dispatcher DB API_URL COUNT CONCURRENCY OUT` runs the
outbox dispatcher (claim, send through PTB and the send gate, write the status) over the rows
of DB until COUNT are sent. The gate's rate is lifted far above paid broadcast's 1000/s: the
sink is not Telegram, and what is measured is the dispatcher's own ceiling.

`python -m bench.dispatch_process httpx - API_URL COUNT CONCURRENCY OUT` posts COUNT
sendMessage calls with the same text through httpx, CONCURRENCY at a time.

`python -m bench.dispatch_process ptb - API_URL COUNT CONCURRENCY OUT` makes the same calls
through PTB's `Bot.do_api_request` and the send gate (lifted), without the outbox: where the
dispatcher's time goes, between the bare loop and the dispatcher.

Both write {"sent", "seconds", "first_seconds"} to OUT as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import httpx

from bench.harness import BOT_TOKEN
from bot import event_loop

TEXT = (
    "<b>Lina's pick of the week</b>\n"
    "A cushion foundation that keeps its glow all day, in three shades for warm and neutral "
    "skin. ¥169.00 at Lumière (Tmall), stock 42. Tap Buy to see the shop's page first."
)
LIFTED_RATE = 1_000_000.0
TIMEOUT_SECONDS = 600.0


async def dispatcher(
    database: Path, api_url: str, count: int, concurrency: int
) -> dict[str, float]:
    """Send the outbox through the real dispatcher until `count` rows are sent."""
    from telegram.ext import ApplicationBuilder

    from bot.config import DeliverySettings
    from bot.delivery.dispatcher import Dispatcher
    from bot.delivery.gate import MemorySendGate
    from bot.delivery.limiter import TelegramRateLimiter
    from storage.database import create_engine
    from storage.repositories import Repositories

    repos = Repositories.build(
        create_engine(f"sqlite+aiosqlite:///{database}"), default_timezone="Asia/Shanghai"
    )
    settings = replace(
        DeliverySettings(), send_rate=1000, paid_broadcast=True, send_concurrency=concurrency
    )
    gate = MemorySendGate(LIFTED_RATE, paid_rate=LIFTED_RATE)
    application = (
        ApplicationBuilder()
        .token(BOT_TOKEN)
        .base_url(api_url)
        .rate_limiter(TelegramRateLimiter(gate))
        .updater(None)
        .build()
    )
    first = 0.0
    async with application:
        engine = Dispatcher(repos.outbox, application.bot, settings, gate)
        started = time.perf_counter()
        await engine.start()
        deadline = started + TIMEOUT_SECONDS
        while engine.stats.sent < count and time.perf_counter() < deadline:
            await asyncio.sleep(0.005)
            if not first and engine.stats.sent:
                first = time.perf_counter() - started
        elapsed = time.perf_counter() - started
        await engine.stop()
        sent = engine.stats.sent
    await gate.close()
    await repos.engine.dispose()
    return {"sent": sent, "seconds": elapsed, "first_seconds": first}


async def ptb_loop(api_url: str, count: int, concurrency: int) -> dict[str, float]:
    """The same calls through PTB and the send gate (lifted), without the outbox: the send path."""
    from telegram import Message
    from telegram.ext import ApplicationBuilder

    from bot.delivery.gate import MemorySendGate
    from bot.delivery.lanes import outbox_ticket
    from bot.delivery.limiter import TelegramRateLimiter

    gate = MemorySendGate(LIFTED_RATE, paid_rate=LIFTED_RATE)
    application = (
        ApplicationBuilder()
        .token(BOT_TOKEN)
        .base_url(api_url)
        .rate_limiter(TelegramRateLimiter(gate))
        .updater(None)
        .build()
    )
    chats = list(range(count))
    sent = 0
    first = 0.0
    async with application:
        started = time.perf_counter()

        async def worker() -> None:
            nonlocal sent, first
            while chats:
                chat = 1 + chats.pop()
                await application.bot.do_api_request(
                    "sendMessage",
                    api_kwargs={
                        "chat_id": chat,
                        "text": TEXT,
                        "parse_mode": "HTML",
                        "allow_paid_broadcast": True,
                    },
                    return_type=Message,
                    rate_limit_args=outbox_ticket("push", 1),
                )
                sent += 1
                first = first or time.perf_counter() - started

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    await gate.close()
    return {"sent": sent, "seconds": elapsed, "first_seconds": first}


async def bare_loop(api_url: str, count: int, concurrency: int) -> dict[str, float]:
    """The baseline: `count` sendMessage posts through httpx, `concurrency` at a time."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(1 + n)
    sent = 0
    first = 0.0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        started = time.perf_counter()

        async def worker() -> None:
            nonlocal sent, first
            while not queue.empty():
                chat = queue.get_nowait()
                response = await http.post(
                    f"{api_url}{BOT_TOKEN}/sendMessage",
                    data={"chat_id": str(chat), "text": TEXT, "parse_mode": "HTML"},
                )
                if response.json().get("ok"):
                    sent += 1
                    first = first or time.perf_counter() - started

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"sent": sent, "seconds": elapsed, "first_seconds": first}


def main() -> int:
    """Run one side and write its figures."""
    mode, database, api_url = sys.argv[1], sys.argv[2], sys.argv[3]
    count, concurrency, out = int(sys.argv[4]), int(sys.argv[5]), Path(sys.argv[6])
    # Every side on the loop `vitrine run` picks (bot/event_loop.py): the bot's and the baseline's.
    if mode == "dispatcher":
        result = event_loop.run(dispatcher(Path(database), api_url, count, concurrency))
    elif mode == "ptb":
        result = event_loop.run(ptb_loop(api_url, count, concurrency))
    else:
        result = event_loop.run(bare_loop(api_url, count, concurrency))
    out.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The processes under test: the real bot, and the baselines that run in exactly its setup.

`python -m bench.bot_process vitrine [ARGS]` is `vitrine run [ARGS]` (settings from the environment). With
BENCH_LIFTED_RATE=<n> its send gate paces at n messages/s instead of Telegram's 30/s: the
benchmark's Bot API is the fast sink, not Telegram, and the point is the bot's own ceiling.
Everything else of the send path stays (limiter, lanes, per-chat pace).

`python -m bench.bot_process echo` is a PTB echo bot behind the same Starlette webhook route,
served by uvicorn with the same settings, against the same sink: it answers a button press and
edits the message with the button's data, and echoes a text message.

`python -m bench.bot_process bare` is a bare Starlette app with the bot's HTTP paths answering a
fixed body (the same size as the bot's answer, from BENCH_BARE_BYTES; the Mini App's window
API answers JSON of that size), same uvicorn settings.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import signal
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bot import event_loop
from bot.app import http_server_config


def _uvicorn_config(app: Starlette, port: int) -> uvicorn.Config:
    # The very settings bot/app.py gives the bot's own HTTP server.
    return http_server_config(app, host="127.0.0.1", port=port)


async def _serve_until_stopped(server: uvicorn.Server) -> None:
    task = asyncio.create_task(server.serve())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await task


def run_vitrine() -> int:
    """The real bot, as `vitrine run` starts it."""
    lifted = os.environ.get("BENCH_LIFTED_RATE")
    if lifted:
        import bot.services
        from bot.config import Settings
        from bot.delivery.gate import MemorySendGate, SendGate

        rate = float(lifted)

        def lifted_gate(settings: Settings, *, member: str) -> SendGate:
            del settings, member  # the configured rate is what is lifted
            return MemorySendGate(rate, paid_rate=rate)

        bot.services.build_gate = lifted_gate
    from bot.cli import main

    return main(["run", *sys.argv[2:]])  # e.g. `vitrine --role web` (updates-pg)


async def _echo() -> None:
    from telegram import Update
    from telegram.ext import (
        ApplicationBuilder,
        CallbackQueryHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    from bot.app import UPDATE_CONCURRENCY
    from bot.config import load_settings

    settings = load_settings()

    async def pressed(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(query.data or ".")

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None and update.effective_message.text:
            await update.effective_message.reply_text(update.effective_message.text)

    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token or "")
        .base_url(settings.telegram_api_url)
        .concurrent_updates(UPDATE_CONCURRENCY)
        .updater(None)
        .build()
    )
    application.add_handler(CallbackQueryHandler(pressed))
    application.add_handler(MessageHandler(filters.TEXT, echo))
    secret = settings.webhook_secret

    async def webhook(request: Request) -> Response:
        # The same checks as bot/http/server.py's telegram_webhook.
        header = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not hmac.compare_digest(header.encode(), secret.encode()):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        body = await request.body()
        try:
            update = Update.de_json(json.loads(body), application.bot)
        except (ValueError, TypeError, KeyError):
            return JSONResponse({"error": "malformed update"}, status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    app = Starlette(routes=[Route(f"/telegram/{secret[:32]}", webhook, methods=["POST"])])
    async with application:
        await application.start()
        await _serve_until_stopped(uvicorn.Server(_uvicorn_config(app, settings.http_port)))
        await application.stop()


async def _bare() -> None:
    size = int(os.environ.get("BENCH_BARE_BYTES", "2000"))
    page = "<!doctype html><title>bare</title>" + "x" * max(size - 33, 0)
    answer = json.dumps({"screen": "window", "html": "x" * max(size - 30, 0)})

    async def go(_request: Request) -> Response:
        return HTMLResponse(page)

    async def window_api(_request: Request) -> Response:
        return Response(answer, media_type="application/json")

    async def hook(request: Request) -> Response:
        await request.body()
        return JSONResponse({"status": "applied", "order_status": "paid"})

    app = Starlette(
        routes=[
            Route("/go/{token}", go, methods=["GET"]),
            Route("/hooks/orders/{callback_key}", hook, methods=["POST"]),
            Route("/app/api/window/{handle}", window_api, methods=["GET"]),
        ]
    )
    port = int(os.environ["VITRINE_HTTP_PORT"])
    await _serve_until_stopped(uvicorn.Server(_uvicorn_config(app, port)))


def main() -> int:
    """`python -m bench.bot_process vitrine|echo|bare`."""
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "vitrine":
        return run_vitrine()
    # The baselines run on the loop `vitrine run` picks (bot/event_loop.py), as the bot does.
    if mode == "echo":
        event_loop.run(_echo())
        return 0
    if mode == "bare":
        event_loop.run(_bare())
        return 0
    print("usage: python -m bench.bot_process vitrine|echo|bare", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())

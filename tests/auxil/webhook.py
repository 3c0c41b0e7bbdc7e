"""The bot in webhook mode for journey tests: its route, its secret, and what it processed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.app import BotEndpoint, Runtime, running
from bot.http.server import webhook_path
from tests.conftest import BOT_TOKEN, free_port, make_settings

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@asynccontextmanager
async def webhook_bot(tmp_path: Path, sandbox: Any, **env: str) -> AsyncIterator[Runtime]:
    """The real bot, the sandbox delivering to its webhook route."""
    port = free_port()
    settings = make_settings(
        tmp_path, VITRINE_HTTP_PORT=str(port), VITRINE_WEBHOOK_URL=f"http://127.0.0.1:{port}", **env
    )
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)
    async with running(settings, endpoint) as runtime:
        yield runtime


def route_of(runtime: Runtime) -> str:
    return f"{runtime.http_url}{webhook_path(runtime.services)}"


def secret_headers(runtime: Runtime) -> dict[str, str]:
    return {SECRET_HEADER: runtime.services.settings.webhook_secret}


def count_updates(runtime: Runtime) -> list[int]:
    """The update ids the application processes, recorded before any handler group."""
    seen: list[int] = []

    async def record(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.update_id)

    runtime.application.add_handler(TypeHandler(Update, record), group=-1000)
    return seen


def count_errors(runtime: Runtime) -> list[BaseException | None]:
    """Every error PTB hands its error handlers (the bot's own apologises as before)."""
    errors: list[BaseException | None] = []

    async def record(_update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(context.error)

    runtime.application.add_error_handler(record)
    return errors


async def settled(runtime: Runtime, *, timeout: float = 120.0) -> None:
    """Wait until every queued update has been handled (PTB handles several at once)."""
    application = runtime.application
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = application.update_processor.current_concurrent_updates
        if application.update_queue.empty() and busy == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"updates still being handled after {timeout}s")

"""Wiring: the PTB Application and the Starlette server on one event loop.

This follows PTB's custom-webhook-bot example: `async with application`, start it, serve HTTP
with uvicorn, and stop both in order on SIGINT/SIGTERM so nothing is left half-written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass

import uvicorn
from telegram import BotCommand, LinkPreviewOptions, MenuButtonWebApp, Update, WebAppInfo
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults, JobQueue

from bot.config import Settings
from bot.context import SERVICES_KEY, VitrineApp, VitrineContext
from bot.delivery.gate import SendGate
from bot.delivery.lifecycle import start_delivery, stop_delivery
from bot.delivery.limiter import TelegramRateLimiter
from bot.domain.language import CHINESE, ENGLISH
from bot.http.server import build_web_app, webhook_path
from bot.links import miniapp_url
from bot.logs import REDACTOR
from bot.orders.notices import drain_notices
from bot.orders.pull_jobs import close_pullers
from bot.services import Services
from bot.texts import DEFAULT_LANGUAGE, LANGUAGES
from handlers import register_handlers

log = logging.getLogger(__name__)

# Updates handled at once. Handlers mostly wait (for the database, for the send gate), and the
# gate can only put each person's first answer first if it sees everyone who is waiting.
UPDATE_CONCURRENCY = 1024

# Telegram's language codes for our catalogues; the default (no code) list is Chinese.
COMMAND_LANGUAGE_CODES = {CHINESE: "zh", ENGLISH: "en"}


@dataclass(frozen=True)
class BotEndpoint:
    """Which Bot API server to talk to, with which token."""

    token: str
    api_url: str
    file_url: str


class _Server(uvicorn.Server):
    """uvicorn without its own signal capture (the runner owns SIGINT/SIGTERM), and without its
    `sys.exit(3)` when the address is taken.

    That SystemExit, raised in the server's task, would escape the event loop itself, past
    every `except Exception` of the caller (in the test suite it broke the event-loop runner of
    every test after it). The operator gets an OSError naming the address instead, which
    `vitrine run` prints.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets)
        except SystemExit:
            raise OSError(
                f"the HTTP side could not listen on {self.config.host}:{self.config.port}"
                " (is another process using that port?)"
            ) from None


def build_application(
    endpoint: BotEndpoint,
    *,
    polling: bool,
    gate: SendGate,
) -> VitrineApp:
    """The PTB application pointed at the endpoint, every call through the send gate."""
    builder = (
        ApplicationBuilder()
        .token(endpoint.token)
        .rate_limiter(TelegramRateLimiter(gate))
        # Every text is Telegram HTML from a template; no message previews links it carries.
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .base_url(endpoint.api_url)
        .base_file_url(endpoint.file_url)
        .context_types(ContextTypes(context=VitrineContext))
        .job_queue(JobQueue[VitrineContext]())  # the default queue, typed for VitrineContext jobs
        .concurrent_updates(UPDATE_CONCURRENCY)
        .connect_timeout(10)
        .read_timeout(15)
        .get_updates_read_timeout(40)
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    register_handlers(application)
    return application


async def register_commands(application: VitrineApp, services: Services) -> None:
    """Publish the default menus: the fan menu in every language (and Chinese with no language).

    Experts, merchants and admins get a menu of their own in their chat when their role changes
    (bot/menus.py), so nothing here runs per person.
    """
    for language in LANGUAGES:
        commands = [BotCommand(c, d) for c, d in services.texts.commands(language)]
        await application.bot.set_my_commands(
            commands, language_code=COMMAND_LANGUAGE_CODES[language]
        )
    default = [BotCommand(c, d) for c, d in services.texts.commands(DEFAULT_LANGUAGE)]
    await application.bot.set_my_commands(default)
    await register_menu_button(application, services)


async def register_menu_button(application: VitrineApp, services: Services) -> None:
    """The chat's menu button opens the Mini App, in every chat (where Telegram takes its URL).

    The text is the bot's name, the same in every language, so one default serves every chat.
    """
    url = miniapp_url(services.settings)
    if url is None:
        return
    text = services.texts.label(DEFAULT_LANGUAGE, "fan.menu_app")
    await application.bot.set_chat_menu_button(menu_button=MenuButtonWebApp(text, WebAppInfo(url)))


@dataclass
class Runtime:
    """A running bot: its application, services and HTTP server."""

    application: VitrineApp
    services: Services
    server: uvicorn.Server
    server_task: asyncio.Task[None]

    @property
    def http_url(self) -> str:
        """Where the bot's HTTP side listens."""
        settings = self.services.settings
        return f"http://{settings.http_host}:{settings.http_port}"


@contextlib.asynccontextmanager
async def running(settings: Settings, endpoint: BotEndpoint) -> AsyncIterator[Runtime]:
    """Start the bot and its HTTP server; on exit stop both in order and close the database."""
    # The webhook path holds the secret's first 32 characters (bot/http/server.py webhook_path).
    secrets = (
        endpoint.token,
        settings.secret_key,
        settings.webhook_secret,
        *(partner.app_secret for partner in settings.pull.partners),
    )
    REDACTOR.add_secrets((*secrets, settings.webhook_secret[:32]))
    services = await Services.start(settings)
    application = build_application(
        endpoint,
        polling=not settings.webhook_mode,
        gate=services.gate,
    )
    application.bot_data[SERVICES_KEY] = services
    web = build_web_app(application, services)
    config = uvicorn.Config(
        web,
        host=settings.http_host,
        port=settings.http_port,
        log_level="warning",
        lifespan="off",
        access_log=False,
    )
    server = _Server(config)
    try:
        async with application:
            # The HTTP side first: a taken port stops the start before anything runs.
            server_task = asyncio.create_task(server.serve(), name="vitrine-http")
            try:
                while not server.started:
                    if server_task.done():
                        server_task.result()  # raise why the HTTP server could not start
                        raise RuntimeError("the HTTP server stopped before it started listening")
                    await asyncio.sleep(0.02)
                await _start_bot(application, services)
                log.info("Vitrine is up as @%s", application.bot.username)
                yield Runtime(application, services, server, server_task)
            finally:
                # Also when a start step failed: what did start stops, and the port is freed.
                await _stop_bot(application, services, server, server_task)
    finally:
        await services.close()


async def _start_bot(application: VitrineApp, services: Services) -> None:
    """Commands, the application, delivery, then updates (webhook or polling)."""
    settings = services.settings
    await register_commands(application, services)
    await application.start()
    await start_delivery(application, services)  # outbox dispatcher + campaign jobs
    if settings.webhook_url:
        await application.bot.set_webhook(
            url=settings.webhook_url.rstrip("/") + webhook_path(services),
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        await application.bot.delete_webhook()
        assert application.updater is not None
        await application.updater.start_polling(
            allowed_updates=Update.ALL_TYPES, timeout=10, poll_interval=0
        )


async def _stop_bot(
    application: VitrineApp,
    services: Services,
    server: uvicorn.Server,
    server_task: asyncio.Task[None],
) -> None:
    """Stop, in order, whatever `_start_bot` and the HTTP server got to start."""
    server.should_exit = True
    await asyncio.wait({server_task})
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    await drain_notices(application)  # folded order notices still waiting in memory
    await stop_delivery(services)  # finishes the sends in flight
    if application.running:
        await application.stop()
    await close_pullers(application)  # the partner APIs' HTTP clients
    failed = None if server_task.cancelled() else server_task.exception()
    if failed is not None and server.started:  # a failure to start is already on its way up
        raise failed


async def wait_for_stop_signal() -> None:
    """Return on SIGINT or SIGTERM."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)

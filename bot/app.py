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
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Generator
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from telegram import BotCommand, LinkPreviewOptions, MenuButtonWebApp, Update, WebAppInfo
from telegram.constants import ParseMode
from telegram.ext import (
    ApplicationBuilder,
    ContextTypes,
    Defaults,
    JobQueue,
    SimpleUpdateProcessor,
)

from bot import metrics
from bot.campaigns.jobs import start_campaigns
from bot.config import Settings
from bot.context import PROCESS_KEY, SERVICES_KEY, ProcessState, VitrineApp, VitrineContext
from bot.delivery.gate import SendGate
from bot.delivery.lifecycle import build_dispatcher, start_delivery, stop_delivery
from bot.delivery.limiter import TelegramRateLimiter
from bot.delivery.remote import DeliveryElsewhere
from bot.domain.language import CHINESE, ENGLISH
from bot.http.server import build_web_app, webhook_path
from bot.links import miniapp_url
from bot.logs import REDACTOR
from bot.orders.notices import drain_notices
from bot.orders.pull_jobs import close_pullers
from bot.services import Services
from bot.texts import DEFAULT_LANGUAGE, LANGUAGES
from handlers import register_handlers
from storage.leadership import LeaderLock

log = logging.getLogger(__name__)

# Updates handled at once. Handlers mostly wait (for the database, for the send gate), and the
# gate can only put each person's first answer first if it sees everyone who is waiting.
UPDATE_CONCURRENCY = 1024

# The roles of `vitrine run --role`: which take people's updates and HTTP calls, which arm timed
# work (the scheduler only while it leads).
PEOPLE_ROLES = frozenset({"all", "web"})
SCHEDULING_ROLES = frozenset({"all", "scheduler"})
LEADER_POLL_SECONDS = 1.0  # a standby scheduler asks for the lead this often
LEADER_CHECK_SECONDS = 1.0  # the leader makes sure its lock's connection lives this often
ALL_LEAD_WAIT_SECONDS = 40.0  # `all` on PostgreSQL waits this long for the lock at start

# Telegram's language codes for our catalogues; the default (no code) list is Chinese.
COMMAND_LANGUAGE_CODES = {CHINESE: "zh", ENGLISH: "en"}


@dataclass(frozen=True)
class BotEndpoint:
    """Which Bot API server to talk to, with which token."""

    token: str
    api_url: str
    file_url: str


def http_server_config(web: Starlette, *, host: str, port: int) -> uvicorn.Config:
    """uvicorn's settings for the bot's HTTP side (and the benchmarks' baselines beside it).

    httptools parses HTTP (`http="auto"` takes it when installed, and it is a dependency); no
    access log of uvicorn's own: bot/http/observe.py keeps one that names route templates only.
    """
    return uvicorn.Config(
        web,
        host=host,
        port=port,
        http="auto",
        log_level="warning",
        lifespan="off",
        access_log=False,
    )


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


class TimedUpdates(SimpleUpdateProcessor):
    """PTB's concurrent update processing, each update's handling time in `vitrine_update_seconds`."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        started = time.perf_counter()
        try:
            await coroutine
        finally:
            metrics.observe_since(metrics.UPDATE_SECONDS, started)


def build_application(
    endpoint: BotEndpoint,
    *,
    polling: bool,
    gate: SendGate,
    timed_jobs: bool = True,
) -> VitrineApp:
    """The PTB application pointed at the endpoint, every call through the send gate.

    `timed_jobs`: this process arms timed work (campaign starts, digests, summaries, polling);
    without, it has no job queue (the web and worker roles: the scheduler leader arms it all).
    """
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
        .concurrent_updates(TimedUpdates(UPDATE_CONCURRENCY))
        .connect_timeout(10)
        .read_timeout(15)
        .get_updates_read_timeout(40)
    )
    if not polling:
        builder = builder.updater(None)
    if not timed_jobs:
        # The web and worker roles arm nothing: PTB's "no JobQueue set up" hint is not for them.
        warnings.filterwarnings("ignore", message="No `JobQueue` set up")
        builder = cast(Any, builder).job_queue(None)
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


class LeadershipLost(RuntimeError):
    """The scheduler's lock is no longer this process's: it stops, so it never schedules twice."""


@dataclass
class Runtime:
    """A running bot: its application, services and HTTP server (and a scheduler's lead)."""

    application: VitrineApp
    services: Services
    server: uvicorn.Server
    server_task: asyncio.Task[None]
    process: ProcessState
    leading_task: asyncio.Task[None] | None = None

    @property
    def http_url(self) -> str:
        """Where the bot's HTTP side listens."""
        settings = self.services.settings
        return f"http://{settings.http_host}:{settings.http_port}"

    @property
    def ends_when(self) -> set[asyncio.Task[None]]:
        """Tasks whose end ends the process: the HTTP server, and a scheduler's lead."""
        tasks = {self.server_task}
        if self.leading_task is not None:
            tasks.add(self.leading_task)
        return tasks


def redis_password(url: str | None) -> tuple[str, ...]:
    """The password a Redis URL carries, to keep out of the logs."""
    password = urlsplit(url).password if url else None
    return (password,) if password else ()


@contextlib.asynccontextmanager
async def running(settings: Settings, endpoint: BotEndpoint) -> AsyncIterator[Runtime]:
    """Start the bot and its HTTP server; on exit stop both in order and close the database."""
    # The webhook path holds the secret's first 32 characters (bot/http/server.py webhook_path).
    secrets = (
        endpoint.token,
        settings.secret_key,
        settings.webhook_secret,
        *(partner.app_secret for partner in settings.pull.partners),
        *redis_password(settings.redis_url),
    )
    REDACTOR.add_secrets((*secrets, settings.webhook_secret[:32]))
    role = settings.role
    services = await Services.start(settings)
    application = build_application(
        endpoint,
        polling=role == "all" and not settings.webhook_mode,
        gate=services.gate,
        timed_jobs=role in SCHEDULING_ROLES,
    )
    application.bot_data[SERVICES_KEY] = services
    process = ProcessState(role=role, name=services.process_name)
    application.bot_data[PROCESS_KEY] = process
    metrics.UP.set(1)
    metrics.LEADING.set(0)
    web = build_web_app(application, services, for_people=role in PEOPLE_ROLES)
    server = _Server(http_server_config(web, host=settings.http_host, port=settings.http_port))
    lock = LeaderLock(services.repos.engine)
    try:
        async with application:
            # The HTTP side first: a taken port stops the start before anything runs.
            server_task = asyncio.create_task(server.serve(), name="vitrine-http")
            runtime = Runtime(application, services, server, server_task, process)
            try:
                while not server.started:
                    if server_task.done():
                        server_task.result()  # raise why the HTTP server could not start
                        raise RuntimeError("the HTTP server stopped before it started listening")
                    await asyncio.sleep(0.02)
                await _start_role(runtime, lock)
                log.info("Vitrine is up as @%s (role %s)", application.bot.username, role)
                yield runtime
            finally:
                # Also when a start step failed: what did start stops, and the port is freed.
                if runtime.leading_task is not None:
                    runtime.leading_task.cancel()
                    await asyncio.wait({runtime.leading_task})
                await _stop_bot(application, services, server, server_task)
                await lock.release()
    finally:
        try:
            await services.close()
        finally:
            metrics.LEADING.set(0)
            metrics.process_ends()


async def _start_role(runtime: Runtime, lock: LeaderLock) -> None:
    """Start what the process's role runs (bot/roles in the README: `vitrine run --role`)."""
    application, services, process = runtime.application, runtime.services, runtime.process
    if process.role == "all":
        try:
            # A restart after a lost connection finds its old session still holding the lock
            # until the server notices (tcp keepalives: about 25 s): wait that long, no more.
            await asyncio.wait_for(
                lock.wait_for_lead(poll_seconds=LEADER_POLL_SECONDS), ALL_LEAD_WAIT_SECONDS
            )
        except TimeoutError:
            raise LeadershipLost(
                "another process leads this database's scheduler: beside it, run --role web"
                " or --role worker, not all"
            ) from None
        process.leading = True
        metrics.LEADING.set(1)
        await _start_bot(application, services, process)
        if services.repos.engine.dialect.name == "postgresql":  # web processes may join it
            runtime.leading_task = asyncio.create_task(
                _keep_lead(runtime, lock), name="vitrine-lead"
            )
    elif process.role == "web":
        await application.start()
        delivery = DeliveryElsewhere(services.gate, services.settings.delivery)
        await start_campaigns(application, services, delivery, name=process.name)
    elif process.role == "worker":
        await application.start()
        dispatcher = build_dispatcher(application, services, worker=process.name, exclusive=False)
        await dispatcher.start()
    else:
        runtime.leading_task = asyncio.create_task(_lead(runtime, lock), name="vitrine-lead")


async def _lead(runtime: Runtime, lock: LeaderLock) -> None:
    """The scheduler role: wait as a standby for the lead, then arm the timed work and set the
    webhook; raise LeadershipLost once the lock's connection is gone (another may lead then)."""
    application, services, process = runtime.application, runtime.services, runtime.process
    await lock.wait_for_lead(
        poll_seconds=LEADER_POLL_SECONDS,
        on_standby=lambda: log.info("standby: another scheduler leads; taking over if it stops"),
    )
    process.leading = True
    metrics.LEADING.set(1)
    log.info("this process leads the scheduler")
    await register_commands(application, services)
    await application.start()  # with its job queue: settlement, summaries, partner polling
    delivery = DeliveryElsewhere(services.gate, services.settings.delivery)
    await start_campaigns(application, services, delivery, name=process.name, follow_others=True)
    await _take_updates(application, services)
    await _keep_lead(runtime, lock)


async def _keep_lead(runtime: Runtime, lock: LeaderLock) -> None:
    """Make sure every second that the lock is still this process's; once it is not, stop the
    timed work first, then raise LeadershipLost (the process exits; a supervisor restarts it as
    a standby), so it never arms work beside the new leader."""
    while True:
        await asyncio.sleep(LEADER_CHECK_SECONDS)
        if not await lock.still_leading():
            break
    runtime.process.leading = False
    metrics.LEADING.set(0)
    queue = runtime.application.job_queue
    if queue is not None and queue.scheduler.running:
        await queue.stop(wait=False)
    raise LeadershipLost(
        "lost the scheduler lock: stopping, so that no two processes arm timed work"
        " (restarted, it leads again once the lock is free)"
    )


async def _start_bot(application: VitrineApp, services: Services, process: ProcessState) -> None:
    """Commands, the application, delivery, then updates (webhook or polling)."""
    await register_commands(application, services)
    await application.start()
    # One process on SQLite is the outbox's only worker; on PostgreSQL workers may join it, and
    # web processes store campaigns this process must find (`sync`).
    shared = services.repos.engine.dialect.name == "postgresql"
    await start_delivery(
        application, services, worker=process.name, exclusive=not shared, follow_others=shared
    )
    await _take_updates(application, services)


async def _take_updates(application: VitrineApp, services: Services) -> None:
    """Point Telegram at the webhook, or poll (one process only)."""
    settings = services.settings
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

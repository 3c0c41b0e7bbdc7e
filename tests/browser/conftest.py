"""Browser-test fixtures: a bot polling the sandbox, and headless Chromium on the chat page.

`sandbox` (limits off) comes from tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.app import BotEndpoint, running
from bot.config import Settings
from sandbox.server import SandboxServer
from tests.conftest import BOT_TOKEN as VITRINE_TOKEN

CHROMIUM_PATH = Path(os.environ.get("VITRINE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts" / "browser"
BOT_TOKEN = "7000001:SandboxBrowserTestBot"
# Only a guard against a hung startup; no test asserts on how long anything takes.
STARTUP_LIMIT_SECONDS = 30.0


@dataclass(frozen=True)
class BotUnderTest:
    """The bot the page talks to, and what it is expected to do when a user starts it."""

    token: str
    start_reply: str  # text the reply to /start contains
    start_reply_bold: str  # a phrase of that reply the bot sends in <b>
    callback_button: str  # label of an inline callback button on that reply
    url_button: str  # label of an inline URL button on that reply
    after_callback: str  # text that reply shows once the callback button is pressed
    callback_toast: str  # the callback answer, shown as a toast
    commands: tuple[str, ...] = field(default=("start",))  # commands set with setMyCommands


# --- The stand-in bot (swap `chat_bot` below for the real Vitrine bot) ----------------------

DEAL_CALLBACK = "deal:v1:42"
SHOP_URL = "https://shop.example.com/items/42"


def deal_keyboard() -> InlineKeyboardMarkup:
    """Return the keyboard of the welcome message: one callback and one URL button."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Show today's deal", callback_data=DEAL_CALLBACK)],
            [InlineKeyboardButton("Open the shop", url=SHOP_URL)],
        ]
    )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the user in HTML with the deal keyboard."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "<b>Welcome to Vitrine</b>, your <i>fan-service</i> window.\nTap below to see a deal.",
        parse_mode=ParseMode.HTML,
        reply_markup=deal_keyboard(),
    )


async def show_deal(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press with a toast, then edit the welcome message into the deal."""
    query = update.callback_query
    assert query is not None
    await query.answer("Deal unlocked")
    await query.edit_message_text(
        "<b>Today's deal:</b> 20% off <code>VITRINE20</code>",
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Open the shop", url=SHOP_URL)]]),
    )


async def register_commands(application: Application) -> None:
    """Publish the command menu, as the real bot does at start-up."""
    await application.bot.set_my_commands([("start", "Start the bot")])


def build_stand_in_bot(bot_api_url: str, file_api_url: str) -> Application:
    """Return a tiny PTB application that mimics the real bot's welcome flow."""
    application = (
        Application.builder()
        .token(BOT_TOKEN)
        .base_url(bot_api_url)
        .base_file_url(file_api_url)
        .post_init(register_commands)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(show_deal, pattern="^deal:"))
    return application


@contextlib.asynccontextmanager
async def polling(application: Application) -> AsyncIterator[Application]:
    """Run `application` with polling as run_polling() would, hooks included, until exit."""
    # The hooks run_polling() would call; the real bot builds its services in post_init.
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=5)
        await application.start()
        yield application
        await application.updater.stop()
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


class BackgroundService:
    """Holds an async context manager open on its own event loop in a daemon thread.

    Playwright's sync API owns the test thread, so the bot lives on a loop of its own.
    """

    def __init__(self, open_service: Callable[[], AbstractAsyncContextManager[object]]) -> None:
        self._open_service = open_service
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="browser-test-bot", daemon=True)

    def __enter__(self) -> BackgroundService:
        """Start the service and return once it runs (or raise what stopped it)."""
        self._thread.start()
        if not self._ready.wait(STARTUP_LIMIT_SECONDS):
            raise RuntimeError("the bot did not start")
        if self._error is not None:
            raise RuntimeError("the bot failed to start") from self._error
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Leave the context manager on its loop and join the thread."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(STARTUP_LIMIT_SECONDS)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # reported to the test thread by __enter__
            self._error = error
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with self._open_service():
            self._ready.set()
            await self._stop.wait()


@pytest.fixture
def chat_bot(sandbox: SandboxServer) -> Iterator[BotUnderTest]:
    """The bot the chat page talks to; the one fixture to swap for the real Vitrine bot."""
    runner = BackgroundService(
        lambda: polling(build_stand_in_bot(sandbox.bot_api_url, sandbox.file_api_url))
    )
    with runner:
        yield BotUnderTest(
            token=BOT_TOKEN,
            start_reply="Welcome to Vitrine",
            start_reply_bold="Welcome to Vitrine",
            callback_button="Show today's deal",
            url_button="Open the shop",
            after_callback="Today's deal: 20% off VITRINE20",
            callback_toast="Deal unlocked",
        )


@pytest.fixture
def vitrine_bot(settings: Settings, sandbox: SandboxServer) -> Iterator[str]:
    """The real Vitrine bot (and its HTTP side) polling the sandbox; yields its token."""
    endpoint = BotEndpoint(VITRINE_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)
    with BackgroundService(lambda: running(settings, endpoint)):
        yield VITRINE_TOKEN


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium, shared by the session (every browser test skips without it)."""
    if not CHROMIUM_PATH.exists():
        pytest.skip(f"no Chromium at {CHROMIUM_PATH}: install Debian's chromium package")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh desktop-sized page that fails the test on any uncaught script error."""
    context = browser.new_context(viewport={"width": 1440, "height": 860}, locale="en-US")
    opened = context.new_page()
    script_errors: list[str] = []
    opened.on("pageerror", lambda error: script_errors.append(str(error)))
    yield opened
    context.close()
    assert script_errors == [], f"uncaught errors on the page: {script_errors}"


@pytest.fixture
def artifacts_dir() -> Path:
    """The folder (under the repository root) where browser tests leave screenshots."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR

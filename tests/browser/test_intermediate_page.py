"""The intermediate page in headless Chromium, in both languages, and Continue → simulated checkout."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect
from starlette.applications import Starlette

from bot.config import Settings
from bot.demo.seed import seed_into, write_checkout_config
from bot.domain.orders import OrderOutcome
from bot.http import HttpContext, routes_for
from bot.links import buy_url
from bot.services import Services
from sandbox.checkout import checkout_routes
from sandbox.server import SandboxServer
from tests.conftest import make_settings

START_LIMIT_SECONDS = 30.0  # only a guard against a hung start-up


@dataclass
class Shop:
    """What the tests need from the running money path."""

    settings: Settings
    fans: dict[str, int]
    orders: list[OrderOutcome]

    def buy(self, language: str, item_id: int = 1) -> str:
        return buy_url(self.settings, item_id=item_id, fan_id=self.fans[language], source="window")


class MoneyServer:
    """The bot's money-path routes served by uvicorn on their own loop in a daemon thread."""

    def __init__(self, settings: Settings, photo_dir: Path) -> None:
        self.settings = settings
        self.photo_dir = photo_dir
        self.fans: dict[str, int] = {}
        self.orders: list[OrderOutcome] = []
        self.checkout_config: Path | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._server: uvicorn.Server | None = None
        self._thread = threading.Thread(target=self._run, name="money-server", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(START_LIMIT_SECONDS) or self._error is not None:
            raise RuntimeError("the money server did not start") from self._error
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(START_LIMIT_SECONDS)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:
            self._error = error
            self._ready.set()

    async def _serve(self) -> None:
        services = await Services.start(self.settings)
        await seed_into(services.repos, self.photo_dir)
        self.checkout_config = await write_checkout_config(self.settings)
        for language, telegram_id in (("en", 7001), ("zh-hans", 7002)):
            user = await services.repos.users.upsert_from_telegram(
                telegram_id, "Fan", None, language
            )
            self.fans[language] = user.id

        async def no_file(_file_id: str) -> bytes | None:
            return None

        async def record(outcome: OrderOutcome) -> None:
            self.orders.append(outcome)

        ctx = HttpContext(
            services=services,
            bot_username=lambda: "vitrine_bot",
            fetch_file=no_file,
            on_order=record,
        )
        config = uvicorn.Config(
            Starlette(routes=routes_for(ctx)),
            host=self.settings.http_host,
            port=self.settings.http_port,
            log_config=None,
            log_level="warning",
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        self._ready.set()
        await task
        await services.close()


@pytest.fixture
def shop(tmp_path: Path, sandbox: SandboxServer) -> Iterator[Shop]:
    settings = make_settings(tmp_path, VITRINE_DEMO_CHECKOUT_URL=f"{sandbox.url}/checkout")
    with MoneyServer(settings, tmp_path / "photos") as server:
        assert server.checkout_config is not None
        sandbox.app.router.routes.extend(checkout_routes(server.checkout_config))
        yield Shop(settings, server.fans, server.orders)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A phone-sized page (the intermediate page is designed for phones first)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == []


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            (
                "¥169.00",
                "42 in stock",
                "Why 丽娜美妆 Lina recommends it",
                "handled by Lumière 官方旗舰店 on Tmall",
                "Continue to Tmall",
            ),
        ),
        (
            "zh-hans",
            (
                "¥169.00",
                "库存 42 件",
                "丽娜美妆 Lina 的推荐理由",
                "由 天猫 上的 Lumière 官方旗舰店 负责",
                "前往天猫购买",
            ),
        ),
    ],
)
def test_the_page_renders_in_the_fans_language(
    shop: Shop, phone: Page, artifacts_dir: Path, language: str, words: tuple[str, ...]
) -> None:
    phone.goto(shop.buy(language))
    expect(phone.locator("#title")).to_have_text("玻尿酸保湿精华 30ml")
    body = phone.locator("body").inner_text()
    for word in words:
        assert word in body
    photo = phone.locator("img.photo")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(phone.locator("#continue")).to_be_in_viewport()
    assert fits_the_screen(phone)
    phone.screenshot(path=str(artifacts_dir / f"intermediate-{language}.png"), full_page=True)


def test_continue_leads_to_the_simulated_checkout_and_pay_reports_the_order(
    shop: Shop, phone: Page, artifacts_dir: Path
) -> None:
    phone.goto(shop.buy("en"))
    phone.locator("#continue").click()
    expect(phone.locator("#banner")).to_contain_text("Simulated partner checkout")
    expect(phone.locator("#title")).to_have_text("玻尿酸保湿精华 30ml")
    phone.locator("#quantity").fill("2")
    phone.locator("#pay").click()
    expect(phone.locator("#result")).to_contain_text("Paid")
    expect(phone.locator("#answer")).to_have_text("200")
    phone.screenshot(path=str(artifacts_dir / "simulated-checkout-paid.png"), full_page=True)
    [order] = shop.orders
    assert (order.status, order.quantity, order.amount_fen, order.commission_fen) == (
        "paid",
        2,
        33800,
        2704,
    )

    phone.locator("#refund").click()
    expect(phone.locator("#result")).to_contain_text("Refunded")
    assert [o.status for o in shop.orders] == ["paid", "refunded"]

"""The Mini App in headless Chromium, opened from the sandbox chat page as a fan would (issue 16).

The real bot runs in sandbox mode (the sandbox is the Telegram client: it signs initData, frames
the app, draws MainButton and BackButton). A fan opens the app from the window message, browses,
favourites, puts two items from two shops in the cart, finds the same cart in the chat's /cart,
buys through the intermediate page and the simulated checkout, and the merchant's notice and the
expert's commission arrive as in the chat flow. The menu button and a startapp link open the
right screens. The README's screenshots come from these tests (test-artifacts/browser/miniapp-*.png).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import FrameLocator, Locator, Page, expect

from bot.app import BotEndpoint, running
from bot.config import Settings
from bot.demo.catalogue import DEMO_EXPERT_ID, DEMO_MERCHANT_ID
from bot.demo.miniapp import register_sandbox_app, with_sandbox_miniapp
from bot.demo.seed import create_demo_users, seed_demo, write_checkout_config
from sandbox.checkout import checkout_routes
from sandbox.server import SandboxServer
from tests.browser.conftest import BackgroundService
from tests.conftest import BOT_TOKEN, make_settings

FAN = 5301
FRIEND = 5302  # someone Ann shares a card with
WANGTECH_OWNER = 2001  # the owner of TechWang's shop (bot/demo/catalogue.py)
TECHWANG_ID = 3001


@dataclass(frozen=True)
class Demo:
    sandbox: SandboxServer
    settings: Settings

    def transcript(self, user_id: int) -> str:
        response = httpx.get(f"{self.sandbox.url}/sim/users/{user_id}/transcript", timeout=10)
        response.raise_for_status()
        return response.text


@pytest.fixture
def demo(tmp_path: Path, sandbox: SandboxServer) -> Iterator[Demo]:
    """The real bot as `vitrine run` starts it without a token: demo data, checkout, Mini App."""
    settings = make_settings(tmp_path, VITRINE_DEMO_CHECKOUT_URL=f"{sandbox.url}/checkout")
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.test_bot_api_url, sandbox.file_api_url)

    # Playwright's loop owns this thread: the set-up runs on the bot's own loop.
    @contextlib.asynccontextmanager
    async def bot() -> AsyncIterator[None]:
        shop = await with_sandbox_miniapp(settings, sandbox.url)
        await seed_demo(shop)
        sandbox.app.router.routes.extend(checkout_routes(await write_checkout_config(shop)))
        async with running(shop, endpoint) as runtime:
            await create_demo_users(sandbox.url, shop)
            await register_sandbox_app(sandbox.url, shop, runtime.application.bot.username)
            yield

    with BackgroundService(bot):
        yield Demo(sandbox, settings)


def chat(page: Page, user_id: int) -> Locator:
    return page.locator(f'.panel[data-user-id="{user_id}"]')


def send(panel: Locator, text: str) -> None:
    box = panel.locator(".text-input")
    box.fill(text)
    box.press("Enter")


def app(page: Page) -> FrameLocator:
    return page.frame_locator("#webapp-frame")


def open_chat(page: Page, demo: Demo, theme: str = "light") -> Locator:
    page.goto(f"{demo.sandbox.url}/?users={FAN}:Ann:en,{FRIEND}:Bo:en&theme={theme}")
    fan = chat(page, FAN)
    expect(fan).to_be_visible()
    return fan


def test_a_fan_shops_in_the_mini_app_and_the_order_reaches_merchant_and_expert(
    page: Page, demo: Demo, artifacts_dir: Path
) -> None:
    fan = open_chat(page, demo)
    send(fan, "/start lina_beauty")
    opener = fan.locator(".inline-button.webapp-button").last
    expect(opener).to_be_visible(timeout=15_000)

    # The window message's 📱 button opens Lina's window in the app, as a grid.
    opener.click()
    expect(page.locator("#webapp-panel")).to_be_visible()
    grid = app(page).locator("#window-grid .tile")
    expect(grid.first).to_be_visible(timeout=15_000)
    assert grid.count() >= 2
    expect(app(page).locator("h1")).to_contain_text("Lina")

    # An item's detail, favourite it, put it in the cart.
    grid.first.locator("button.open").click()
    detail = app(page).locator("article.item")
    expect(detail).to_be_visible()
    first_title = detail.locator("h1").inner_text()
    expect(detail).to_contain_text("Delivery and after-sales")
    expect(page.locator("#webapp-main-button")).to_contain_text("Buy")
    expect(page.locator("#webapp-back")).to_be_visible()
    app(page).locator("#favourite").click()
    expect(app(page).locator("#favourite")).to_have_attribute("aria-pressed", "true")
    app(page).locator("#add-to-cart").click()
    expect(app(page).locator(".notice")).to_contain_text("In your cart: 1")

    # Back to the grid with Telegram's BackButton.
    page.locator("#webapp-back").click()
    expect(app(page).locator("#window-grid")).to_be_visible()
    app(page).locator("button", has_text="Favourites").click()
    expect(app(page).locator("#favourites-grid")).to_contain_text(first_title)

    # A second expert (another shop), followed in the chat; the menu button opens the app.
    page.locator("#webapp-close").click()
    expect(page.locator("#webapp-panel")).to_be_hidden()
    send(fan, "/start techwang")
    expect(fan.locator(".message-row.from-bot").last).to_contain_text("", timeout=15_000)
    fan.locator(".menu-button").click()
    expect(app(page).locator(".experts")).to_contain_text("Wang", timeout=15_000)
    app(page).locator(".experts button", has_text="Wang").click()
    app(page).locator("#window-grid .tile button.open").first.click()
    second_title = app(page).locator("article.item h1").inner_text()
    app(page).locator("#add-to-cart").click()
    expect(app(page).locator(".notice")).to_contain_text("In your cart: 1")

    # The cart: two shops with subtotals, and the chat's /cart shows the same two lines.
    app(page).locator("#tab-cart").click()
    shops = app(page).locator("section.shop")
    expect(shops).to_have_count(2)
    expect(shops.first).to_contain_text("Subtotal")
    page.locator("#webapp-panel").screenshot(path=str(artifacts_dir / "miniapp-cart-light.png"))
    page.locator("#webapp-close").click()
    send(fan, "/cart")
    cart_message = fan.locator(".message-row.from-bot", has_text="Your cart").last
    expect(cart_message).to_contain_text(first_title, timeout=15_000)
    expect(cart_message).to_contain_text(second_title)

    # Buy from the app: MainButton → intermediate page → simulated checkout → pay.
    fan.locator(".menu-button").click()
    app(page).locator("#tab-cart").click()
    expect(page.locator("#webapp-main-button")).to_contain_text("Buy")
    with page.context.expect_page() as opened:
        page.locator("#webapp-main-button").click()
    shop_page = opened.value
    shop_page.wait_for_load_state()
    assert "/go/" in shop_page.url
    shop_page.locator("#continue").click()
    expect(shop_page.locator("#banner")).to_contain_text("Simulated partner checkout")
    paid_title = shop_page.locator("#title").inner_text()
    shop_page.locator("#pay").click()
    expect(shop_page.locator("#result")).to_contain_text("Paid")
    order_id = shop_page.locator("#order").inner_text()
    shop_page.close()

    # The shop's merchant is told of the order; the expert hears of the commission.
    merchants = (DEMO_MERCHANT_ID, WANGTECH_OWNER)
    experts = (DEMO_EXPERT_ID, TECHWANG_ID)

    def arrived() -> bool:
        told = any(order_id in demo.transcript(m) for m in merchants)
        # The earnings notice names the item, in the expert's language ("You earned" / "佣金").
        earned = any(
            paid_title in (told_expert := demo.transcript(e))
            and ("You earned" in told_expert or "佣金" in told_expert)
            for e in experts
        )
        return told and earned

    for _ in range(150):
        if arrived():
            break
        page.wait_for_timeout(100)
    assert arrived(), [demo.transcript(who)[-600:] for who in (*merchants, *experts)]


def test_a_startapp_link_opens_that_experts_window_and_dark_theme_follows_telegram(
    page: Page, demo: Demo, artifacts_dir: Path
) -> None:
    fan = open_chat(page, demo, theme="dark")
    send(fan, "/experts")
    expert_button = fan.locator(".inline-button", has_text="Wang").last
    expect(expert_button).to_be_visible(timeout=15_000)
    expert_button.click()
    link = fan.locator(".message-row.from-bot a", has_text="startapp=techwang").last
    expect(link).to_be_visible(timeout=15_000)
    link.click()
    expect(app(page).locator("h1")).to_contain_text("Wang", timeout=15_000)
    background = app(page).locator("body").evaluate("b => getComputedStyle(b).backgroundColor")
    assert background != "rgb(255, 255, 255)", "the dark theme's colours reach the app"
    page.locator("#webapp-panel").screenshot(path=str(artifacts_dir / "miniapp-window-dark.png"))

    # Light theme, the same screen, for the README.
    page.locator("#theme-switch").uncheck()
    page.locator("#webapp-close").click()
    link.click()
    expect(app(page).locator("h1")).to_contain_text("Wang", timeout=15_000)
    page.locator("#webapp-panel").screenshot(path=str(artifacts_dir / "miniapp-window-light.png"))

    # Share an item card from the app into Bo's chat: it arrives via the bot, with a Buy button.
    app(page).locator("#window-grid .tile button.open").first.click()
    title = app(page).locator("article.item h1").inner_text()
    app(page).locator("#share").click()
    chooser = page.locator("#webapp-share-chooser")
    expect(chooser).to_be_visible()
    chooser.locator("button", has_text="Bo").click()
    expect(app(page).locator("#toast")).to_have_text("Shared.")
    card = chat(page, FRIEND).locator(".message-row", has_text=title).last
    expect(card).to_be_visible(timeout=15_000)
    expect(card.locator(".inline-button", has_text="Buy")).to_be_visible()


def test_an_xss_title_is_shown_as_text_in_the_app(page: Page, demo: Demo) -> None:
    hostile = "<img src=x onerror=\"document.title='pwned'\">"
    from sqlalchemy import create_engine, text

    from storage.database import sync_url

    engine = create_engine(sync_url(demo.settings.database_url))  # SQLite or PostgreSQL
    with engine.begin() as db:
        db.execute(
            text(
                "UPDATE items SET title = :title WHERE id = (SELECT min(id) FROM items WHERE "
                "expert_id = (SELECT id FROM experts WHERE handle = 'lina_beauty'))"
            ),
            {"title": hostile},
        )
    engine.dispose()
    fan = open_chat(page, demo)
    send(fan, "/start lina_beauty")
    fan.locator(".inline-button.webapp-button").last.click()
    tiles = app(page).locator("#window-grid .tile .title")
    expect(tiles.first).to_be_visible(timeout=15_000)
    expect(tiles.filter(has_text="<img src=x")).to_have_count(1)
    assert app(page).locator("#window-grid img[src='x']").count() == 0
